import CPCSCLite

/// A PC/SC failure, classified by who has to act.
public struct PCSCError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The raw `SCARD_E_…`/`SCARD_W_…` code (a positive `LONG` on Linux, e.g. 0x8010001D).
    public let code: Int

    public init(code: LONG) {
        self.code = Int(code)
    }

    public enum Kind: Sendable, Equatable {
        /// pcscd is not running or restarted: wait and re-establish.
        case noService
        /// No reader attached, or the named reader went away: a technician must check the reader.
        case readerUnavailable
        /// The card was pulled or reset during the operation: ask the citizen to insert it again.
        case cardRemoved
        /// No card in the reader.
        case noCard
        /// The card did not answer like a card we can use.
        case unresponsiveCard
        /// Someone else holds the card (another process): retry shortly.
        case sharingViolation
        /// Anything else: a technician reads the code in the log.
        case other
    }

    public var kind: Kind {
        switch LONG(code) {
        case SCARD_E_NO_SERVICE, SCARD_E_SERVICE_STOPPED, SCARD_E_INVALID_HANDLE: return .noService
        case SCARD_E_NO_READERS_AVAILABLE, SCARD_E_READER_UNAVAILABLE, SCARD_E_UNKNOWN_READER: return .readerUnavailable
        case SCARD_W_REMOVED_CARD, SCARD_W_RESET_CARD, SCARD_E_NOT_TRANSACTED: return .cardRemoved
        case SCARD_E_NO_SMARTCARD: return .noCard
        case SCARD_W_UNRESPONSIVE_CARD, SCARD_W_UNPOWERED_CARD, SCARD_E_PROTO_MISMATCH: return .unresponsiveCard
        case SCARD_E_SHARING_VIOLATION: return .sharingViolation
        default: return .other
        }
    }

    public var description: String {
        let text = String(cString: pcsc_stringify_error(LONG(code)))
        return "PC/SC 0x\(String(UInt32(truncatingIfNeeded: code), radix: 16)) (\(text))"
    }
}
