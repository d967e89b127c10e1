import CameraCapture

/// Pixel statistics the quality gates and the action detectors share. Pure functions over a
/// `GrayImage` and a rectangle; nothing here allocates more than one crop.
public enum ImageMeasures {
    /// Mean and standard deviation of the pixels inside `region` (clipped to the image).
    public static func meanAndDeviation(_ image: GrayImage, in region: FaceRectangle? = nil) -> (mean: Double, deviation: Double) {
        let area = clip(region ?? FaceRectangle(x: 0, y: 0, width: image.width, height: image.height), to: image)
        guard !area.isEmpty else { return (0, 0) }
        var sum = 0, sumOfSquares = 0
        image.pixels.withUnsafeBufferPointer { pixels in
            for y in area.y..<area.maxY {
                let row = y * image.width
                for x in area.x..<area.maxX {
                    let value = Int(pixels[row + x])
                    sum += value
                    sumOfSquares += value * value
                }
            }
        }
        let count = Double(area.area)
        let mean = Double(sum) / count
        return (mean, (max(0, Double(sumOfSquares) / count - mean * mean)).squareRoot())
    }

    /// The fraction of pixels in `region` darker than `threshold`.
    public static func darkFraction(_ image: GrayImage, in region: FaceRectangle, below threshold: Double) -> Double {
        let area = clip(region, to: image)
        guard !area.isEmpty else { return 0 }
        var dark = 0
        image.pixels.withUnsafeBufferPointer { pixels in
            for y in area.y..<area.maxY {
                let row = y * image.width
                for x in area.x..<area.maxX where Double(pixels[row + x]) < threshold { dark += 1 }
            }
        }
        return Double(dark) / Double(area.area)
    }

    /// Variance of the Laplacian of the face crop resized to `side`×`side`: the size-normalised
    /// sharpness of liveness.md §5 (the raw value falls as a face is upscaled, so an unnormalised
    /// threshold would punish citizens standing close).
    public static func faceSharpness(_ image: GrayImage, face: FaceRectangle, side: Int = 128) -> Double {
        let crop = image.cropped(to: face)
        guard crop.width >= 3, crop.height >= 3 else { return 0 }
        return Sharpness.varianceOfLaplacian(resizedBilinear(crop, width: side, height: side))
    }

    /// Plain bilinear resampling with pixel-centre alignment (OpenCV's `INTER_LINEAR` convention).
    /// Not the detector's bit-exact resize: the gates need a stable measure, not OpenCV's pixels.
    public static func resizedBilinear(_ image: GrayImage, width: Int, height: Int) -> GrayImage {
        precondition(width > 0 && height > 0 && image.width > 0 && image.height > 0)
        var out = [UInt8](repeating: 0, count: width * height)
        let scaleX = Double(image.width) / Double(width)
        let scaleY = Double(image.height) / Double(height)
        image.pixels.withUnsafeBufferPointer { source in
            for y in 0..<height {
                let fy = max(0, min(Double(image.height - 1), (Double(y) + 0.5) * scaleY - 0.5))
                let y0 = Int(fy), y1 = min(y0 + 1, image.height - 1)
                let wy = fy - Double(y0)
                for x in 0..<width {
                    let fx = max(0, min(Double(image.width - 1), (Double(x) + 0.5) * scaleX - 0.5))
                    let x0 = Int(fx), x1 = min(x0 + 1, image.width - 1)
                    let wx = fx - Double(x0)
                    let top = Double(source[y0 * image.width + x0]) * (1 - wx) + Double(source[y0 * image.width + x1]) * wx
                    let bottom = Double(source[y1 * image.width + x0]) * (1 - wx) + Double(source[y1 * image.width + x1]) * wx
                    out[y * width + x] = UInt8((top * (1 - wy) + bottom * wy).rounded())
                }
            }
        }
        return GrayImage(width: width, height: height, pixels: out)
    }

    /// FNV-1a over every pixel and the size: equal frames, equal fingerprints. A live sensor never
    /// delivers the same bits twice (its noise differs frame to frame), so a repeat means a frozen
    /// or injected feed, or a recording played in a loop.
    public static func fingerprint(_ image: GrayImage) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ byte: UInt8) { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        for shift in stride(from: 0, to: 64, by: 8) { mix(UInt8(truncatingIfNeeded: image.width >> shift)) }
        for shift in stride(from: 0, to: 64, by: 8) { mix(UInt8(truncatingIfNeeded: image.height >> shift)) }
        image.pixels.withUnsafeBufferPointer { pixels in
            for byte in pixels { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        }
        return hash
    }

    static func clip(_ region: FaceRectangle, to image: GrayImage) -> FaceRectangle {
        FaceRectangle(x: 0, y: 0, width: image.width, height: image.height).intersection(region)
    }
}
