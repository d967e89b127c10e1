import KioskCore

/// What a receipt printer would put on paper for a byte stream, as readable text: printed lines
/// as they are (so their widths can be checked), and commands that matter on paper as marked
/// lines such as `⟦size 2×2⟧`, `⟦qr 6 dots, ecc M⟧ https://…`, `⟦raster 384×384⟧`, `⟦cut partial⟧`.
public struct ESCPOSTranscript: Sendable {
    /// One line per printed line or marked command.
    public private(set) var lines: [String] = []
    /// The QR payloads printed by the printer's own encoder, in order.
    public private(set) var qrPayloads: [String] = []
    /// The raster images printed, in order (a QR code on a printer without native QR, say).
    public private(set) var rasterImages: [RasterImage] = []
    /// Commands that were not understood; a printer skips them too.
    public private(set) var unknownCommandCount = 0

    public struct RasterImage: Equatable, Sendable {
        public let widthDots: Int
        public let height: Int
        /// Rows of `widthDots / 8` bytes, MSB leftmost, 1 = black.
        public let data: [UInt8]

        /// The image as a plain PBM (P1), which zbarimg and image viewers read.
        public var pbm: String {
            var text = "P1\n\(widthDots) \(height)\n"
            let rowBytes = widthDots / 8
            for row in 0..<height {
                var line = ""
                for column in 0..<widthDots {
                    let byte = data[row * rowBytes + column / 8]
                    line += byte & (0x80 >> UInt8(column % 8)) != 0 ? "1" : "0"
                }
                text += line + "\n"
            }
            return text
        }
    }

    /// The transcript as one text, a line per line.
    public var text: String { lines.joined(separator: "\n") + "\n" }

    public init(_ bytes: [UInt8]) {
        var state = State()
        for element in ESCPOSParser.parse(bytes) {
            apply(element, &state)
        }
        flush(&state, force: false)
    }

    private struct State {
        var chinese = false
        var width = 1, height = 1
        var emphasis = false
        var line: [UInt8] = []
        var qrModuleDots = 3
        var qrErrorCorrection: UInt8 = 48
        var qrPayload: [UInt8] = []
    }

    private mutating func apply(_ element: ESCPOSElement, _ state: inout State) {
        switch element {
        case .text(let bytes): state.line += bytes
        case .lineFeed: flush(&state, force: true)
        case .initialize:
            flush(&state, force: false)
            if state.width != 1 || state.height != 1 || state.emphasis { lines.append("⟦size 1×1⟧") }
            state = State()
        case .chineseMode(let on): state.chinese = on
        case .characterSize(let width, let height):
            flush(&state, force: false)
            if (width, height) != (state.width, state.height) { lines.append("⟦size \(width)×\(height)⟧") }
            state.width = width
            state.height = height
        case .emphasis(let on):
            if on != state.emphasis { state.emphasis = on }
        case .justification: break
        case .feedLines(let count):
            flush(&state, force: true)
            if count > 1 { lines.append("⟦feed \(count)⟧") }
        case .cut(let partial):
            flush(&state, force: false)
            lines.append(partial ? "⟦cut partial⟧" : "⟦cut full⟧")
        case .qrSetting(let function, let parameters):
            if function == 0x43, let size = parameters.first { state.qrModuleDots = Int(size) }
            if function == 0x45, let level = parameters.first { state.qrErrorCorrection = level }
        case .qrStore(let payload): state.qrPayload = payload
        case .qrPrint:
            flush(&state, force: false)
            let payload = String(decoding: state.qrPayload, as: UTF8.self)
            let level = ["L", "M", "Q", "H"][Int(state.qrErrorCorrection &- 48) & 3]
            qrPayloads.append(payload)
            lines.append("⟦qr \(state.qrModuleDots) dots, ecc \(level)⟧ \(payload)")
        case .raster(let widthBytes, let height, let data):
            flush(&state, force: false)
            rasterImages.append(RasterImage(widthDots: widthBytes * 8, height: height, data: data))
            lines.append("⟦raster \(widthBytes * 8)×\(height)⟧")
        case .realTimeStatus, .processIDRequest, .clearBuffers, .ignored: break
        case .unknown, .oversized: unknownCommandCount += 1
        }
    }

    private mutating func flush(_ state: inout State, force: Bool) {
        guard force || !state.line.isEmpty else { return }
        lines.append(Self.decode(state.line, chinese: state.chinese))
        state.line = []
    }

    /// GB18030 in Chinese mode; otherwise ASCII. Bytes that do not decode print as `�`, as a
    /// printer prints a placeholder glyph rather than stopping.
    static func decode(_ bytes: [UInt8], chinese: Bool) -> String {
        if chinese, let text = GB18030.decode(bytes) { return text }
        var text = ""
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte < 0x80 {
                text.unicodeScalars.append(Unicode.Scalar(byte))
                index += 1
                continue
            }
            if chinese {
                // Two-byte (lead 81–FE, trail 40–FE) or four-byte (81–FE, 30–39, 81–FE, 30–39) codes.
                var decoded = false
                for length in [2, 4] where index + length <= bytes.count {
                    if let character = GB18030.decode(Array(bytes[index..<(index + length)])), character.count == 1 {
                        text += character
                        index += length
                        decoded = true
                        break
                    }
                }
                if decoded { continue }
            }
            text += "\u{FFFD}"
            index += 1
        }
        return text
    }
}
