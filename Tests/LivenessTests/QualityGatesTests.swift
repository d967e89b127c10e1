@testable import CameraCapture
@testable import Liveness
import KioskCore
import Testing

@Suite struct QualityGatesTests {
    @Test func aGoodFramePasses() {
        let report = QualityGates.assess(Scene.image(seed: 1), faces: [Scene.face()])
        #expect(report.passed, "\(report.issues)")
        #expect(report.instruction == nil)
        #expect(report.measures.faceCount == 1)
        #expect(abs((report.measures.faceWidthFraction ?? 0) - 220.0 / 640) < 1e-9)
    }

    @Test func aCoveredLensIsAFlatFrame() {
        let black = GrayImage(width: 640, height: 480, pixels: Array(repeating: 3, count: 640 * 480))
        let report = QualityGates.assess(black, faces: [])
        #expect(report.issues == [.flatFrame])
        #expect(report.instruction == "看不到画面，请不要挡住摄像头")
    }

    @Test func darknessComesBeforeNoFace() {
        let report = QualityGates.assess(Scene.image(seed: 2, brightness: 0.25), faces: [])
        #expect(report.issues == [.tooDark, .noFace])
        #expect(report.instruction == "光线太暗，请站到亮一点的地方")
    }

    @Test func aDarkFaceIsTooDark() {
        let report = QualityGates.assess(Scene.image(seed: 2, brightness: 0.4), faces: [Scene.face()])
        #expect(report.issues.first == .tooDark)
    }

    @Test func twoFacesAreOneTooMany() {
        let report = QualityGates.assess(Scene.image(seed: 3), faces: [Scene.face(), Scene.face(Scene.shifted(200))])
        #expect(report.issues == [.multipleFaces])
        #expect(report.instruction == "只能一个人，请其他人稍微让开")
    }

    @Test func sizeAndPlaceOfTheFace() {
        #expect(QualityGates.assess(Scene.image(seed: 4), faces: [Scene.face(Scene.scaled(0.6))]).issues == [.faceTooSmall])
        #expect(QualityGates.assess(Scene.image(seed: 4), faces: [Scene.face(Scene.scaled(2.2))]).issues.contains(.faceTooLarge))
        let offCentre = QualityGates.assess(Scene.image(seed: 4), faces: [Scene.face(Scene.shifted(-170))])
        #expect(offCentre.issues == [.offCentre])
        #expect(offCentre.instruction == "请正对屏幕，站在屏幕中间")
    }

    @Test func aBlurredOrFlatFaceIsCaught() {
        // A smooth gradient: bright enough, some contrast, but no detail at all.
        let smooth = GrayImage(width: 640, height: 480, pixels: (0..<(640 * 480)).map { UInt8(60 + ($0 % 640) / 5) })
        let report = QualityGates.assess(smooth, faces: [Scene.face()])
        #expect(report.issues.contains(.blurry))
        #expect(report.issues.contains(.lowContrast))
        #expect(QualityIssue.blurry.instruction == "请保持不动")
    }

    @Test func everyIssueHasAPlainChineseInstruction() {
        for issue in QualityIssue.allCases {
            #expect(!issue.instruction.isEmpty)
            #expect(issue.instruction.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) })
        }
        #expect(QualityIssue.repeatedFrame.responsibleParty == .technician)
        #expect(QualityIssue.faceTooSmall.responsibleParty == .citizen)
    }

    @Test func fingerprintsTellFramesApart() {
        let one = Scene.image(seed: 1), other = Scene.image(seed: 2)
        #expect(ImageMeasures.fingerprint(one) == ImageMeasures.fingerprint(Scene.image(seed: 1)))
        #expect(ImageMeasures.fingerprint(one) != ImageMeasures.fingerprint(other))
        // One pixel differs: a different frame.
        var pixels = one.pixels
        pixels[1000] ^= 1
        #expect(ImageMeasures.fingerprint(one) != ImageMeasures.fingerprint(GrayImage(width: 640, height: 480, pixels: pixels)))
    }
}
