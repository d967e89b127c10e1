/// A command APDU (ISO 7816-4 short form): header, optional data, optional Le.
public struct CommandAPDU: Equatable, Sendable {
    public var cla: UInt8
    public var ins: UInt8
    public var p1: UInt8
    public var p2: UInt8
    public var data: [UInt8]
    /// Expected response length; `nil` sends no Le, 0 means "up to 256".
    public var le: Int?
    /// Whether `data` holds a secret (PIN); traces then show `**` instead of the bytes.
    public var isSensitive: Bool

    public init(cla: UInt8 = 0x00, ins: UInt8, p1: UInt8, p2: UInt8, data: [UInt8] = [], le: Int? = nil, isSensitive: Bool = false) {
        precondition(data.count <= 255, "short APDUs carry at most 255 data bytes")
        precondition(le.map { (0...256).contains($0) } ?? true, "Le is 0...256")
        self.cla = cla
        self.ins = ins
        self.p1 = p1
        self.p2 = p2
        self.data = data
        self.le = le
        self.isSensitive = isSensitive
    }

    /// The bytes sent to the card.
    public var bytes: [UInt8] {
        var bytes = [cla, ins, p1, p2]
        if !data.isEmpty {
            bytes.append(UInt8(data.count))
            bytes += data
        }
        if let le { bytes.append(UInt8(truncatingIfNeeded: le == 256 ? 0 : le)) }
        return bytes
    }

    /// Hex for traces, with secret data masked: `00 20 00 00 03 **`.
    public var trace: String {
        if isSensitive {
            return ([cla, ins, p1, p2, UInt8(data.count)].map(Hex.byte) + ["**"]).joined(separator: " ")
        }
        return bytes.map(Hex.byte).joined(separator: " ")
    }

    /// The same command with another Le (for a `6Cxx` resend).
    func with(le newLe: Int) -> CommandAPDU {
        var copy = self
        copy.le = newLe
        return copy
    }
}

/// A response APDU: data and the status word.
public struct ResponseAPDU: Equatable, Sendable {
    public var data: [UInt8]
    public var status: StatusWord

    public init(data: [UInt8], status: StatusWord) {
        self.data = data
        self.status = status
    }

    /// Splits raw bytes from the reader.
    /// - Throws: ``CardError/cardRemoved`` for fewer than two bytes: vpcd and some readers report
    ///   success with an empty response when the card was pulled mid-command.
    public init(bytes: [UInt8]) throws(CardError) {
        guard bytes.count >= 2 else { throw .cardRemoved }
        data = Array(bytes.dropLast(2))
        status = StatusWord(bytes[bytes.count - 2], bytes[bytes.count - 1])
    }
}

enum Hex {
    static func byte(_ value: UInt8) -> String {
        (value < 0x10 ? "0" : "") + String(value, radix: 16, uppercase: true)
    }

    static func string(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map(byte).joined()
    }

    /// Parses `"7378 31"`-style hex (spaces allowed); `nil` on anything else.
    static func bytes(_ text: String) -> [UInt8]? {
        let digits = text.filter { !$0.isWhitespace }
        guard digits.count % 2 == 0 else { return nil }
        var result: [UInt8] = []
        var index = digits.startIndex
        while index < digits.endIndex {
            let next = digits.index(index, offsetBy: 2)
            guard let value = UInt8(digits[index..<next], radix: 16) else { return nil }
            result.append(value)
            index = next
        }
        return result
    }
}
