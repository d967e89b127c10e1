import CameraCapture
import Foundation
import HubAPI
import HubClient
import Journal
import KioskCore
import KioskSession
import Liveness
import Logging
import SocialSecurityCard
import Synchronization
import TextConsole
import ZizhuConfiguration

/// The qualification check on the real kiosk: the status from the hub, the PIN on the card, the
/// face check on the camera (``LivenessCheckRunner`` with the OpenCV-exact cascades), and the
/// submission journalled for the hub's review queue.
extension KioskSessionEffects {
    func qualificationStatus(for holder: CardHolder) async -> QualificationAnswer {
        guard let connection = hub else { return .failed(.offline) }
        let query = Components.Schemas.CardHolderQuery(citizenId: holder.citizenID.value, cardNumber: holder.card.cardNumber)
        do {
            switch try await connection.client.queryQualification(body: .json(query)) {
            case .ok(let ok):
                let body = try ok.body.json
                guard let state = QualificationStatus.State(rawValue: body.status.rawValue) else { return .failed(.failed("status")) }
                return .status(QualificationStatus(state: state, windowOpens: body.windowOpens, dueBy: body.dueBy))
            case .notFound: return .failed(.notFound)
            case .serviceUnavailable: return .failed(.offline)
            case .badRequest, .unauthorized: return .failed(.failed("refused"))
            case .undocumented(let status, _): return .failed(status >= 500 ? .offline : .failed("status \(status)"))
            }
        } catch {
            return .failed(.offline)
        }
    }

    func verifyPIN(_ digits: [Int]) async -> PINCheckOutcome {
        guard let reader = devices.cardReader else { return .failed(.removed) }
        return await Self.offPool {
            do {
                let pin = try PINBuffer(digits: digits.map { UInt8(clamping: $0) })
                defer { pin.wipe() }
                let session = try CardSession(context: PCSCContext(), reader: reader)
                defer { session.close() }
                try session.verifyPIN(pin)
                return .verified
            } catch let error as CardError {
                switch error {
                case .wrongPIN(let triesLeft): return triesLeft == 0 ? .blocked : .wrongPIN(triesLeft: triesLeft)
                case .pinBlocked: return .blocked
                default: return .failed(Self.problem(error))
                }
            } catch {
                return .failed(.readerFault)
            }
        }
    }

    func startLivenessCheck(for holder: CardHolder) async -> LivenessEvent {
        liveness.start { continuation in
            await self.runLivenessCheck(for: holder, events: continuation)
        }
        return await liveness.next()
    }

    func nextLivenessEvent() async -> LivenessEvent { await liveness.next() }

    func stopLivenessCheck() async { liveness.stop() }

    func submitForStaffReview(_ holder: CardHolder) async -> SubmissionOutcome {
        do {
            try journal.admitNewService()
            // No face evidence: the hub's reviewers decide from the card and PIN facts.
            try journal.record(kind: QualificationSubmission.kind, payload: [
                "submission_id": UUID().uuidString.lowercased(),
                "citizen_id": holder.citizenID.value,
                "card_number": holder.card.cardNumber,
                "card_verified": true,
                "pin_verified": true,
                "challenge": ["complete": false, "steps": [[String: any Sendable]]()] as [String: any Sendable],
                "quality_flags": [String](),
            ])
            logger.info("qualification submitted for staff review", metadata: ["citizen.id": .string(holder.citizenID.masked)])
            return .saved(hubOnline: devices.lastReport?.health.hub ?? false)
        } catch {
            logger.error("qualification not journalled", metadata: ["error": .string("\(error)")])
            return .refused(citizenMessage: "这台机器暂时不能保存您的认证材料。")
        }
    }

    /// One check, start to end; every screen change and the outcome go to `events`.
    private func runLivenessCheck(for holder: CardHolder, events: AsyncStream<LivenessEvent>.Continuation) async {
        defer { events.finish() }
        let source: any FrameSource
        let finder: FaceFinder
        do {
            source = try camera.openSource()
            finder = try camera.faceFinder()
        } catch {
            logger.error("camera unusable", metadata: ["error": .string("\(error)")])
            events.yield(.finished(.fallback(reason: "摄像头暂时不能用。")))
            return
        }
        var runner = LivenessCheckRunner(source: source, observer: finder, speaker: SpokenPrompts(speaker: speaker),
                                         configuration: ChallengeConfiguration())
        runner.onChange = { model in events.yield(.screen(LivenessScreen(LivenessCheck.screen(model)))) }
        var generator = SystemRandomNumberGenerator()
        let plan = camera.demoPlan ?? ChallengePlan.random(using: &generator)
        let (model, record) = await runner.run(plan: plan)
        guard case .submitted = model.phase, let record else {
            let screen = LivenessCheck.screen(model)
            logger.notice("face check ended without a submission", metadata: ["phase": .string("\(model.phase)")])
            events.yield(.finished(.fallback(reason: screen.detail.map { screen.main + "　" + $0 } ?? screen.main)))
            return
        }
        do {
            try journal.admitNewService()
            try QualificationSubmission.journal(record, citizenID: holder.citizenID, cardNumber: holder.card.cardNumber,
                                                cardVerified: true, pinVerified: true, in: journal)
            logger.info("qualification submitted with face evidence", metadata: ["citizen.id": .string(holder.citizenID.masked)])
            events.yield(.finished(.submitted(.saved(hubOnline: devices.lastReport?.health.hub ?? false))))
        } catch {
            logger.error("qualification not journalled", metadata: ["error": .string("\(error)")])
            events.yield(.finished(.submitted(.refused(citizenMessage: "这台机器暂时不能保存您的认证材料。"))))
        }
    }
}

extension LivenessScreen {
    init(_ screen: CheckScreen) {
        self.init(title: screen.title, nonce: screen.nonce, main: screen.main, detail: screen.detail, progress: screen.progress)
    }
}

/// The check's prompts through the kiosk's speaker; returns once said (the action's window opens
/// then, and the next prompt does not cut this one off).
struct SpokenPrompts: PromptSpeaker {
    let speaker: any Speaker

    func speak(_ text: String) async {
        await speaker.speakToEnd([text], settings: SpeechSettings())
    }
}

/// The running face check, if any: its events as a stream the session reads one at a time, and
/// the task to cancel when the citizen chooses card + PIN (the runner then ends as a fallback).
final class LivenessCheckSlot: Sendable {
    private let state = Mutex<(stream: AsyncStream<LivenessEvent>?, task: Task<Void, Never>?)>((nil, nil))

    func start(_ body: @escaping @Sendable (AsyncStream<LivenessEvent>.Continuation) async -> Void) {
        let (stream, continuation) = AsyncStream<LivenessEvent>.makeStream(bufferingPolicy: .unbounded)
        let task = Task { await body(continuation) }
        let previous = state.withLock { state in
            defer { state = (stream, task) }
            return state.task
        }
        previous?.cancel()
    }

    func next() async -> LivenessEvent {
        guard let stream = state.withLock({ $0.stream }) else { return .finished(.fallback(reason: "摄像头暂时不能用。")) }
        for await event in stream { return event }
        // The check is over and its last event was read: the session never asks again.
        return .finished(.fallback(reason: "刷脸认证已结束。"))
    }

    func stop() {
        state.withLock { $0.task }?.cancel()
    }
}

/// The kiosk's camera, from `camera.source`: a V4L2 device, or a folder of frames (the demo and
/// tests play recorded frames at 15 fps).
final class KioskCamera: Sendable {
    let source: String?
    /// A fixed plan for a recorded sequence (the demo); nil draws a random plan per check.
    let demoPlan: ChallengePlan?
    private let finder = Mutex<FaceFinder?>(nil)

    init(source: String?, demoPlan: ChallengePlan?) {
        self.source = source
        self.demoPlan = demoPlan
    }

    enum Failure: Error { case notConfigured }

    /// The plan the demo's recorded frames act out (`kiosk/lib/challenge_frames.py --demo` makes
    /// them; kiosk/demo.sh plays them): come closer, then blink. Only with `camera.demo_plan`; a
    /// real kiosk draws a random plan.
    static let demoPlan = ChallengePlan(actions: [.moveCloser, .blink], nonce: "202612")

    /// Whether a camera is there to use: the device node exists, or the folder holds frames.
    var isPresent: Bool {
        guard let source, !source.isEmpty else { return false }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory) else { return false }
        if isDirectory.boolValue {
            return ((try? FileManager.default.contentsOfDirectory(atPath: source)) ?? []).contains { $0.hasSuffix(".jpg") || $0.hasSuffix(".pgm") }
        }
        return true
    }

    func openSource() throws -> any FrameSource {
        guard let source, !source.isEmpty else { throw Failure.notConfigured }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory), isDirectory.boolValue {
            return try FileFrameSource.directory(URL(fileURLWithPath: source))
        }
        return try V4L2Camera(path: source)
    }

    /// The three cascades, loaded once (about 60 ms) on first use.
    func faceFinder() throws -> FaceFinder {
        if let loaded = finder.withLock({ $0 }) { return loaded }
        let loaded = try FaceFinder.loadDebianCascades()
        finder.withLock { $0 = loaded }
        return loaded
    }
}
