internal import CJPEG
import Glibc

/// Grey or RGB pixels to a compact baseline JPEG through libjpeg: the evidence frames a citizen's
/// check leaves for staff review.
public enum JPEGEncoder {
    /// Evidence is read by people, not machines; 85 keeps a 640×480 grey face frame near 30–50 KB.
    public static let evidenceQuality = 85

    /// Encodes an 8-bit grey image.
    /// - Throws: ``JPEGError`` if libjpeg refuses (an empty image, a quality outside 1…100).
    public static func encode(_ image: GrayImage, quality: Int = evidenceQuality) throws(JPEGError) -> [UInt8] {
        try encode(pixels: image.pixels, width: image.width, height: image.height, components: 1, quality: quality)
    }

    /// Encodes packed RGB pixels (3 bytes a pixel, rows without padding), 4:2:0.
    public static func encode(rgb: RGBImage, quality: Int = evidenceQuality) throws(JPEGError) -> [UInt8] {
        try encode(pixels: rgb.pixels, width: rgb.width, height: rgb.height, components: 3, quality: quality)
    }

    private static func encode(pixels: [UInt8], width: Int, height: Int, components: Int, quality: Int) throws(JPEGError) -> [UInt8] {
        // libjpeg would accept a zero-sized image only to fail inside jpeg_start_compress; say so plainly.
        guard width > 0, height > 0, width <= 65_500, height <= 65_500 else {
            throw .corrupt("cannot encode a \(width)×\(height) image")
        }
        guard (1...100).contains(quality) else { throw .corrupt("JPEG quality \(quality) is outside 1…100") }
        var jpeg: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = pixels.withUnsafeBufferPointer { buffer in
            zz_jpeg_encode(buffer.baseAddress, Int32(width), Int32(height), Int32(components), Int32(quality),
                           &jpeg, &size, &message, message.count)
        }
        defer { free(jpeg) }
        guard status == Int32(ZZ_JPEG_OK.rawValue), let jpeg else {
            let text = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw .corrupt(text.isEmpty ? "libjpeg could not encode the frame" : text)
        }
        return Array(UnsafeBufferPointer(start: jpeg, count: Int(size)))
    }
}
