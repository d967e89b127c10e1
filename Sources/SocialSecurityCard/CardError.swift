import KioskCore

/// Why a card operation did not succeed, as a value that says who must act.
public enum CardError: Error, Equatable, Sendable {
    /// The card left the reader (or was reset) during the operation: insert it again.
    case cardRemoved
    /// No card in the reader.
    case noCard
    /// The card answers, but has no social security application (a bank card, a transport card).
    case notASocialSecurityCard
    /// The card's validity has ended: a new card is issued at the counter.
    case cardExpired(CalendarDate)
    /// The PIN was wrong; this many tries remain.
    case wrongPIN(triesLeft: Int)
    /// The PIN is blocked (6983): only the counter can unblock it.
    case pinBlocked
    /// The PIN the citizen typed is not six digits.
    case pinFormat
    /// A record on the card is damaged or not in the format the spec gives: the counter checks the card.
    case malformedRecord(String)
    /// The card answered in a way no command allows (too short, endless chaining).
    case malformedResponse(String)
    /// The card refused a command with an unexpected status word.
    case unexpectedStatus(command: String, status: StatusWord)
    /// The card protects this field and no PSAM or security-module provider is configured: a
    /// technician must set one up (see ``SecureReadProvider``).
    case secureReadRequired(field: String)
    /// The reader or pcscd failed: a technician must look.
    case readerFault(PCSCError)

    /// Who has to do something next.
    public var responsibleParty: ResponsibleParty {
        switch self {
        case .cardRemoved, .noCard, .notASocialSecurityCard, .wrongPIN, .pinFormat: return .citizen
        case .cardExpired, .pinBlocked, .malformedRecord, .unexpectedStatus, .malformedResponse: return .staff
        case .readerFault, .secureReadRequired: return .technician
        }
    }
}
