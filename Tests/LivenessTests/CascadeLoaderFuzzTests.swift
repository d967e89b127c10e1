import CameraCapture
import Foundation
@testable import Liveness
import Testing

/// Deterministic fuzzing of the cascade loader: real cascades (cut down so thousands of
/// mutants stay quick) mutated byte-wise and number-wise. Every mutant must either load or be
/// refused with a `CascadeLoadError`, and every mutant that loads must evaluate on an image
/// without trapping: the loader's checks are what keep the detector's unchecked reads in bounds.
@Suite struct CascadeLoaderFuzzTests {
    /// SplitMix64: a fixed sequence on every machine.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let insertions: [String] = [
        "<_>", "</_>", "<_></_>", "<rects>", "</rects>", "<tilted>1</tilted>", "<stages>", "</stages>", "<features/>",
        "-", "-1", "0", "20", "21", "-2147483648", "2147483647", "99999999999", "1e39", "-1e39", "nan", "inf", "0x10",
        " ", "\n", "&amp;", "&bogus;", "<![CDATA[1 2]]>", "<!-- x -->", "\u{0}", "\u{FFFD}", "人", "<?pi x?>",
    ]

    static let numbers: [String] = [
        "-1", "0", "1", "2", "3", "19", "20", "21", "40", "-20", "2147483647", "-2147483648", "4294967296",
        "1e38", "3.5e38", "-1e-45", "nan", "-inf", "1.5", "-0", "x", "",
    ]

    /// A textured frame the mutants run on: big enough for a few scales, small enough to be fast.
    static let frame: GrayImage = {
        var generator = Generator(state: 7)
        let width = 64, height = 48
        let pixels = (0..<(width * height)).map { index -> UInt8 in
            let x = index % width, y = index / width
            return UInt8(truncatingIfNeeded: (x * 7 + y * 13) ^ Int(generator.next() & 0x3F))
        }
        return GrayImage(width: width, height: height, pixels: pixels)
    }()

    enum Outcome: Hashable { case loaded, refused(String) }

    static func attempt(_ bytes: [UInt8]) -> Outcome {
        do {
            let cascade = try HaarCascade(xml: Data(bytes))
            let detector = CascadeDetector(cascade: cascade)
            _ = detector.detect(in: frame, settings: DetectionSettings(scaleFactor: 1.25, minNeighbors: 1))
            return .loaded
        } catch {
            // Only the case: the counts show which checks the mutants reached.
            return .refused(kind(error))
        }
    }

    static func kind(_ error: CascadeLoadError) -> String {
        switch error {
        case .unreadable: "unreadable"
        case .malformedXML: "malformedXML"
        case .notACascade: "notACascade"
        case .unsupported: "unsupported"
        case .missingElement: "missingElement"
        case .invalidNumber: "invalidNumber"
        case .inconsistent: "inconsistent"
        case .tooLarge: "tooLarge"
        }
    }

    static func mutate(_ base: [UInt8], _ generator: inout Generator) -> [UInt8] {
        var bytes = base
        let rounds = Int.random(in: 1...3, using: &generator)
        for _ in 0..<rounds {
            guard !bytes.isEmpty else { break }
            let position = Int.random(in: 0..<bytes.count, using: &generator)
            switch Int.random(in: 0..<7, using: &generator) {
            case 0: // flip bits
                bytes[position] ^= UInt8.random(in: 1...255, using: &generator)
            case 1: // truncate
                bytes.removeSubrange(position...)
            case 2: // delete a range
                bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...200, using: &generator)))
            case 3: // duplicate a range
                let end = min(bytes.count, position + Int.random(in: 1...300, using: &generator))
                bytes.insert(contentsOf: bytes[position..<end], at: end)
            case 4: // insert a structural or numeric token
                bytes.insert(contentsOf: Array(insertions.randomElement(using: &generator)!.utf8), at: position)
            default: // replace the number that starts at or after the position
                var start = position
                while start < bytes.count, !(bytes[start] == 0x2D || (0x30...0x39).contains(bytes[start])) { start += 1 }
                var end = start
                while end < bytes.count, bytes[end] == 0x2D || bytes[end] == 0x2E || bytes[end] == 0x65 || bytes[end] == 0x2B
                    || (0x30...0x39).contains(bytes[end]) { end += 1 }
                bytes.replaceSubrange(start..<end, with: Array(numbers.randomElement(using: &generator)!.utf8))
            }
        }
        return bytes
    }

    static func fuzz(_ base: String, iterations: Int, seed: UInt64) -> [Outcome: Int] {
        var generator = Generator(state: seed)
        let bytes = Array(base.utf8)
        #expect(attempt(bytes) == .loaded, "the unmutated cascade must load")
        var outcomes: [Outcome: Int] = [:]
        for _ in 0..<iterations {
            outcomes[attempt(mutate(bytes, &generator)), default: 0] += 1
        }
        return outcomes
    }

    @Test func mutatedStumpAndTreeCascadesLoadOrAreRefused() throws {
        // alt2 (depth-2 trees) and haar_eye (stumps), first stages only.
        let alt2 = CascadeXMLWriter.xml(try HaarCascade.load(.frontalFaceAlt2), stages: 3)
        let eye = CascadeXMLWriter.xml(try HaarCascade.load(.eye), stages: 2)
        var outcomes = Self.fuzz(alt2, iterations: 4000, seed: 1)
        outcomes.merge(Self.fuzz(eye, iterations: 2000, seed: 2), uniquingKeysWith: +)
        // The mutants must reach the loader's checks, not just the XML parser.
        let refusals = Set(outcomes.keys.compactMap { if case .refused(let kind) = $0 { kind } else { nil } })
        #expect(outcomes[.loaded, default: 0] > 50, "\(outcomes)")
        #expect(refusals.isSuperset(of: ["malformedXML", "notACascade", "missingElement", "invalidNumber", "inconsistent"]), "\(outcomes)")
    }

    @Test func mutatedTiltedCascadesLoadOrAreRefused() throws {
        // eye_tree_eyeglasses: depth-3 trees and tilted features, whose corners reach left and
        // down beyond the rectangle's own x and y.
        let glasses = CascadeXMLWriter.xml(try HaarCascade.load(.eyeTreeEyeglasses), stages: 3)
        let outcomes = Self.fuzz(glasses, iterations: 3000, seed: 3)
        #expect(outcomes[.loaded, default: 0] > 50, "\(outcomes)")
    }

    @Test func mutatedShippedFilesLoadOrAreRefused() throws {
        // A few mutants of a whole file as Debian ships it, licence comment and all.
        let shipped = String(decoding: try Data(contentsOf: HaarCascade.debianDirectory.appendingPathComponent(HaarCascade.Name.eye.rawValue)), as: UTF8.self)
        let outcomes = Self.fuzz(shipped, iterations: 25, seed: 4)
        #expect(outcomes.values.reduce(0, +) == 25)
    }
}
