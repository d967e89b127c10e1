import CameraCapture
import Foundation
import Journal
import KioskCore
@testable import Liveness
import TestSupport
import Testing

/// Says nothing aloud; remembers what it was asked to say, in order.
actor RecordingSpeaker: PromptSpeaker {
    private(set) var said: [String] = []
    func speak(_ text: String) async { said.append(text) }
}

/// The whole check on real photos: scripted recordings made from Debian's public-domain and CC0
/// photos (`kiosk/lib/challenge_frames.py`), played through the file camera (JPEG decode), the
/// OpenCV-exact detector, the quality gates and the state machine, by the same runner the kiosk uses.
@Suite(.serialized) struct ChallengePhotoTests {
    static let recordings: Result<String, any Error> = Result {
        let python = try TestEnvironment.requireProgram("/usr/bin/python3", package: "python3")
        let directory = try TestEnvironment.temporaryDirectory("challenge-frames")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [TestEnvironment.script("lib/challenge_frames.py"), directory]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw TestEnvironmentError.missing(what: "the challenge recordings (python3-opencv, opencv-data, python3-skimage)",
                                               remedy: "apt-get install python3-opencv opencv-data python3-skimage; it said: \(errorText)")
        }
        return directory
    }

    static let finder: Result<FaceFinder, any Error> = Result { try FaceFinder.loadDebianCascades() }

    private func run(_ recording: String, plan actions: [ChallengeAction], atEnd: FileFrameSource.AtEnd = .stop,
                     configure: (inout ChallengeConfiguration) -> Void = { _ in }) async throws
        -> (model: LivenessCheck.Model, record: ChallengeRecord?, said: [String]) {
        let directory = try Self.recordings.get()
        let source = try FileFrameSource.directory(URL(fileURLWithPath: "\(directory)/\(recording)"), framesPerSecond: 15,
                                                   pacing: .immediate, atEnd: atEnd)
        var configuration = ChallengeConfiguration()
        configure(&configuration)
        let speaker = RecordingSpeaker()
        let runner = LivenessCheckRunner(source: source, observer: try Self.finder.get(), speaker: speaker, configuration: configuration)
        let (model, record) = await runner.run(plan: ChallengePlan(actions: actions, nonce: "480213"))
        return (model, record, await speaker.said)
    }

    @Test func approachBlinkCloserAndTurnAreSubmittedAndJournalled() async throws {
        let (model, submitted, said) = try await run("live_blink_closer_turn", plan: [.blink, .moveCloser, .turnLeft])
        guard case .submitted = model.phase else {
            Issue.record("ended in \(model.phase); results \(model.results); log \(model.log.events.map(\.kind))")
            return
        }
        // Too far at first: the citizen was told to come closer before anything else.
        #expect(said.dropFirst().first == "请靠近一点")
        #expect(model.issuesSeen.contains(.faceTooSmall))
        for action in [ChallengeAction.blink, .moveCloser, .turnLeft] { #expect(said.contains(action.prompt)) }
        #expect(said.last == "已提交，请等待审核结果")
        let record = try #require(submitted)
        #expect(record.isComplete && record.frames.count == 4)

        // The evidence: the camera's JPEGs as recorded, and the log; then into a real journal.
        let evidence = try ChallengeEvidence(record: record)
        #expect(evidence.frames.count == 4 && evidence.frames.allSatisfy { $0.starts(with: [0xFF, 0xD8]) })
        let log = try JSONDecoder().decode(ChallengeLog.self, from: evidence.challengeLog)
        #expect(log.nonce == "480213" && log.actions == [.blink, .moveCloser, .turnLeft])

        let directory = try TestEnvironment.temporaryDirectory("challenge-journal")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let journal = try AppDatabase(path: "\(directory)/journal.sqlite")
        let entry = try QualificationSubmission.journal(record, citizenID: try CitizenID("330102198001011213"), cardNumber: "A12345678",
                                                        cardVerified: true, pinVerified: true, in: journal)
        #expect(entry.kind == "qualification.submitted")
        #expect(try journal.faceEvidenceCounts().held == 1)
        // As the hub will receive it: hubdata's fields, the evidence attached, the ID opened for sending.
        let pending = try #require(try journal.pendingEntries(limit: 10).first)
        let payload = try #require(try JSONSerialization.jsonObject(with: Data(pending.payloadJSON.utf8)) as? [String: Any])
        #expect(payload["citizen_id"] as? String == "330102198001011213")
        let challenge = try #require(payload["challenge"] as? [String: Any])
        #expect(challenge["complete"] as? Bool == true)
        #expect((challenge["steps"] as? [[String: Any]])?.compactMap { $0["action"] as? String } == ["blink", "move_closer", "turn_left"])
        let sent = try #require(payload["evidence"] as? [String: Any])
        #expect(sent["format"] as? String == "jpeg")
        #expect((sent["frames"] as? [String])?.count == 4)
    }

    /// Takes `seconds` of the manual clock to say anything: espeak-ng's time for a prompt.
    actor TimedSpeaker: PromptSpeaker {
        let clock: ManualClock
        let seconds: Double
        private(set) var said: [String] = []
        init(clock: ManualClock, seconds: Double) {
            self.clock = clock
            self.seconds = seconds
        }
        func speak(_ text: String) async {
            said.append(text)
            clock.advance(by: .milliseconds(Int64(seconds * 1000)))
        }
    }

    /// The demo kiosk's camera (`challenge_frames.py --demo`, played by kiosk/demo.sh) acts out the
    /// demo plan (come closer, then blink; `KioskCamera.demoPlan`) in real time from the check's
    /// first frame, whatever the prompts take to say: nothing (speech off, no sound card) up to
    /// espeak-ng at the slowest rate (请慢慢靠近屏幕 4.5 s). Submitted without a quality flag, so
    /// the hub's policy approves it.
    @Test(arguments: [0.0, 5.0])
    func theDemoCameraPassesTheDemoPlanHoweverLongThePromptsTake(seconds: Double) async throws {
        let directory = try Self.recordings.get()
        let source = try FileFrameSource.directory(URL(fileURLWithPath: "\(directory)/demo_camera"), framesPerSecond: 15, pacing: .immediate)
        let clock = ManualClock()
        let speaker = TimedSpeaker(clock: clock, seconds: seconds)
        let runner = LivenessCheckRunner(source: source, observer: try Self.finder.get(), speaker: speaker)
        let (model, record) = await runner.run(plan: ChallengePlan(actions: [.moveCloser, .blink], nonce: "202612"), clock: clock)
        guard case .submitted = model.phase else {
            Issue.record("ended in \(model.phase); results \(model.results); issues \(model.issuesSeen)")
            return
        }
        #expect(model.results.map(\.passed) == [true, true])
        #expect(model.issuesSeen.isEmpty, "quality flags send it to staff: \(model.issuesSeen)")
        #expect(try #require(record).isComplete)
        let said = await speaker.said
        #expect(said.contains(ChallengeAction.moveCloser.prompt) && said.contains(ChallengeAction.blink.prompt))
    }

    @Test func aRealProfileTurnsAndADarkenedMouthOpens() async throws {
        // camera.png's cameraman in profile (the profile cascade finds him; the frontal one does not).
        let (model, record, _) = try await run("profile_turn_mouth", plan: [.turnRight, .openMouth])
        guard case .submitted = model.phase else {
            Issue.record("ended in \(model.phase); results \(model.results)")
            return
        }
        #expect(try #require(record).results.map(\.passed) == [true, true])
    }

    @Test func aStillPhotoIsNotEnough() async throws {
        let (model, record, said) = try await run("still_photo", plan: [.blink, .turnLeft]) { $0.actionWindow = .seconds(1) }
        guard case .fallback(.attemptsExhausted) = model.phase else {
            Issue.record("ended in \(model.phase)")
            return
        }
        #expect(record == nil)
        #expect(model.results.map(\.failure) == ["timeout", "timeout", "timeout"])
        #expect(said.last == "请用社保卡和密码继续办理，工作人员会为您审核")
    }

    @Test func aRecordingPlayedInALoopIsCaught() async throws {
        // The live recording passes a blink; replayed to fake the next action, its frames repeat.
        let (model, record, _) = try await run("live_blink_closer_turn", plan: [.blink, .openMouth], atEnd: .loop)
        guard case .fallback(.feedRepeated) = model.phase else {
            Issue.record("ended in \(model.phase)")
            return
        }
        #expect(record == nil)
        #expect(model.results.first?.passed == true)
    }

    @Test func theWrongOrderFails() async throws {
        // The citizen (or a recording) turns first when asked to blink first.
        let (model, record, said) = try await run("turn_then_blink", plan: [.blink, .turnLeft])
        #expect(record == nil)
        #expect(model.results.first?.failure == "wrong_action:turn_left")
        #expect(said.contains("没有看清，请再做一次"))
        #expect(model.phase.isTerminal)
    }

    @Test func darknessAndASecondPersonAreExplained() async throws {
        let (model, _, said) = try await run("too_dark_then_two_faces", plan: [.blink, .moveCloser])
        let dark = try #require(said.firstIndex(of: "光线太暗，请站到亮一点的地方"))
        let crowd = try #require(said.firstIndex(of: "只能一个人，请其他人稍微让开"))
        #expect(dark < crowd)
        // The recording ends there: the camera is gone, so card + PIN.
        guard case .fallback(.cameraUnavailable(.ended)) = model.phase else {
            Issue.record("ended in \(model.phase)")
            return
        }
    }

    @Test func unpluggedMidCheckOffersCardAndPIN() async throws {
        let directory = try Self.recordings.get()
        let frames = try (4..<14).map { index in
            try JPEGDecoder.decodeGray(Array(Data(contentsOf: URL(fileURLWithPath: "\(directory)/live_blink_closer_turn/\(String(format: "%04d", index)).jpg"))))
        }
        let source = FakeFrameSource(frames.map { .frame($0) } + [.stall, .unplug])
        let speaker = RecordingSpeaker()
        let runner = LivenessCheckRunner(source: source, observer: try Self.finder.get(), speaker: speaker)
        let (model, record) = await runner.run(plan: ChallengePlan(actions: [.blink, .moveCloser], nonce: "000001"))
        #expect(record == nil)
        guard case .fallback(.cameraUnavailable(.unplugged)) = model.phase else {
            Issue.record("ended in \(model.phase)")
            return
        }
        #expect(model.currentStep == nil)
        #expect(model.log.events.contains { $0.kind == .windowOpened })   // it was mid-check
        #expect(LivenessCheck.screen(model).detail == "摄像头暂时不能使用，工作人员会为您审核")
        #expect(await source.closeCount >= 1)
    }
}
