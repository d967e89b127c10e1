/// An 8-bit RGB image, 3 bytes a pixel, rows packed without padding: a colour evidence frame
/// before it becomes a JPEG.
public struct RGBImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// `width * height * 3` bytes, R G B, row by row.
    public let pixels: [UInt8]

    /// - Precondition: `pixels.count == width * height * 3`; a mismatch is a programming error.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && pixels.count == width * height * 3, "pixel count must match the size")
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}
