internal import CJPEG
import Glibc

/// Why a JPEG could not be used. A camera or a file produced it, so a technician acts if it repeats.
public enum JPEGError: Error, Equatable, Sendable {
    /// libjpeg refused the data; the text is libjpeg's own message.
    case corrupt(String)
    /// libjpeg decoded it only by filling in missing or damaged data.
    case truncated(String)
    /// The header claims more pixels than a kiosk camera frame can have.
    case tooLarge(String)
    case outOfMemory
}

/// JPEG to greyscale through libjpeg.
public enum JPEGDecoder {
    /// A 640×480 camera frame is 307,200 pixels; 16 megapixels is far beyond any camera we use
    /// and keeps a hostile header from asking for gigabytes.
    public static let maximumPixels = 16_000_000

    /// Decodes a whole JPEG to 8-bit grey.
    /// - Throws: ``JPEGError`` for anything that is not a complete, valid JPEG.
    public static func decodeGray(_ data: [UInt8], maximumPixels: Int = maximumPixels) throws(JPEGError) -> GrayImage {
        var pixels: UnsafeMutablePointer<UInt8>?
        var width: Int32 = 0
        var height: Int32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = data.withUnsafeBufferPointer { buffer in
            zz_jpeg_decode_gray(buffer.baseAddress, UInt(buffer.count), UInt(maximumPixels),
                                &pixels, &width, &height, &message, message.count)
        }
        let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        switch status {
        case Int32(ZZ_JPEG_OK.rawValue):
            guard let pixels else { throw .outOfMemory }
            defer { free(pixels) }
            let count = Int(width) * Int(height)
            return GrayImage(width: Int(width), height: Int(height), pixels: Array(UnsafeBufferPointer(start: pixels, count: count)))
        case Int32(ZZ_JPEG_WARNING.rawValue): throw .truncated(text)
        case Int32(ZZ_JPEG_TOO_LARGE.rawValue): throw .tooLarge(text)
        case Int32(ZZ_JPEG_NO_MEMORY.rawValue): throw .outOfMemory
        default: throw .corrupt(text.isEmpty ? "not a JPEG" : text)
        }
    }
}
