import CameraCapture
import Foundation
import TestSupport
import Testing

@Suite struct JPEGEncoderTests {
    /// A 96×64 grey test card: a gradient with a dark square, so round-trip errors would show.
    static let card: GrayImage = {
        var pixels = [UInt8](repeating: 0, count: 96 * 64)
        for y in 0..<64 {
            for x in 0..<96 {
                let inSquare = (30..<60).contains(x) && (20..<44).contains(y)
                pixels[y * 96 + x] = inSquare ? 20 : UInt8(60 + x + y)
            }
        }
        return GrayImage(width: 96, height: 64, pixels: pixels)
    }()

    @Test func greyRoundTripsClosely() throws {
        let jpeg = try JPEGEncoder.encode(Self.card, quality: 90)
        #expect(jpeg.starts(with: [0xFF, 0xD8]))
        #expect(jpeg.suffix(2) == [0xFF, 0xD9])
        let decoded = try JPEGDecoder.decodeGray(jpeg)
        #expect(decoded.width == 96 && decoded.height == 64)
        let meanError = zip(decoded.pixels, Self.card.pixels).reduce(0) { $0 + abs(Int($1.0) - Int($1.1)) } / decoded.pixels.count
        #expect(meanError <= 2)
    }

    @Test func lowerQualityIsSmaller() throws {
        let high = try JPEGEncoder.encode(Self.card, quality: 95)
        let low = try JPEGEncoder.encode(Self.card, quality: 30)
        #expect(low.count < high.count)
    }

    @Test func rgbEncodesAndDecodesToItsLuma() throws {
        // Pure red, green and blue bands: the grey decode must order them by luma (G > R > B).
        let width = 48, height = 16
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width { pixels[(y * width + x) * 3 + x / 16] = 255 }
        }
        let jpeg = try JPEGEncoder.encode(rgb: RGBImage(width: width, height: height, pixels: pixels))
        let grey = try JPEGDecoder.decodeGray(jpeg)
        let red = Int(grey[8, 8]), green = Int(grey[24, 8]), blue = Int(grey[40, 8])
        #expect(green > red && red > blue)
    }

    @Test func nonsenseParametersAreTypedErrors() {
        #expect(throws: JPEGError.self) { try JPEGEncoder.encode(GrayImage(width: 0, height: 0, pixels: [])) }
        #expect(throws: JPEGError.self) { try JPEGEncoder.encode(Self.card, quality: 0) }
        #expect(throws: JPEGError.self) { try JPEGEncoder.encode(Self.card, quality: 101) }
    }
}

/// Deterministic fuzzing of everything that decodes camera or file bytes: a bad frame must be a
/// typed error or a well-formed image, never a crash or a hang.
@Suite struct FrameDecodeFuzzTests {
    static let seedJPEGs: [[UInt8]] = {
        let card = JPEGEncoderTests.card
        let url = Bundle.module.url(forResource: "Fixtures/gradient-64x48", withExtension: "jpg")!
        return [Array(try! Data(contentsOf: url)), try! JPEGEncoder.encode(card, quality: 75)]
    }()

    private func decodeIsSafe(_ bytes: [UInt8]) -> Bool {
        do {
            let image = try JPEGDecoder.decodeGray(bytes, maximumPixels: 4_000_000)
            return image.pixels.count == image.width * image.height
        } catch {
            return true   // typed: JPEGError is the only thing decodeGray can throw
        }
    }

    @Test func everyTruncationIsAnErrorNotAFrame() {
        for seed in Self.seedJPEGs {
            for length in 0..<seed.count {
                let prefix = Array(seed.prefix(length))
                // A JPEG without its end is never a usable frame: data was filled in.
                #expect(throws: JPEGError.self, "prefix \(length) of \(seed.count)") { try JPEGDecoder.decodeGray(prefix) }
            }
        }
    }

    @Test func bitFlipsNeverCrash() {
        var generator = SeededGenerator(seed: 0x0B17_F11B)
        for seed in Self.seedJPEGs {
            for _ in 0..<1500 {
                var bytes = seed
                for _ in 0..<Int(generator.next() % 3 + 1) {
                    let index = Int(generator.next() % UInt64(bytes.count))
                    bytes[index] ^= UInt8(1) << (generator.next() % 8)
                }
                #expect(decodeIsSafe(bytes))
            }
        }
    }

    @Test func headerFieldMutationsNeverCrash() {
        // Mutations concentrated in the first 200 bytes hit SOF dimensions, tables and markers.
        var generator = SeededGenerator(seed: 0x4EAD)
        for seed in Self.seedJPEGs {
            for _ in 0..<1500 {
                var bytes = seed
                let index = Int(generator.next() % UInt64(min(200, bytes.count)))
                bytes[index] = UInt8(truncatingIfNeeded: generator.next())
                #expect(decodeIsSafe(bytes))
            }
        }
    }

    @Test func randomBytesAndSplicesNeverCrash() {
        var generator = SeededGenerator(seed: 0xF00D)
        for round in 0..<600 {
            let length = Int(generator.next() % 2048)
            var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            if round % 2 == 0 {
                // A real header followed by noise: the decoder gets as far as the scan.
                let seed = Self.seedJPEGs[round % Self.seedJPEGs.count]
                bytes = Array(seed.prefix(Int(generator.next() % UInt64(seed.count)))) + bytes
            }
            #expect(decodeIsSafe(bytes))
        }
    }

    @Test func pgmFuzzNeverCrashes() {
        var generator = SeededGenerator(seed: 0x9096)
        let seed = PortableGrayMap.encode(JPEGEncoderTests.card)
        for _ in 0..<3000 {
            var bytes = seed
            switch generator.next() % 3 {
            case 0: bytes = Array(bytes.prefix(Int(generator.next() % UInt64(bytes.count))))
            case 1:
                let index = Int(generator.next() % 20)
                bytes[index] = UInt8(truncatingIfNeeded: generator.next())
            default: bytes = Array("P5".utf8) + (0..<Int(generator.next() % 40)).map { _ in UInt8(truncatingIfNeeded: generator.next() % 64 + 32) }
            }
            do {
                let image = try PortableGrayMap.parse(bytes)
                #expect(image.pixels.count == image.width * image.height)
            } catch {
                // PortableGrayMap.ParseError: typed, expected for most mutations.
            }
        }
    }
}
