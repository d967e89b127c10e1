/// The two status bytes that end every card response (ISO 7816-4 and the social security card spec).
public struct StatusWord: Hashable, Sendable, CustomStringConvertible {
    public let sw1: UInt8
    public let sw2: UInt8

    public init(_ sw1: UInt8, _ sw2: UInt8) {
        self.sw1 = sw1
        self.sw2 = sw2
    }

    /// What the status word means for the kiosk.
    public enum Meaning: Equatable, Sendable {
        case success
        /// `61xx`: this many more bytes wait for GET RESPONSE (0 means 256).
        case moreData(Int)
        /// `6Cxx`: resend with this Le.
        case wrongLength(Int)
        /// `63Cx`: the PIN was wrong; this many tries remain.
        case wrongPIN(triesLeft: Int)
        /// `6983`: the PIN is blocked; only the counter can reset it.
        case pinBlocked
        /// `6982`: security status not satisfied (PIN not verified yet).
        case securityNotSatisfied
        /// `6A82`: file or application not found; for SELECT SSSE, not a social security card.
        case fileNotFound
        /// `6A83`: record not found.
        case recordNotFound
        /// `6700`: wrong length.
        case wrongLc
        /// `6D00`: instruction not supported.
        case instructionNotSupported
        /// `6E00`: class not supported.
        case classNotSupported
        case other
    }

    public var meaning: Meaning {
        switch (sw1, sw2) {
        case (0x90, 0x00): return .success
        case (0x61, let count): return .moreData(count == 0 ? 256 : Int(count))
        case (0x6C, let length): return .wrongLength(length == 0 ? 256 : Int(length))
        case (0x63, let low) where low & 0xF0 == 0xC0: return .wrongPIN(triesLeft: Int(low & 0x0F))
        case (0x69, 0x83): return .pinBlocked
        case (0x69, 0x82): return .securityNotSatisfied
        case (0x6A, 0x82): return .fileNotFound
        case (0x6A, 0x83): return .recordNotFound
        case (0x67, 0x00): return .wrongLc
        case (0x6D, 0x00): return .instructionNotSupported
        case (0x6E, 0x00): return .classNotSupported
        default: return .other
        }
    }

    public var description: String {
        let hex = { (byte: UInt8) in (byte < 0x10 ? "0" : "") + String(byte, radix: 16, uppercase: true) }
        return hex(sw1) + hex(sw2)
    }
}
