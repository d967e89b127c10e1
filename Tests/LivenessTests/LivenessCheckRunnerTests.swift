@testable import CameraCapture
@testable import Liveness
import Synchronization
import Testing

/// A clock that only moves when told: the speaker moves it by the time a prompt takes to say.
final class ManualClock: Clock, Sendable {
    struct Instant: InstantProtocol {
        var offset: Duration
        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }
    private let current = Mutex(Instant(offset: .zero))
    var now: Instant { current.withLock { $0 } }
    var minimumResolution: Duration { .nanoseconds(1) }
    func advance(by duration: Duration) { current.withLock { $0 = $0.advanced(by: duration) } }
    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        if deadline > now { advance(by: now.duration(to: deadline)) }
    }
}

/// Takes 1.5 s of the manual clock to say anything, and remembers what it said.
actor SlowSpeaker: PromptSpeaker {
    let clock: ManualClock
    private(set) var said: [String] = []
    init(clock: ManualClock) { self.clock = clock }
    func speak(_ text: String) async {
        said.append(text)
        clock.advance(by: .milliseconds(1500))
    }
}

@Suite struct LivenessCheckRunnerTests {
    /// Frames whose first pixel says what the fake detector sees: 1 = face with open eyes, 2 = eyes closed.
    private static func frame(_ marker: UInt8, seed: Int) -> FakeFrameSource.Event {
        let image = Scene.image(seed: seed)
        var pixels = image.pixels
        pixels[0] = marker
        return .frame(GrayImage(width: image.width, height: image.height, pixels: pixels))
    }

    private static let observer = FakeFaceObserver(frontal: { image in
        switch image.pixels[0] {
        case 1: return [Scene.face()]
        case 2: return [Scene.face(eyesOpen: false)]
        default: return []
        }
    })

    @Test func framesTakenWhileAPromptIsSpokenAreNotJudged() async {
        // 15 fps: positioning, then a blink at once (while "请眨一眨眼睛" is still being said),
        // open eyes, and a second blink well after the prompt ended.
        var events: [FakeFrameSource.Event] = []
        var seed = 0
        func add(_ marker: UInt8, _ count: Int) {
            for _ in 0..<count {
                seed += 1
                events.append(Self.frame(marker, seed: seed))
            }
        }
        add(1, 8)    // positioned after 400 ms of good frames: the prompt starts
        add(1, 2)    // a whole blink (open, closed, open) while the 1.5 s prompt is still being said
        add(2, 3)
        add(1, 30)   // 2 s of open eyes
        let blinkAt = events.count
        add(2, 2)
        add(1, 3)
        add(1, 40)   // then nothing more: the move-closer window runs out

        let clock = ManualClock()
        let speaker = SlowSpeaker(clock: clock)
        let source = FakeFrameSource(events, interval: .milliseconds(66))
        let runner = LivenessCheckRunner(source: source, observer: Self.observer, speaker: speaker)
        let (model, _) = await runner.run(plan: ChallengePlan(actions: [.blink, .moveCloser], nonce: "111111"), clock: clock)

        let blink = model.results.first { $0.action == .blink && $0.passed }
        #expect(blink != nil)
        // The window opened only after the prompt had been said (the first blink fell inside it),
        // so the blink credited is the later one.
        let opened = model.log.events.first { $0.kind == .windowOpened }
        let passed = model.log.events.first { $0.kind == .stepPassed }
        #expect((opened?.atMilliseconds ?? 0) >= 1500)
        #expect((passed?.atMilliseconds ?? 0) >= blinkAt * 66)
        #expect(await speaker.said.contains(ChallengeAction.blink.prompt))
    }

    /// A camera that gives a few frames, then waits until the task is cancelled.
    actor WaitingSource: FrameSource {
        private var frames: [FakeFrameSource.Event]
        private var sequence = 0
        init(_ frames: [FakeFrameSource.Event]) { self.frames = frames }
        func nextFrame(timeout: Duration) async throws(CameraError) -> CameraFrame {
            sequence += 1
            if !frames.isEmpty, case .frame(let image) = frames.removeFirst() {
                return CameraFrame(sequence: sequence, timestamp: .milliseconds(66) * sequence, image: image)
            }
            try? await Task.sleep(for: .seconds(3600))
            throw .timeout(timeout)
        }
        func close() async {}
    }

    @Test func cancellingIsChoosingCardAndPIN() async {
        let source = WaitingSource((0..<3).map { Self.frame(1, seed: $0) })
        let runner = LivenessCheckRunner(source: source, observer: Self.observer, speaker: SlowSpeaker(clock: ManualClock()))
        let task = Task { await runner.run(plan: ChallengePlan(actions: [.blink, .moveCloser], nonce: "222222"), clock: ManualClock()) }
        task.cancel()
        let (model, record) = await task.value
        #expect(record == nil)
        guard case .fallback(.citizenChose) = model.phase else {
            Issue.record("ended in \(model.phase)")
            return
        }
    }
}
