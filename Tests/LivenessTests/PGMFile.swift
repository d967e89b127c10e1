import CameraCapture
import Foundation

/// Reads the binary greyscale PGM (P5, maxval 255) files the OpenCV oracle writes.
enum PGMFile {
    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    static func read(_ path: String) throws -> GrayImage {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        var index = 0
        func token() throws -> Int? {
            while index < bytes.count, bytes[index] == 0x23 || bytes[index].isWhitespace {
                if bytes[index] == 0x23 { while index < bytes.count, bytes[index] != 0x0A { index += 1 } } else { index += 1 }
            }
            let start = index
            while index < bytes.count, !bytes[index].isWhitespace { index += 1 }
            return Int(String(decoding: bytes[start..<index], as: UTF8.self))
        }
        guard bytes.starts(with: [0x50, 0x35]) else { throw Invalid(description: "\(path): not a binary PGM") }
        index = 2
        guard let width = try token(), let height = try token(), let maxValue = try token(), maxValue == 255,
              width > 0, height > 0 else { throw Invalid(description: "\(path): bad PGM header") }
        index += 1 // the single whitespace byte before the raster
        guard bytes.count - index >= width * height else { throw Invalid(description: "\(path): truncated PGM") }
        return GrayImage(width: width, height: height, pixels: Array(bytes[index..<(index + width * height)]))
    }
}

private extension UInt8 {
    var isWhitespace: Bool { self == 0x20 || self == 0x0A || self == 0x0D || self == 0x09 }
}
