import CameraCapture
import Liveness
import Testing

@Suite struct SharpnessTests {
    @Test func aFlatImageHasNoDetail() {
        let flat = GrayImage(width: 16, height: 16, pixels: Array(repeating: 128, count: 256))
        #expect(Sharpness.varianceOfLaplacian(flat) == 0)
    }

    @Test func sharpEdgesScoreHigherThanBlurredOnes() {
        // A checkerboard of 2-pixel squares, and the same after a 3×3 box blur.
        let size = 32
        let sharp = (0..<size * size).map { index -> UInt8 in
            let x = index % size, y = index / size
            return ((x / 2 + y / 2) % 2 == 0) ? 30 : 220
        }
        var blurred = sharp
        for y in 1..<(size - 1) {
            for x in 1..<(size - 1) {
                var sum = 0
                for dy in -1...1 { for dx in -1...1 { sum += Int(sharp[(y + dy) * size + x + dx]) } }
                blurred[y * size + x] = UInt8(sum / 9)
            }
        }
        let sharpScore = Sharpness.varianceOfLaplacian(GrayImage(width: size, height: size, pixels: sharp))
        let blurredScore = Sharpness.varianceOfLaplacian(GrayImage(width: size, height: size, pixels: blurred))
        #expect(sharpScore > 4 * blurredScore)
        #expect(blurredScore > 0)
    }

    @Test func tinyImagesScoreZero() {
        #expect(Sharpness.varianceOfLaplacian(GrayImage(width: 2, height: 2, pixels: [0, 255, 255, 0])) == 0)
    }
}
