import CameraCapture

extension GrayImage {
    /// The part of the image inside `rectangle`, clipped to the image (an empty image if they do
    /// not meet).
    public func cropped(to rectangle: FaceRectangle) -> GrayImage {
        let area = FaceRectangle(x: 0, y: 0, width: width, height: height).intersection(rectangle)
        guard !area.isEmpty else { return GrayImage(width: 0, height: 0, pixels: []) }
        var out = [UInt8](repeating: 0, count: area.width * area.height)
        pixels.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { destination in
                for row in 0..<area.height {
                    let from = (area.y + row) * width + area.x
                    let to = row * area.width
                    for column in 0..<area.width { destination[to + column] = source[from + column] }
                }
            }
        }
        return GrayImage(width: area.width, height: area.height, pixels: out)
    }

    /// Left and right swapped (`cv::flip(img, 1)`): the profile cascade only knows faces turned
    /// one way, so the other way is found in the mirror image.
    public func mirrored() -> GrayImage {
        var out = [UInt8](repeating: 0, count: pixels.count)
        pixels.withUnsafeBufferPointer { source in
            out.withUnsafeMutableBufferPointer { destination in
                for row in 0..<height {
                    let base = row * width
                    for column in 0..<width { destination[base + column] = source[base + width - 1 - column] }
                }
            }
        }
        return GrayImage(width: width, height: height, pixels: out)
    }
}
