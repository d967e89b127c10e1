import CameraCapture
import Foundation
@testable import Liveness
import TestSupport
import Testing

/// The Swift detector against OpenCV 4.6 itself: `kiosk/lib/face_oracle.py` runs
/// `cv2.CascadeClassifier.detectMultiScale` over photos Debian ships, at several sizes, with
/// Debian's cascades, and the Swift detector must give the same raw candidates and the same
/// grouped rectangles on every case (compared as multisets: OpenCV's order depends on threads).
@Suite(.serialized) struct CascadeOracleTests {
    struct Case: Decodable {
        let image: String
        let cascade: String
        let scaleFactor: Double
        let minSize: [Int]
        let maxSize: [Int]
        let results: [String: [[Int]]]
    }

    struct FaceWithEyes: Decodable {
        let face: [Int]
        let eyes: [[Int]]
    }

    struct Pipeline: Decodable {
        let faces: [FaceWithEyes]
        let profilesLeft: [[Int]]
        let profilesRight: [[Int]]
    }

    struct Resize: Decodable {
        let source: String
        let width: Int
        let height: Int
        let file: String
    }

    struct Integrals: Decodable {
        let file: String
        let sums: [Int]
        let squares: [Int]
        let tilted: [Int]
    }

    struct Oracle: Decodable {
        let opencv: String
        let cases: [Case]
        let pipelines: [String: Pipeline]
        let resizes: [Resize]
        let integrals: Integrals
    }

    /// Generated once per test process into a temporary folder (the photos stay in their
    /// Debian packages; nothing derived is committed).
    /// The oracle's answers and every frame it wrote, read into memory; the folder is removed.
    static let fixtures: Result<(frames: [String: GrayImage], oracle: Oracle), any Error> = Result {
        let python = try TestEnvironment.requireProgram("/usr/bin/python3", package: "python3")
        guard FileManager.default.fileExists(atPath: "/usr/share/opencv4/haarcascades/haarcascade_frontalface_alt2.xml") else {
            throw TestEnvironmentError.missing(what: "OpenCV's cascades", remedy: "apt-get install opencv-data (kiosk/test.sh installs it)")
        }
        let directory = try TestEnvironment.temporaryDirectory("face-oracle")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [TestEnvironment.script("lib/face_oracle.py"), directory]
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestEnvironmentError.missing(what: "the OpenCV oracle (python3-opencv, opencv-data, python3-skimage)",
                                               remedy: "apt-get install python3-opencv opencv-data python3-skimage; it said: \(errorText)")
        }
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/cases.json"))
        var frames: [String: GrayImage] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: directory) where file.hasSuffix(".pgm") {
            frames[String(file.dropLast(4))] = try PGMFile.read("\(directory)/\(file)")
        }
        return (frames, try JSONDecoder().decode(Oracle.self, from: data))
    }

    static func frame(_ name: String, in frames: [String: GrayImage]) throws -> GrayImage {
        try #require(frames[name], "the oracle wrote no frame \(name)")
    }

    static func rectangles(_ lists: [[Int]]) -> [FaceRectangle] {
        lists.map { FaceRectangle(x: $0[0], y: $0[1], width: $0[2], height: $0[3]) }
    }

    /// Empty when equal as multisets; otherwise what each side has that the other lacks.
    static func difference(swift: [FaceRectangle], opencv: [FaceRectangle]) -> String {
        var remaining = opencv
        var extra: [FaceRectangle] = []
        for rectangle in swift {
            if let index = remaining.firstIndex(of: rectangle) { remaining.remove(at: index) } else { extra.append(rectangle) }
        }
        if extra.isEmpty && remaining.isEmpty { return "" }
        let order: (FaceRectangle, FaceRectangle) -> Bool = { ($0.width, $0.y, $0.x, $0.height) < ($1.width, $1.y, $1.x, $1.height) }
        return "Swift has \(swift.count), OpenCV \(opencv.count); only Swift: \(extra.sorted(by: order)); only OpenCV: \(remaining.sorted(by: order))"
    }


    @Test func everyOracleCaseAgreesExactly() throws {
        let (frames, oracle) = try Self.fixtures.get()
        #expect(oracle.opencv.hasPrefix("4.6"), "the oracle is specified against OpenCV 4.6; this machine has \(oracle.opencv)")
        #expect(oracle.cases.count >= 45) // 56 with opencv-doc's photos, 49 without
        var detectors: [String: CascadeDetector] = [:]
        var checked = 0
        for testCase in oracle.cases {
            let image = try Self.frame(testCase.image, in: frames)
            let detector = try detectors[testCase.cascade]
                ?? CascadeDetector(cascade: HaarCascade.load(contentsOf: HaarCascade.debianDirectory.appendingPathComponent(testCase.cascade)))
            detectors[testCase.cascade] = detector
            let settings = DetectionSettings(scaleFactor: testCase.scaleFactor, minNeighbors: 0,
                                             minSize: PixelSize(width: testCase.minSize[0], height: testCase.minSize[1]),
                                             maxSize: PixelSize(width: testCase.maxSize[0], height: testCase.maxSize[1]))
            let raw = detector.rawWindows(in: image, settings: settings)
            for (neighbours, expected) in testCase.results.sorted(by: { $0.key < $1.key }) {
                let minNeighbors = try #require(Int(neighbours))
                let swift = CascadeDetector.group(raw, minNeighbors: minNeighbors, imageWidth: image.width, imageHeight: image.height)
                let diff = Self.difference(swift: swift, opencv: Self.rectangles(expected))
                #expect(diff.isEmpty, "\(testCase.image) \(testCase.cascade) scaleFactor \(testCase.scaleFactor) minSize \(testCase.minSize) maxSize \(testCase.maxSize) minNeighbors \(minNeighbors): \(diff)")
                checked += 1
            }
            // detect() is the same scan and grouping in one call.
            if let kioskNeighbours = testCase.results.keys.compactMap(Int.init).max() {
                var grouped = settings
                grouped.minNeighbors = kioskNeighbours
                let direct = detector.detect(in: image, settings: grouped)
                #expect(Self.difference(swift: direct, opencv: Self.rectangles(testCase.results[String(kioskNeighbours)] ?? [])).isEmpty)
            }
        }
        #expect(checked >= 90)
    }

    @Test func theResizeIsBitExact() throws {
        let (frames, oracle) = try Self.fixtures.get()
        #expect(oracle.resizes.count >= 10)
        for resize in oracle.resizes {
            let source = try Self.frame(resize.source, in: frames)
            let expected = try Self.frame(resize.file, in: frames)
            var pixels = [UInt8](repeating: 0, count: resize.width * resize.height)
            source.pixels.withUnsafeBufferPointer { from in
                pixels.withUnsafeMutableBufferPointer { to in
                    ExactLinearResize.resize(source: from.baseAddress!, sourceWidth: source.width, sourceHeight: source.height,
                                             destination: to.baseAddress!, width: resize.width, height: resize.height)
                }
            }
            let differing = zip(pixels, expected.pixels).enumerated().filter { $0.element.0 != $0.element.1 }
            let first = differing.prefix(5).map { "(\($0.offset % resize.width),\($0.offset / resize.width)) Swift \($0.element.0) OpenCV \($0.element.1)" }
            #expect(differing.isEmpty, "\(resize.source) → \(resize.width)×\(resize.height): \(differing.count) pixels differ, first \(first)")
        }
    }

    @Test func integralImagesMatchOpenCV() throws {
        let (frames, oracle) = try Self.fixtures.get()
        let image = try Self.frame(oracle.integrals.file, in: frames)
        let stride = image.width + 1
        let count = stride * (image.height + 1)
        var sums = [Int32](repeating: -1, count: count)
        var squares = [UInt32](repeating: 1, count: count)
        var tilted = [Int32](repeating: -1, count: count)
        image.pixels.withUnsafeBufferPointer { pixels in
            sums.withUnsafeMutableBufferPointer { sums in
                squares.withUnsafeMutableBufferPointer { squares in
                    tilted.withUnsafeMutableBufferPointer { tilted in
                        IntegralImages.compute(pixels.baseAddress!, width: image.width, height: image.height, stride: stride,
                                               sums: sums.baseAddress!, squares: squares.baseAddress!, tilted: tilted.baseAddress!)
                    }
                }
            }
        }
        #expect(sums.map(Int.init) == oracle.integrals.sums)
        #expect(squares.map(Int.init) == oracle.integrals.squares)
        #expect(tilted.map(Int.init) == oracle.integrals.tilted)
    }

    @Test func theKioskPipelineAgreesExactly() throws {
        let (frames, oracle) = try Self.fixtures.get()
        let finder = try FaceFinder.loadDebianCascades()
        #expect(!oracle.pipelines.isEmpty)
        var facesSeen = 0, eyesSeen = 0, profilesSeen = 0
        for (name, expected) in oracle.pipelines.sorted(by: { $0.key < $1.key }) {
            let image = try Self.frame(name, in: frames)
            let found = finder.find(in: image)
            let faceDiff = Self.difference(swift: found.map(\.face), opencv: Self.rectangles(expected.faces.map(\.face)))
            #expect(faceDiff.isEmpty, "\(name) faces: \(faceDiff)")
            for face in expected.faces {
                let swiftEyes = found.first { $0.face == Self.rectangles([face.face])[0] }?.eyes ?? []
                let eyeDiff = Self.difference(swift: swiftEyes, opencv: Self.rectangles(face.eyes))
                #expect(eyeDiff.isEmpty, "\(name) eyes in \(face.face): \(eyeDiff)")
                eyesSeen += face.eyes.count
            }
            facesSeen += expected.faces.count
            let profiles = finder.profiles(in: image)
            let left = Self.difference(swift: profiles.filter { $0.facing == .left }.map(\.face), opencv: Self.rectangles(expected.profilesLeft))
            let right = Self.difference(swift: profiles.filter { $0.facing == .right }.map(\.face), opencv: Self.rectangles(expected.profilesRight))
            #expect(left.isEmpty, "\(name) profiles looking left: \(left)")
            #expect(right.isEmpty, "\(name) profiles looking right: \(right)")
            profilesSeen += expected.profilesLeft.count + expected.profilesRight.count
        }
        // The fixtures must exercise every part, or agreement would prove little.
        #expect(facesSeen >= 2 && eyesSeen >= 4 && profilesSeen >= 2)
    }
}
