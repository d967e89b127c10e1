@testable import CameraCapture
import Foundation
@testable import Liveness
import Testing

@Suite struct ChallengeEvidenceTests {
    /// A finished check from the fake-detector driver, with one failed attempt on the way.
    private func record(cameraJPEG: [UInt8]? = nil) throws -> ChallengeRecord {
        var driver = CheckDriver(actions: [.blink, .moveCloser])
        driver.startAndPosition()
        driver.show(Scene.face(), count: 2)
        for dx in [30, 60, 90] { driver.show(Scene.face(Scene.shifted(dx))) }   // wrong: a turn
        driver.show(Scene.face(), count: 2)
        driver.speakPrompt()
        driver.show(Scene.face(), count: 2)
        driver.show(Scene.face(eyesOpen: false), count: 2)
        driver.show(Scene.face(), count: 2)
        driver.speakPrompt()
        for factor in [1.0, 1.15, 1.3] { driver.show(Scene.face(Scene.scaled(factor))) }
        let record = try #require(driver.submitted)
        guard let cameraJPEG else { return record }
        // As if the camera had sent MJPEG: every frame carries the camera's own JPEG.
        func withJPEG(_ frame: EvidenceFrame) -> EvidenceFrame {
            EvidenceFrame(role: frame.role, frame: AnalyzedFrame(
                frame: CameraFrame(sequence: 0, timestamp: frame.timestamp, image: frame.image, jpeg: cameraJPEG), faces: [], profiles: nil))
        }
        return ChallengeRecord(plan: record.plan, results: record.results, issuesSeen: record.issuesSeen, log: record.log,
                               bestFrontal: record.bestFrontal.map(withJPEG), actionFrames: record.actionFrames.map(withJPEG))
    }

    @Test func framesAreJPEGAndTheLogIsJSON() throws {
        let record = try record()
        let evidence = try ChallengeEvidence(record: record)
        #expect(evidence.frames.count == 3)
        for frame in evidence.frames {
            let image = try JPEGDecoder.decodeGray(Array(frame))
            #expect(image.width == 640 && image.height == 480)
        }
        #expect(evidence.frames.reduce(evidence.challengeLog.count) { $0 + $1.count } <= ChallengeEvidence.defaultBudget)
        let log = try JSONDecoder().decode(ChallengeLog.self, from: evidence.challengeLog)
        #expect(log == record.log)
        #expect(String(decoding: evidence.challengeLog, as: UTF8.self).contains("\"at_ms\""))
    }

    @Test func theCamerasOwnJPEGIsKeptWhenItFits() throws {
        // A smooth frame compresses to a few KB, well within each frame's share of the budget.
        let smooth = GrayImage(width: 640, height: 480, pixels: (0..<(640 * 480)).map { UInt8(40 + ($0 % 640) / 4) })
        let original = try JPEGEncoder.encode(smooth, quality: 90)
        let evidence = try ChallengeEvidence(record: try record(cameraJPEG: original))
        #expect(evidence.frames.allSatisfy { Array($0) == original })
    }

    @Test func aTightBudgetLowersQualityThenRefuses() throws {
        let record = try record()
        let roomy = try ChallengeEvidence(record: record)
        let size = roomy.frames.reduce(0) { $0 + $1.count }
        // (The scenes are sensor noise, the worst case for JPEG: lower quality saves only ~20 %.)
        let tight = try ChallengeEvidence(record: record, budget: size * 9 / 10)
        #expect(tight.frames.reduce(0) { $0 + $1.count } < size)
        #expect(throws: ChallengeEvidence.EncodingError.self) { try ChallengeEvidence(record: record, budget: 10_000) }
    }

    @Test func theHubFieldsListEveryAttempt() throws {
        let record = try record()
        let fields = ChallengeEvidence.hubFields(for: record)
        let challenge = try #require(fields["challenge"] as? [String: any Sendable])
        #expect(challenge["complete"] as? Bool == true)
        #expect(challenge["nonce"] as? String == "307512")
        let steps = try #require(challenge["steps"] as? [[String: any Sendable]])
        #expect(steps.map { $0["action"] as? String } == ["blink", "blink", "move_closer"])
        #expect(steps.map { $0["passed"] as? Bool } == [false, true, true])
        #expect(steps.allSatisfy { ($0["elapsed_ms"] as? Int ?? -1) >= 0 })
        #expect(JSONSerialization.isValidJSONObject(fields))
    }
}
