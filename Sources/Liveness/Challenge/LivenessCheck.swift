import CameraCapture

/// The qualification liveness check as a pure state machine: `update(model, message)` returns the
/// next model and the effects to run. Frames (already analysed), the speech engine's "done" and
/// the clock come in as messages; nothing here touches a device, the screen or the time.
///
/// The check never decides. Its good end is ``Phase/submitted``: the evidence goes to the hub's
/// review queue and the screen says it was submitted, never 认证成功. Every other end, and the
/// citizen's own choice at any time, is card + PIN with staff review.
public enum LivenessCheck {
    public enum Phase: Sendable {
        /// Explaining the check and showing the nonce; waiting for the citizen to start.
        case ready
        /// Waiting for a steady frame that passes every quality gate.
        case positioning(started: Duration, goodSince: Duration?)
        /// The prompt for `step` is being spoken; frames are not yet judged.
        case prompting(step: Int)
        /// The window for `step` is open since `opened`.
        case acting(step: Int, opened: Duration, tracker: ActionTracker)
        /// Terminal: the evidence was handed over, the hub decides.
        case submitted
        /// Terminal: card + PIN with staff review.
        case fallback(FallbackReason)

        public var isTerminal: Bool {
            switch self {
            case .submitted, .fallback: return true
            default: return false
            }
        }
    }

    public enum FallbackReason: Sendable, Equatable {
        /// The citizen chose card + PIN (offered on every screen of the check).
        case citizenChose
        case cameraUnavailable(CameraError)
        case attemptsExhausted
        /// No usable frame came in time; the last gate that failed says why.
        case couldNotPosition(QualityIssue?)
        /// The feed repeated an earlier frame: frozen, injected or a recording in a loop.
        case feedRepeated

        /// Wire name for the log.
        var code: String {
            switch self {
            case .citizenChose: return "citizen_chose"
            case .cameraUnavailable: return "camera_unavailable"
            case .attemptsExhausted: return "attempts_exhausted"
            case .couldNotPosition: return "could_not_position"
            case .feedRepeated: return "feed_repeated"
            }
        }
    }

    public enum Message: Sendable {
        case start(at: Duration)
        case frame(AnalyzedFrame)
        /// The speech engine finished the current prompt: the action's window opens now.
        case promptSpoken(at: Duration)
        /// Time passed without a frame (the driver ticks so windows close even if frames stop).
        case tick(at: Duration)
        case cameraFailed(CameraError, at: Duration)
        case chooseCardAndPIN(at: Duration)
    }

    public enum Effect: Sendable {
        case speak(String)
        /// Hand the evidence over (encode, journal, sync). Sent once, on entering ``Phase/submitted``.
        case submit(ChallengeRecord)
        case stopCamera
    }

    /// One attempt at one step, as the hub's `challenge.steps` lists them.
    public struct StepResult: Sendable, Equatable {
        public let step: Int
        public let action: ChallengeAction
        public let passed: Bool
        /// From the window opening to the action (or to the failure).
        public let elapsed: Duration
        /// Why it failed: `timeout`, or `wrong_action:<action>`.
        public let failure: String?
    }

    public struct Model: Sendable {
        public let configuration: ChallengeConfiguration
        public let plan: ChallengePlan
        public fileprivate(set) var phase: Phase = .ready
        public fileprivate(set) var now: Duration = .zero
        public fileprivate(set) var failedAttempts = 0
        public fileprivate(set) var results: [StepResult] = []
        /// The quality instruction on screen now (nil: none needed).
        public fileprivate(set) var instruction: String?
        public fileprivate(set) var log: ChallengeLog
        /// Every quality issue seen during the check (the hub's `quality_flags`).
        public fileprivate(set) var issuesSeen: [QualityIssue] = []
        fileprivate var lastIssues: [QualityIssue] = []
        fileprivate var spokenInstruction: (text: String, at: Duration)?
        fileprivate var fingerprints: [UInt64] = []
        fileprivate var anchor: FaceReference?
        fileprivate var lastSteadyFace: FaceReference?
        fileprivate var bestFrontal: (frame: AnalyzedFrame, score: Double)?
        fileprivate var actionFrames: [(step: Int, action: ChallengeAction, frame: AnalyzedFrame)] = []

        public init(plan: ChallengePlan, configuration: ChallengeConfiguration = ChallengeConfiguration()) {
            self.plan = plan
            self.configuration = configuration
            log = ChallengeLog(plan: plan)
        }

        /// Should the driver search for profile faces in the next frame (when no frontal face is found)?
        public var wantsProfiles: Bool {
            if case .acting = phase { return true }   // turns, and wrong turns during other steps
            return false
        }

        public var currentStep: Int? {
            switch phase {
            case .prompting(let step), .acting(let step, _, _): return step
            default: return nil
            }
        }
    }

    // MARK: Update

    public static func update(_ model: Model, _ message: Message) -> (Model, [Effect]) {
        var model = model
        guard !model.phase.isTerminal else { return (model, []) }
        var effects: [Effect] = []
        switch message {
        case .start(let time):
            model.advanceClock(to: time)
            guard case .ready = model.phase else { break }
            model.phase = .positioning(started: model.now, goodSince: nil)
            model.log.append(.started, at: model.now)
            effects.append(.speak("请看着屏幕，把脸放在框里。屏幕上的数字是\(spokenDigits(model.plan.nonce))"))
        case .chooseCardAndPIN(let time):
            model.advanceClock(to: time)
            effects += model.fallBack(.citizenChose)
        case .cameraFailed(let error, let time):
            model.advanceClock(to: time)
            model.log.append(.cameraError, at: model.now, detail: "\(error)")
            // A stall or a bad frame can pass; anything else ends the camera's part.
            if error.isFatal { effects += model.fallBack(.cameraUnavailable(error)) }
        case .tick(let time):
            model.advanceClock(to: time)
            effects += model.checkDeadlines()
        case .promptSpoken(let time):
            model.advanceClock(to: time)
            guard case .prompting(let step) = model.phase, let anchor = model.anchor else { break }
            let reference = model.lastSteadyFace ?? anchor
            model.phase = .acting(step: step, opened: model.now,
                                  tracker: ActionTracker(action: model.plan.actions[step], anchor: anchor, reference: reference))
            model.log.append(.windowOpened, at: model.now, step: step, action: model.plan.actions[step])
        case .frame(let frame):
            model.advanceClock(to: frame.timestamp)
            effects += model.observe(frame)
            if !model.phase.isTerminal { effects += model.checkDeadlines() }
        }
        return (model, effects)
    }

    /// Digits spoken one by one ("3 0 7 …"), so the nonce is not read as a large number.
    static func spokenDigits(_ nonce: String) -> String {
        nonce.map(String.init).joined(separator: " ")
    }
}

extension LivenessCheck.Model {
    fileprivate mutating func advanceClock(to time: Duration) {
        // Monotonic: a late message never moves the check back in time.
        now = Swift.max(now, time)
    }

    fileprivate mutating func fallBack(_ reason: LivenessCheck.FallbackReason) -> [LivenessCheck.Effect] {
        phase = .fallback(reason)
        instruction = nil
        log.append(.fallback, at: now, detail: reason.code)
        return [.stopCamera, .speak("请用社保卡和密码继续办理，工作人员会为您审核")]
    }

    fileprivate mutating func observe(_ frame: AnalyzedFrame) -> [LivenessCheck.Effect] {
        guard !isReady else { return [] }
        // A live sensor never repeats itself; a repeat anywhere in memory means the feed is not live.
        if fingerprints.contains(frame.fingerprint) {
            noteIssues([.repeatedFrame])
            return fallBack(.feedRepeated)
        }
        fingerprints.append(frame.fingerprint)
        if fingerprints.count > configuration.fingerprintMemory { fingerprints.removeFirst(fingerprints.count - configuration.fingerprintMemory) }

        var effects = noteIssues(frame.quality.issues)
        if frame.faces.count == 1, frame.quality.passed {
            lastSteadyFace = FaceReference(face: frame.faces[0].face, mouthDarkness: frame.mouthDarkness)
            considerBestFrontal(frame)
        }

        switch phase {
        case .positioning(let started, let goodSince):
            guard frame.quality.passed else {
                phase = .positioning(started: started, goodSince: nil)
                return effects
            }
            let since = goodSince ?? frame.timestamp
            if frame.timestamp - since >= configuration.holdStill {
                anchor = lastSteadyFace
                log.append(.positioned, at: now, measures: frame.quality.measures)
                effects += prompt(step: 0)
            } else {
                phase = .positioning(started: started, goodSince: since)
            }
        case .acting(let step, let opened, var tracker):
            let progress = tracker.observe(frame, configuration: configuration)
            switch progress {
            case .pending:
                phase = .acting(step: step, opened: opened, tracker: tracker)
            case .done:
                let action = plan.actions[step]
                results.append(.init(step: step, action: action, passed: true, elapsed: now - opened, failure: nil))
                if let evidence = tracker.evidence { actionFrames.append((step, action, evidence)) }
                log.append(.stepPassed, at: now, step: step, action: action,
                           detail: "elapsed_ms=\((now - opened).milliseconds)", measures: tracker.evidence?.quality.measures)
                if step + 1 < plan.actions.count {
                    effects += prompt(step: step + 1)
                } else {
                    effects += submit()
                }
            case .wrong(let other):
                effects += failAttempt(step: step, opened: opened, reason: "wrong_action:\(other.rawValue)")
            }
        default:
            break
        }
        return effects
    }

    private var isReady: Bool {
        if case .ready = phase { return true }
        return false
    }

    /// Quality issues shown on screen and, when they change (or have waited long enough), spoken.
    @discardableResult
    fileprivate mutating func noteIssues(_ issues: [QualityIssue]) -> [LivenessCheck.Effect] {
        for issue in issues where !issuesSeen.contains(issue) { issuesSeen.append(issue) }
        if issues != lastIssues {
            log.append(.quality, at: now, issues: issues.map(\.rawValue))
            lastIssues = issues
        }
        // During an action window only "who is in front of the camera" matters to the citizen;
        // an off-centre face there is usually the action itself.
        let shown: QualityIssue?
        if case .acting = phase {
            shown = issues.first { [.multipleFaces, .noFace, .tooDark, .flatFrame].contains($0) }
        } else {
            shown = issues.first
        }
        instruction = shown?.instruction
        guard let text = instruction else { return [] }
        if let spoken = spokenInstruction, spoken.text == text, now - spoken.at < configuration.instructionRepeat { return [] }
        if case .prompting = phase { return [] }   // never talk over a prompt
        spokenInstruction = (text, now)
        return [.speak(text)]
    }

    fileprivate mutating func considerBestFrontal(_ frame: AnalyzedFrame) {
        // Prefer sharp, large, both-eyes-open frontal frames (liveness.md §5: sharpness × frontalness × size).
        let measures = frame.quality.measures
        let eyes = Swift.min(frame.faces[0].eyes.count, 2)
        let score = (measures.sharpness ?? 0) * (measures.faceWidthFraction ?? 0) * Double(1 + eyes) * (1 - (measures.centreOffset ?? 0))
        if bestFrontal == nil || score > bestFrontal!.score { bestFrontal = (frame, score) }
    }

    fileprivate mutating func prompt(step: Int) -> [LivenessCheck.Effect] {
        phase = .prompting(step: step)
        let action = plan.actions[step]
        log.append(.prompt, at: now, step: step, action: action)
        return [.speak(action.prompt)]
    }

    fileprivate mutating func failAttempt(step: Int, opened: Duration, reason: String) -> [LivenessCheck.Effect] {
        let action = plan.actions[step]
        failedAttempts += 1
        results.append(.init(step: step, action: action, passed: false, elapsed: now - opened, failure: reason))
        log.append(.attemptFailed, at: now, step: step, action: action, issues: [reason])
        if failedAttempts >= configuration.maximumFailedAttempts { return fallBack(.attemptsExhausted) }
        return [.speak("没有看清，请再做一次")] + prompt(step: step)
    }

    fileprivate mutating func checkDeadlines() -> [LivenessCheck.Effect] {
        switch phase {
        case .positioning(let started, _) where now - started >= configuration.positioningTimeout:
            return fallBack(.couldNotPosition(lastIssues.first))
        case .acting(let step, let opened, _) where now - opened >= configuration.actionWindow:
            return failAttempt(step: step, opened: opened, reason: "timeout")
        default:
            return []
        }
    }

    fileprivate mutating func submit() -> [LivenessCheck.Effect] {
        phase = .submitted
        instruction = nil
        log.append(.submitted, at: now)
        let record = ChallengeRecord(
            plan: plan, results: results, issuesSeen: issuesSeen, log: log,
            bestFrontal: bestFrontal.map { EvidenceFrame(role: .bestFrontal, frame: $0.frame) },
            actionFrames: actionFrames.map { EvidenceFrame(role: .action(step: $0.step, $0.action), frame: $0.frame) })
        return [.stopCamera, .submit(record), .speak("已提交，请等待审核结果")]
    }
}
