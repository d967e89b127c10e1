import CameraCapture

/// Focus measure for the capture quality gate ("sharp enough").
public enum Sharpness {
    /// Variance of the 4-neighbour Laplacian over the image's interior (OpenCV's usual
    /// `Laplacian(ksize=1).var()` focus measure). Blurred or flat frames score low; a sharp face
    /// crop scores in the hundreds. Images smaller than 3×3 have no interior and score 0.
    public static func varianceOfLaplacian(_ image: GrayImage) -> Double {
        guard image.width >= 3, image.height >= 3 else { return 0 }
        var sum = 0.0
        var sumOfSquares = 0.0
        let width = image.width
        image.pixels.withUnsafeBufferPointer { pixels in
            for y in 1..<(image.height - 1) {
                let row = y * width
                for x in 1..<(width - 1) {
                    let centre = Int(pixels[row + x])
                    let laplacian = Int(pixels[row + x - 1]) + Int(pixels[row + x + 1])
                        + Int(pixels[row - width + x]) + Int(pixels[row + width + x]) - 4 * centre
                    let value = Double(laplacian)
                    sum += value
                    sumOfSquares += value * value
                }
            }
        }
        let count = Double((image.width - 2) * (image.height - 2))
        let mean = sum / count
        return sumOfSquares / count - mean * mean
    }
}
