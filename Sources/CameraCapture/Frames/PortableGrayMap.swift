/// Binary PGM (`P5`, 8-bit): the simplest lossless grey frame format, which ImageMagick, OpenCV and
/// the test scripts all write. Recorded sequences and test fixtures use it beside JPEG.
public enum PortableGrayMap {
    /// Why bytes are not a PGM frame we can use.
    public enum ParseError: Error, Equatable, Sendable {
        case notPGM
        case malformedHeader(String)
        /// 16-bit PGM: no camera we use delivers it.
        case unsupportedMaximum(Int)
        case truncated(expected: Int, actual: Int)
        case tooLarge(width: Int, height: Int)
    }

    /// Parses a binary PGM. Extra bytes after the pixels are ignored (some writers pad).
    /// - Throws: ``ParseError`` for anything that is not a complete 8-bit P5 image.
    public static func parse(_ bytes: [UInt8], maximumPixels: Int = 16_000_000) throws(ParseError) -> GrayImage {
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "P"), bytes[1] == UInt8(ascii: "5") else { throw .notPGM }
        var index = 2
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0B || byte == 0x0C }
        func nextNumber(_ name: String) throws(ParseError) -> Int {
            // Whitespace and `#` comments (to end of line) may separate header fields.
            while index < bytes.count {
                if isSpace(bytes[index]) {
                    index += 1
                } else if bytes[index] == UInt8(ascii: "#") {
                    while index < bytes.count, bytes[index] != 0x0A, bytes[index] != 0x0D { index += 1 }
                } else {
                    break
                }
            }
            var value = 0
            var digits = 0
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                digits += 1
                index += 1
                guard digits <= 9 else { throw .malformedHeader("\(name) has too many digits") }
            }
            guard digits > 0 else { throw .malformedHeader("\(name) is not a number") }
            return value
        }
        let width = try nextNumber("width")
        let height = try nextNumber("height")
        let maximum = try nextNumber("maximum value")
        guard width > 0, height > 0 else { throw .malformedHeader("size \(width)×\(height)") }
        guard maximum > 0, maximum <= 255 else { throw .unsupportedMaximum(maximum) }
        guard width <= maximumPixels / height else { throw .tooLarge(width: width, height: height) }
        // Exactly one whitespace byte ends the header.
        guard index < bytes.count, isSpace(bytes[index]) else { throw .malformedHeader("no separator before the pixels") }
        index += 1
        let count = width * height
        guard bytes.count - index >= count else { throw .truncated(expected: count, actual: bytes.count - index) }
        var pixels = Array(bytes[index..<(index + count)])
        if maximum != 255 {
            // Rescale to the full 0…255 range the detector expects.
            for i in pixels.indices { pixels[i] = UInt8(min(255, (Int(pixels[i]) * 255 + maximum / 2) / maximum)) }
        }
        return GrayImage(width: width, height: height, pixels: pixels)
    }

    /// Writes a binary 8-bit PGM.
    public static func encode(_ image: GrayImage) -> [UInt8] {
        Array("P5\n\(image.width) \(image.height)\n255\n".utf8) + image.pixels
    }
}
