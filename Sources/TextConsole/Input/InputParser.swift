/// Turns terminal input bytes into keys and mouse events.
///
/// Incremental: bytes may arrive in any chunks (a report split across two reads, or a press and
/// its release in one read, as xterm sends them). Anything it does not understand is dropped;
/// no input makes it trap or hold on to more than ``maximumSequenceLength`` bytes.
///
/// A lone ESC cannot be told from the start of a sequence until more bytes come or none do, so
/// it stays pending until the caller reports that input has gone quiet with ``flush()``.
public struct InputParser: Sendable {
    /// A sequence longer than this is garbage: it is dropped.
    public static let maximumSequenceLength = 32

    private var pending: [UInt8] = []

    public init() {}

    /// Whether bytes wait for the rest of a sequence (the runner then calls ``flush()`` after a
    /// short quiet time).
    public var hasPending: Bool { !pending.isEmpty }

    /// Feeds bytes; returns the events they complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [InputEvent] {
        pending.append(contentsOf: bytes)
        var events: [InputEvent] = []
        while !pending.isEmpty {
            switch Self.decode(pending[...]) {
            case .event(let event, let consumed):
                events.append(event)
                pending.removeFirst(consumed)
            case .skip(let consumed):
                pending.removeFirst(consumed)
            case .incomplete:
                if pending.count > Self.maximumSequenceLength { pending.removeFirst() } else { return events }
            }
        }
        return events
    }

    /// Input went quiet: a pending lone ESC is the Esc key; any other partial sequence is dropped.
    public mutating func flush() -> [InputEvent] {
        defer { pending.removeAll() }
        return pending == [0x1B] ? [.key(.escape)] : []
    }

    private enum Decoded {
        case event(InputEvent, consumed: Int)
        case skip(Int)
        case incomplete
    }

    private static func decode(_ bytes: ArraySlice<UInt8>) -> Decoded {
        let start = bytes.startIndex
        let first = bytes[start]
        switch first {
        case 0x1B:
            guard bytes.count >= 2 else { return .incomplete }
            let second = bytes[start + 1]
            if second == UInt8(ascii: "[") { return decodeCSI(bytes) }
            if second == UInt8(ascii: "O") { return decodeSS3(bytes) }
            // ESC then something else: Esc pressed, the next byte is decoded on its own.
            return .event(.key(.escape), consumed: 1)
        case 0x0D, 0x0A: return .event(.key(.enter), consumed: 1)
        case 0x7F, 0x08: return .event(.key(.backspace), consumed: 1)
        case 0x09: return .event(.key(.tab), consumed: 1)
        case 0x00..<0x20: return .skip(1)
        case 0x20..<0x7F: return .event(.key(.character(Character(Unicode.Scalar(first)))), consumed: 1)
        default: return decodeUTF8(bytes)
        }
    }

    private static func decodeUTF8(_ bytes: ArraySlice<UInt8>) -> Decoded {
        let first = bytes[bytes.startIndex]
        let length: Int
        switch first {
        case 0xC2...0xDF: length = 2
        case 0xE0...0xEF: length = 3
        case 0xF0...0xF4: length = 4
        default: return .skip(1)
        }
        var value = UInt32(first) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        for offset in 1..<length {
            guard offset < bytes.count else { return .incomplete }
            let byte = bytes[bytes.startIndex + offset]
            guard byte & 0xC0 == 0x80 else { return .skip(1) }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        guard let scalar = Unicode.Scalar(value), value >= 0x80, !(0x80..<0xA0).contains(value) else {
            return .skip(length)
        }
        return .event(.key(.character(Character(scalar))), consumed: length)
    }

    private static func decodeSS3(_ bytes: ArraySlice<UInt8>) -> Decoded {
        guard bytes.count >= 3 else { return .incomplete }
        let key: Key?
        switch bytes[bytes.startIndex + 2] {
        case UInt8(ascii: "P"): key = .function(1)
        case UInt8(ascii: "Q"): key = .function(2)
        case UInt8(ascii: "R"): key = .function(3)
        case UInt8(ascii: "S"): key = .function(4)
        case UInt8(ascii: "A"): key = .up
        case UInt8(ascii: "B"): key = .down
        case UInt8(ascii: "C"): key = .right
        case UInt8(ascii: "D"): key = .left
        case UInt8(ascii: "H"): key = .home
        case UInt8(ascii: "F"): key = .end
        case UInt8(ascii: "M"): key = .enter
        default: key = nil
        }
        return key.map { .event(.key($0), consumed: 3) } ?? .skip(3)
    }

    /// `ESC [` parameters (0x30–0x3F), intermediates (0x20–0x2F), one final byte (0x40–0x7E).
    private static func decodeCSI(_ bytes: ArraySlice<UInt8>) -> Decoded {
        let start = bytes.startIndex
        var index = start + 2
        while index < bytes.endIndex, (0x20...0x3F).contains(bytes[index]) { index += 1 }
        guard index < bytes.endIndex else { return .incomplete }
        let final = bytes[index]
        let consumed = index - start + 1
        // A byte that cannot end a sequence: drop the introducer and decode the rest afresh.
        guard (0x40...0x7E).contains(final) else { return .skip(2) }
        let parameterBytes = bytes[(start + 2)..<index]
        if parameterBytes.first == UInt8(ascii: "<"), final == UInt8(ascii: "M") || final == UInt8(ascii: "m") {
            return sgrMouse(parameterBytes.dropFirst(), release: final == UInt8(ascii: "m"), consumed: consumed)
        }
        if final == UInt8(ascii: "M"), parameterBytes.isEmpty {
            return x10Mouse(bytes)
        }
        let parameters = numbers(parameterBytes)
        let key: Key?
        switch final {
        case UInt8(ascii: "A"): key = .up
        case UInt8(ascii: "B"): key = .down
        case UInt8(ascii: "C"): key = .right
        case UInt8(ascii: "D"): key = .left
        case UInt8(ascii: "H"): key = .home
        case UInt8(ascii: "F"): key = .end
        case UInt8(ascii: "P"): key = .function(1)
        case UInt8(ascii: "Q"): key = .function(2)
        case UInt8(ascii: "S"): key = .function(4)
        case UInt8(ascii: "~"): key = tildeKey(parameters.first ?? nil)
        default: key = nil
        }
        return key.map { .event(.key($0), consumed: consumed) } ?? .skip(consumed)
    }

    private static func tildeKey(_ code: Int?) -> Key? {
        switch code {
        case 1, 7: return .home
        case 3: return .delete
        case 4, 8: return .end
        case 5: return .pageUp
        case 6: return .pageDown
        case 11, 12, 13, 14, 15: return .function(code! - 10)
        case 17, 18, 19, 20, 21: return .function(code! - 11)
        case 23, 24: return .function(code! - 12)
        default: return nil
        }
    }

    /// `ESC [ < b ; col ; row M|m` (1006). Bit 32 is motion, 64 the wheel; 4, 8 and 16 modifiers.
    private static func sgrMouse(_ parameterBytes: ArraySlice<UInt8>, release: Bool, consumed: Int) -> Decoded {
        let values = numbers(parameterBytes)
        guard values.count == 3, let code = values[0], let column = values[1], let row = values[2] else {
            return .skip(consumed)
        }
        return .event(.mouse(mouseEvent(code: code, column: column, row: row, release: release)), consumed: consumed)
    }

    /// Legacy X10 encoding `ESC [ M b x y`, each byte offset by 32; release has button code 3.
    private static func x10Mouse(_ bytes: ArraySlice<UInt8>) -> Decoded {
        guard bytes.count >= 6 else { return .incomplete }
        let start = bytes.startIndex
        let code = Int(bytes[start + 3]) - 32
        let column = Int(bytes[start + 4]) - 32
        let row = Int(bytes[start + 5]) - 32
        guard code >= 0, column >= 1, row >= 1 else { return .skip(6) }
        let release = code & 0b11 == 3 && code & 64 == 0
        return .event(.mouse(mouseEvent(code: release ? code & ~0b11 : code, column: column, row: row, release: release)), consumed: 6)
    }

    private static func mouseEvent(code: Int, column: Int, row: Int, release: Bool) -> MouseEvent {
        let position = CellPoint(column: max(0, column - 1), row: max(0, row - 1))
        let modified = code & (4 | 8 | 16) != 0
        let action: MouseEvent.Action
        if code & 64 != 0 {
            action = code & 1 == 0 ? .wheelUp : .wheelDown
        } else if code & 32 != 0 {
            action = .motion
        } else {
            action = release ? .release : .press
        }
        return MouseEvent(action: action, button: code & 0b11, position: position, modified: modified)
    }

    /// Semicolon-separated decimal numbers; an empty or malformed field is nil. Values are capped
    /// so that a long digit string cannot overflow.
    private static func numbers(_ bytes: ArraySlice<UInt8>) -> [Int?] {
        bytes.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false).map { field in
            guard !field.isEmpty, field.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
            var value = 0
            for digit in field { value = min(value * 10 + Int(digit - 0x30), 1_000_000) }
            return value
        }
    }
}
