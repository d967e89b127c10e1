/// One command, or one run of text, in an ESC/POS byte stream.
public enum ESCPOSElement: Equatable, Sendable {
    /// Printable bytes (0x20 and above), still in the printer's encoding.
    case text([UInt8])
    /// `LF`: print the line buffer and feed one line.
    case lineFeed
    /// `ESC @`.
    case initialize
    /// `FS &` (true) / `FS .` (false).
    case chineseMode(Bool)
    /// `GS !`, or `ESC !` / `FS !` double-size bits: character magnification.
    case characterSize(width: Int, height: Int)
    /// `ESC E`.
    case emphasis(Bool)
    /// `ESC a`: 0 left, 1 centre, 2 right.
    case justification(UInt8)
    /// `ESC d n`: print and feed n lines.
    case feedLines(Int)
    /// `GS V`: cut, partial or full, after feeding some dots.
    case cut(partial: Bool)
    /// `GS ( k` cn=49: QR code settings (function 65/67/69) with their parameter bytes.
    case qrSetting(function: UInt8, parameters: [UInt8])
    /// `GS ( k` function 80: the QR payload stored for printing.
    case qrStore([UInt8])
    /// `GS ( k` function 81: print the stored QR code.
    case qrPrint
    /// `GS v 0`: a raster bit image, rows of `widthBytes` bytes, MSB leftmost, 1 = black.
    case raster(widthBytes: Int, height: Int, data: [UInt8])
    /// `DLE EOT n`: a real-time status request, answered at once.
    case realTimeStatus(UInt8)
    /// `DLE DC4 8`: clear the buffers (the sender cancelled the job).
    case clearBuffers
    /// `GS ( H` function 48: answer `37 22 d1..d4 00` once everything before it is printed.
    case processIDRequest([UInt8])
    /// A command this parser knows the length of but a receipt does not need (drawer kick,
    /// line spacing, barcodes …); kept whole so nothing after it is misread.
    case ignored([UInt8])
    /// A byte or sequence that is not an ESC/POS command the parser knows; skipped.
    case unknown([UInt8])
    /// A command whose declared length is beyond what a receipt printer accepts; its header is skipped.
    case oversized([UInt8], declaredLength: Int)
}

/// A defensive, incremental ESC/POS parser: it never reads past the bytes it has, never trusts a
/// declared length beyond ``maximumDataLength``, and turns anything it does not know into
/// ``ESCPOSElement/unknown(_:)`` instead of failing. The emulated printer feeds it the bytes as
/// they arrive; the fuzz test feeds it noise.
public enum ESCPOSParser {
    /// The result of looking at the bytes from one position.
    public enum Step: Equatable, Sendable {
        case element(ESCPOSElement, length: Int)
        /// The command starting here continues past the bytes available.
        case incomplete
    }

    /// The most data one command may carry: a full-width raster band of 576 dots × 4096 rows is
    /// 294,912 bytes; a QR payload is at most 7,089 bytes.
    public static let maximumDataLength = 512 * 1024

    /// Parses the element starting at `start`.
    public static func step(_ bytes: [UInt8], at start: Int) -> Step {
        precondition(start < bytes.count, "step needs at least one byte")
        let available = bytes.count - start
        func byte(_ offset: Int) -> UInt8? { offset < available ? bytes[start + offset] : nil }
        func fixed(_ length: Int, _ element: (ArraySlice<UInt8>) -> ESCPOSElement) -> Step {
            guard available >= length else { return .incomplete }
            return .element(element(bytes[start..<(start + length)]), length: length)
        }
        func ignored(_ length: Int) -> Step { fixed(length) { .ignored(Array($0)) } }
        /// A header of `headerLength` bytes followed by `dataLength` bytes of data.
        func withData(header headerLength: Int, data dataLength: Int, _ element: (ArraySlice<UInt8>) -> ESCPOSElement) -> Step {
            guard available >= headerLength else { return .incomplete }
            if dataLength > maximumDataLength {
                return .element(.oversized(Array(bytes[start..<(start + headerLength)]), declaredLength: dataLength), length: headerLength)
            }
            return fixed(headerLength + dataLength, element)
        }

        let first = bytes[start]
        if first >= 0x20 {
            var end = start
            while end < bytes.count, bytes[end] >= 0x20 { end += 1 }
            return .element(.text(Array(bytes[start..<end])), length: end - start)
        }
        switch first {
        case 0x0A: return .element(.lineFeed, length: 1)
        case 0x09: return .element(.text([0x20]), length: 1)
        case 0x0C: return .element(.lineFeed, length: 1)
        case 0x0D, 0x00, 0x18: return .element(.ignored([first]), length: 1)
        case 0x10:
            guard let second = byte(1) else { return .incomplete }
            switch second {
            case 0x04: return fixed(3) { .realTimeStatus($0.last!) }
            case 0x05: return ignored(3)
            case 0x14:
                guard let function = byte(2) else { return .incomplete }
                switch function {
                case 0x01, 0x02: return ignored(5)
                case 0x07: return ignored(4)
                case 0x08:
                    return fixed(10) { slice in
                        Array(slice) == ESCPOSCommands.clearBuffers ? .clearBuffers : .unknown(Array(slice))
                    }
                default: return fixed(3) { .unknown(Array($0)) }
                }
            default: return fixed(2) { .unknown(Array($0)) }
            }
        case 0x1B:
            guard let second = byte(1) else { return .incomplete }
            switch second {
            case 0x40: return .element(.initialize, length: 2)
            case 0x45: return fixed(3) { .emphasis($0.last! & 1 == 1) }
            case 0x61: return fixed(3) { .justification($0.last! >= 48 ? $0.last! &- 48 : $0.last!) }
            case 0x64: return fixed(3) { .feedLines(Int($0.last!)) }
            case 0x21:
                return fixed(3) { slice in
                    let n = slice.last!
                    return .characterSize(width: n & 0x20 != 0 ? 2 : 1, height: n & 0x10 != 0 ? 2 : 1)
                }
            case 0x69, 0x6D: return .element(.cut(partial: second == 0x6D), length: 2)
            // Commands with one parameter byte.
            case 0x20, 0x2D, 0x33, 0x4A, 0x4D, 0x52, 0x47, 0x56, 0x7B, 0x74, 0x72, 0x55, 0x54, 0x4B, 0x63:
                if second == 0x63 { return ignored(4) }   // ESC c 3/4/5 n
                return ignored(3)
            case 0x32, 0x3C, 0x4C, 0x53: return ignored(2)
            case 0x24, 0x5C: return ignored(4)
            case 0x70: return ignored(5)
            case 0x42: return ignored(4)
            case 0x57: return ignored(10)
            case 0x44:
                // ESC D n1 … nk NUL: tab positions, at most 32.
                var index = 2
                while index < available, index < 35, bytes[start + index] != 0 { index += 1 }
                if index >= available { return available >= 35 ? .element(.unknown(Array(bytes[start..<(start + 2)])), length: 2) : .incomplete }
                return ignored(index + 1)
            case 0x2A:
                // ESC * m nL nH d…: bit image, 1 byte per column for m 0/1, 3 for m 32/33.
                guard let mode = byte(2), let low = byte(3), let high = byte(4) else { return .incomplete }
                let columns = Int(low) + Int(high) * 256
                return withData(header: 5, data: columns * (mode >= 32 ? 3 : 1)) { .ignored(Array($0.prefix(5))) }
            default: return fixed(2) { .unknown(Array($0)) }
            }
        case 0x1C:
            guard let second = byte(1) else { return .incomplete }
            switch second {
            case 0x26: return .element(.chineseMode(true), length: 2)
            case 0x2E: return .element(.chineseMode(false), length: 2)
            case 0x21:
                return fixed(3) { slice in
                    let n = slice.last!
                    return .characterSize(width: n & 0x04 != 0 ? 2 : 1, height: n & 0x08 != 0 ? 2 : 1)
                }
            case 0x43, 0x57, 0x2D: return ignored(3)
            case 0x53, 0x70: return ignored(4)
            default: return fixed(2) { .unknown(Array($0)) }
            }
        case 0x1D:
            guard let second = byte(1) else { return .incomplete }
            switch second {
            case 0x21:
                return fixed(3) { slice in
                    let n = slice.last!
                    return .characterSize(width: Int(n >> 4 & 0x07) + 1, height: Int(n & 0x07) + 1)
                }
            case 0x56:
                guard let mode = byte(2) else { return .incomplete }
                switch mode {
                case 0, 1, 48, 49: return fixed(3) { .cut(partial: $0.last! & 1 == 1) }
                case 65, 66: return fixed(4) { .cut(partial: $0[$0.startIndex + 2] == 66) }
                default: return fixed(3) { .unknown(Array($0)) }
                }
            case 0x76:
                // GS v 0 m xL xH yL yH d…
                guard available >= 8 else { return .incomplete }
                guard bytes[start + 2] == 0x30 else { return fixed(3) { .unknown(Array($0)) } }
                let widthBytes = Int(bytes[start + 4]) + Int(bytes[start + 5]) * 256
                let height = Int(bytes[start + 6]) + Int(bytes[start + 7]) * 256
                return withData(header: 8, data: widthBytes * height) { slice in
                    .raster(widthBytes: widthBytes, height: height, data: Array(slice.dropFirst(8)))
                }
            case 0x28:
                // GS ( X pL pH …: length-prefixed functions.
                guard available >= 5 else { return .incomplete }
                let kind = bytes[start + 2]
                let length = Int(bytes[start + 3]) + Int(bytes[start + 4]) * 256
                return withData(header: 5, data: length) { slice in
                    let body = Array(slice.dropFirst(5))
                    switch kind {
                    case 0x6B where body.count >= 2 && body[0] == 0x31:
                        switch body[1] {
                        case 0x50 where body.count >= 3: return .qrStore(Array(body.dropFirst(3)))
                        case 0x51: return .qrPrint
                        default: return .qrSetting(function: body[1], parameters: Array(body.dropFirst(2)))
                        }
                    case 0x48 where body.count == 6 && body[0] == 0x30 && body[1] == 0x30:
                        return .processIDRequest(Array(body.dropFirst(2)))
                    default:
                        return .ignored(Array(slice.prefix(5)))
                    }
                }
            case 0x42, 0x48, 0x68, 0x77, 0x66, 0x61, 0x72, 0x49, 0x62, 0x2F, 0x3A: return ignored(3)
            case 0x4C, 0x57, 0x24, 0x5C, 0x50: return ignored(4)
            case 0x6B:
                // GS k m …: barcode; m 0–6 ends with NUL, m 65–73 carries a length byte.
                guard let mode = byte(2) else { return .incomplete }
                if mode <= 6 {
                    var index = 3
                    while index < available, index < 259, bytes[start + index] != 0 { index += 1 }
                    if index >= available { return available >= 259 ? .element(.unknown(Array(bytes[start..<(start + 3)])), length: 3) : .incomplete }
                    return ignored(index + 1)
                }
                guard let count = byte(3) else { return .incomplete }
                return withData(header: 4, data: Int(count)) { .ignored(Array($0.prefix(4))) }
            default: return fixed(2) { .unknown(Array($0)) }
            }
        default:
            return .element(.unknown([first]), length: 1)
        }
    }

    /// Parses a whole stream. A command cut off at the end becomes `.unknown` of its remaining bytes.
    public static func parse(_ bytes: [UInt8]) -> [ESCPOSElement] {
        var elements: [ESCPOSElement] = []
        var index = 0
        while index < bytes.count {
            switch step(bytes, at: index) {
            case .element(let element, let length):
                elements.append(element)
                index += length
            case .incomplete:
                elements.append(.unknown(Array(bytes[index...])))
                index = bytes.count
            }
        }
        return elements
    }
}
