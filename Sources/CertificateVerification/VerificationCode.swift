/// The code printed on a certificate: 80 bits as 16 characters of Crockford base32, shown in
/// groups of four (`7KQ2-M9XD-4TRW-0B3F`). Crockford's alphabet has no I, L, O or U, and reading
/// it back forgives what people mistype: lower case, `I`/`L` for 1, `O` for 0, spaces and hyphens.
public struct VerificationCode: Hashable, Sendable, CustomStringConvertible {
    /// The 16 canonical characters, without separators.
    public let compact: String

    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)
    public static let length = 16

    /// The code for 10 bytes (80 bits).
    public init(bits bytes: [UInt8]) {
        precondition(bytes.count == 10, "a verification code carries 80 bits")
        var characters: [UInt8] = []
        var buffer = 0, bitCount = 0
        for byte in bytes {
            buffer = buffer << 8 | Int(byte)
            bitCount += 8
            while bitCount >= 5 {
                bitCount -= 5
                characters.append(Self.alphabet[(buffer >> bitCount) & 31])
            }
        }
        compact = String(decoding: characters, as: UTF8.self)
    }

    /// Reads a code as a person typed it.
    /// - Returns: nil if it is not 16 Crockford characters (after forgiving the usual slips).
    public init?(typed text: String) {
        var characters: [UInt8] = []
        for scalar in text.unicodeScalars {
            switch scalar {
            case " ", "-", "\u{3000}", "－": continue
            default: break
            }
            guard scalar.isASCII, var byte = UInt8(exactly: scalar.value) else { return nil }
            if (0x61...0x7A).contains(byte) { byte -= 0x20 }
            switch byte {
            case UInt8(ascii: "I"), UInt8(ascii: "L"): byte = UInt8(ascii: "1")
            case UInt8(ascii: "O"): byte = UInt8(ascii: "0")
            default: break
            }
            guard Self.alphabet.contains(byte) else { return nil }
            characters.append(byte)
        }
        guard characters.count == Self.length else { return nil }
        compact = String(decoding: characters, as: UTF8.self)
    }

    /// `7KQ2-M9XD-4TRW-0B3F`: how the code is printed and read out.
    public var grouped: String {
        let characters = Array(compact)
        return stride(from: 0, to: characters.count, by: 4).map { String(characters[$0..<($0 + 4)]) }.joined(separator: "-")
    }

    public var description: String { grouped }

    /// The hub's verify page for this code, e.g. `https://hub.example/verify/7KQ2M9XD4TRW0B3F`.
    public func verifyURL(hubBaseURL: String) -> String {
        var base = hubBaseURL
        while base.hasSuffix("/") { base.removeLast() }
        return "\(base)/verify/\(compact)"
    }
}
