import CameraCapture
import Foundation
import Liveness
import Testing

/// Inputs the camera can produce but the oracle photos do not: tiny, empty, flat frames, odd
/// settings. None may trap; the answers follow OpenCV's rules.
@Suite struct CascadeDetectorEdgeTests {
    static let detector: Result<CascadeDetector, CascadeLoadError> = Result { () throws(CascadeLoadError) in
        CascadeDetector(cascade: try HaarCascade.load(.frontalFaceAlt2))
    }

    @Test func framesSmallerThanTheWindowFindNothing() throws {
        let detector = try Self.detector.get()
        for (width, height) in [(0, 0), (1, 1), (19, 40), (40, 19), (19, 19)] {
            let image = GrayImage(width: width, height: height, pixels: [UInt8](repeating: 90, count: width * height))
            #expect(detector.rawWindows(in: image, settings: DetectionSettings(minNeighbors: 0)).isEmpty)
        }
    }

    @Test func flatFramesAreRejectedBeforeAnyStage() throws {
        // σ ≤ 10 grey levels in every window: OpenCV's flat-window rule leaves nothing to test.
        let detector = try Self.detector.get()
        for level: UInt8 in [0, 128, 255] {
            let image = GrayImage(width: 64, height: 48, pixels: [UInt8](repeating: level, count: 64 * 48))
            #expect(detector.rawWindows(in: image, settings: DetectionSettings(minNeighbors: 0)).isEmpty)
        }
        let stripes = GrayImage(width: 64, height: 48, pixels: (0..<(64 * 48)).map { UInt8(120 + ($0 % 2) * 10) })
        #expect(detector.rawWindows(in: stripes, settings: DetectionSettings(minNeighbors: 0)).isEmpty)
    }

    @Test func scaleFactorsThatAreNotAboveOneFindNothing() throws {
        let detector = try Self.detector.get()
        let image = GrayImage(width: 40, height: 40, pixels: (0..<1600).map { UInt8(truncatingIfNeeded: $0 * 37) })
        for factor in [1.0, 0.5, -2, .nan, .infinity] {
            #expect(detector.detect(in: image, settings: DetectionSettings(scaleFactor: factor)).isEmpty)
        }
    }

    @Test func eyeRegionsAtTheFrameEdgeAreClipped() throws {
        let finder = try FaceFinder.loadDebianCascades()
        let image = GrayImage(width: 64, height: 48, pixels: (0..<(64 * 48)).map { UInt8(truncatingIfNeeded: ($0 &* 2654435761) >> 7) })
        // A face box hanging over every edge, and one wholly outside.
        #expect(finder.eyes(in: image, face: FaceRectangle(x: -30, y: -30, width: 200, height: 200)).allSatisfy {
            $0.x >= 0 && $0.y >= 0 && $0.maxX <= 64 && $0.maxY <= 48
        })
        #expect(finder.eyes(in: image, face: FaceRectangle(x: 100, y: 100, width: 50, height: 50)).isEmpty)
        #expect(FaceFinder.eyeRegion(of: FaceRectangle(x: 10, y: 20, width: 101, height: 101)) == FaceRectangle(x: 10, y: 20, width: 101, height: 60))
    }

    @Test func mirroringAndCroppingKeepPixels() {
        let image = GrayImage(width: 3, height: 2, pixels: [1, 2, 3, 4, 5, 6])
        #expect(image.mirrored() == GrayImage(width: 3, height: 2, pixels: [3, 2, 1, 6, 5, 4]))
        #expect(image.cropped(to: FaceRectangle(x: 1, y: 0, width: 5, height: 1)) == GrayImage(width: 2, height: 1, pixels: [2, 3]))
        #expect(image.cropped(to: FaceRectangle(x: 5, y: 5, width: 1, height: 1)).pixels.isEmpty)
    }
}
