import CameraCapture
import Foundation
import TestSupport
import Testing

@Suite struct JPEGDecoderTests {
    /// A synthetic 64×48 vertical gradient, black at the top to white at the bottom, with seeded
    /// noise so the scan data is longer than the headers (ImageMagick:
    /// `convert -seed 7 -size 64x48 gradient:black-white -attenuate 0.4 +noise Gaussian -quality 90`).
    static let gradient: [UInt8] = {
        let url = Bundle.module.url(forResource: "Fixtures/gradient-64x48", withExtension: "jpg")!
        return Array(try! Data(contentsOf: url))
    }()

    @Test func decodesToGrey() throws {
        let image = try JPEGDecoder.decodeGray(Self.gradient)
        #expect(image.width == 64)
        #expect(image.height == 48)
        func rowMean(_ y: Int) -> Int { (0..<64).reduce(0) { $0 + Int(image[$1, y]) } / 64 }
        #expect(rowMean(0) < 60)
        #expect(rowMean(47) > 195)
        #expect(rowMean(0) < rowMean(24) && rowMean(24) < rowMean(47))
    }

    @Test func aTruncatedFileIsAnErrorNotAGreyFrame() {
        let truncated = Array(Self.gradient.prefix(Self.gradient.count * 3 / 4))   // cut inside the scan data
        #expect {
            try JPEGDecoder.decodeGray(truncated)
        } throws: { error in
            if case JPEGError.truncated = error { return true }
            return false
        }
    }

    @Test(arguments: [[], [0xFF, 0xD8], Array("not a jpeg at all".utf8)])
    func garbageIsCorrupt(_ bytes: [UInt8]) {
        #expect {
            try JPEGDecoder.decodeGray(bytes)
        } throws: { error in
            if case JPEGError.corrupt = error { return true }
            if case JPEGError.truncated = error { return true }
            return false
        }
    }

    @Test func oversizedHeadersAreRefusedBeforeDecoding() {
        #expect {
            try JPEGDecoder.decodeGray(Self.gradient, maximumPixels: 1000)
        } throws: { error in
            if case JPEGError.tooLarge = error { return true }
            return false
        }
    }

    @Test func randomCorruptionNeverCrashes() {
        // A small deterministic fuzz pass: flip bytes across the file, decode, expect an image or
        // a typed error. (The full fuzz target comes with the camera work.)
        var generator = SeededGenerator(seed: 0x5A5A)
        for _ in 0..<300 {
            var bytes = Self.gradient
            for _ in 0..<4 {
                let index = Int(generator.next() % UInt64(bytes.count))
                bytes[index] = UInt8(truncatingIfNeeded: generator.next())
            }
            do {
                let image = try JPEGDecoder.decodeGray(bytes)
                #expect(image.pixels.count == image.width * image.height)
            } catch {
                // Typed errors are the expected outcome for most mutations.
            }
        }
    }
}
