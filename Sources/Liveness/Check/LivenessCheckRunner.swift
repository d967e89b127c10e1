import CameraCapture

/// Speaks a prompt and returns when it has been said (espeak-ng on the kiosk, a recorder in tests).
public protocol PromptSpeaker: Sendable {
    func speak(_ text: String) async
}

/// Runs the pure ``LivenessCheck`` against a real frame source, detector and speaker: the only
/// place where the check meets devices. Time is the camera's: frame timestamps drive the windows,
/// and the speaker's duration is measured on the injected clock, which must tick like the camera's.
public struct LivenessCheckRunner<Speaker: PromptSpeaker, Observer: FaceObserving>: Sendable {
    public let source: any FrameSource
    public let observer: Observer
    public let speaker: Speaker
    public let configuration: ChallengeConfiguration
    /// How long to wait for a frame before telling the check time has passed.
    public var frameTimeout: Duration = .seconds(2)
    /// Called after every message with the model, for the screen.
    public var onChange: @Sendable (LivenessCheck.Model) -> Void = { _ in }

    public init(source: any FrameSource, observer: Observer, speaker: Speaker, configuration: ChallengeConfiguration = ChallengeConfiguration()) {
        self.source = source
        self.observer = observer
        self.speaker = speaker
        self.configuration = configuration
    }

    /// Runs one check until it submits or falls back. Cancelling the task is the citizen choosing
    /// card + PIN. The caller journals ``ChallengeRecord`` (``QualificationSubmission``) when the
    /// final model is `.submitted`.
    public func run(plan: ChallengePlan, clock: some Clock<Duration> = ContinuousClock()) async -> (LivenessCheck.Model, ChallengeRecord?) {
        var model = LivenessCheck.Model(plan: plan, configuration: configuration)
        var record: ChallengeRecord?
        var lastTime = Duration.zero
        /// After a prompt: frames older than this were taken while it was still being spoken.
        var promptEndsAt: Duration?

        func send(_ message: LivenessCheck.Message) async {
            let (next, effects) = LivenessCheck.update(model, message)
            model = next
            onChange(model)
            let started = clock.now
            for effect in effects {
                switch effect {
                case .speak(let text):
                    await speaker.speak(text)
                    if case .prompting = model.phase { promptEndsAt = lastTime + started.duration(to: clock.now) }
                case .submit(let submitted):
                    record = submitted
                case .stopCamera:
                    await source.close()
                }
            }
        }

        await send(.start(at: .zero))
        while !model.phase.isTerminal {
            if Task.isCancelled {
                await send(.chooseCardAndPIN(at: lastTime))
                break
            }
            let frame: CameraFrame
            do {
                frame = try await source.nextFrame(timeout: frameTimeout)
            } catch {
                if case .timeout(let waited) = error { lastTime += waited }
                await send(.cameraFailed(error, at: lastTime))
                await send(.tick(at: lastTime))
                continue
            }
            lastTime = Swift.max(lastTime, frame.timestamp)
            if let endsAt = promptEndsAt, case .prompting = model.phase {
                guard frame.timestamp >= endsAt else { continue }
                promptEndsAt = nil
                await send(.promptSpoken(at: frame.timestamp))
            }
            let analyzed = AnalyzedFrame.analyze(frame, observer: observer, lookForProfiles: model.wantsProfiles,
                                                 thresholds: configuration.quality)
            await send(.frame(analyzed))
        }
        await source.close()
        return (model, record)
    }
}
