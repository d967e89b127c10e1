/// Who has to do something about a fault: every device error in Zizhu says which.
public enum ResponsibleParty: Sendable, Equatable {
    /// The person at the kiosk: insert the card again, use another card, try the PIN again.
    case citizen
    /// Hall staff: refill paper, help at the counter, unblock a PIN.
    case staff
    /// A technician: a device or the configuration is broken.
    case technician
}
