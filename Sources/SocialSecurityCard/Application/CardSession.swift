import KioskCore

/// One citizen's card, from connect to release: what the kiosk uses for a service.
///
/// The card is held exclusively while the session lasts and reset when it ends, so a PIN
/// verified for one service is not left verified for whoever comes next.
public final class CardSession: Sendable {
    public let reader: String
    public let channel: PCSCCardChannel
    public let application: SocialSecurityCardApplication

    /// Connects to the card in `reader`.
    /// - Parameters:
    ///   - trace: receives each command's masked trace and status word (for debug logs).
    public init(context: PCSCContext, reader: String, secureRead: any SecureReadProvider = UnauthenticatedRead(),
                trace: @escaping @Sendable (String, StatusWord) -> Void = { _, _ in }) throws(CardError) {
        self.reader = reader
        channel = try PCSCCardChannel(context: context, reader: reader)
        application = SocialSecurityCardApplication(exchange: APDUExchange(channel: channel, trace: trace), secureRead: secureRead)
    }

    /// The card's Answer To Reset.
    public var atr: [UInt8] { channel.atr }

    /// Reads the holder in one PC/SC transaction.
    /// - Parameter today: an expired card throws ``CardError/cardExpired(_:)``.
    public func readCardHolder(today: CalendarDate?) throws(CardError) -> CardHolder {
        try channel.withTransaction { () throws(CardError) -> CardHolder in
            try application.readCardHolder(today: today)
        }
    }

    /// Verifies the PIN once (the application is selected again first, as a card reset may
    /// have happened since the read).
    public func verifyPIN(_ pin: PINBuffer) throws(CardError) {
        try channel.withTransaction { () throws(CardError) in
            try application.selectSSSE()
            try application.verifyPIN(pin)
        }
    }

    /// Changes the PIN once.
    public func changePIN(old: PINBuffer, new: PINBuffer) throws(CardError) {
        try channel.withTransaction { () throws(CardError) in
            try application.selectSSSE()
            try application.changePIN(old: old, new: new)
        }
    }

    /// PIN tries left without spending one; `nil` when already verified in this session.
    public func pinTriesLeft() throws(CardError) -> Int? {
        try channel.withTransaction { () throws(CardError) -> Int? in
            try application.selectSSSE()
            return try application.pinTriesLeft()
        }
    }

    /// Releases and resets the card.
    public func close() {
        channel.disconnect()
    }
}
