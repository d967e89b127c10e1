/// A scripted camera for tests of the code above ``FrameSource``: frames, stalls, bad frames and
/// an unplug, in the order given, with timestamps at a fixed frame interval.
public actor FakeFrameSource: FrameSource {
    public enum Event: Sendable {
        case frame(GrayImage)
        /// The next call times out (the camera stalled).
        case stall
        /// The next call gets a frame that cannot be decoded.
        case badFrame
        /// The camera is unplugged: this and every later call fail.
        case unplug
    }

    private let events: [Event]
    private let interval: Duration
    private var next = 0
    private var sequence = 0
    private var unplugged = false
    public private(set) var closeCount = 0

    public init(_ events: [Event], interval: Duration = .milliseconds(66)) {
        self.events = events
        self.interval = interval
    }

    public func nextFrame(timeout: Duration) async throws(CameraError) -> CameraFrame {
        guard !unplugged else { throw .unplugged(path: "fake") }
        guard next < events.count else { throw .ended }
        let event = events[next]
        next += 1
        // Every event takes one frame interval, so the clock moves on through stalls too.
        defer { sequence += 1 }
        switch event {
        case .frame(let image):
            return CameraFrame(sequence: sequence, timestamp: interval * sequence, image: image)
        case .stall:
            throw .timeout(timeout)
        case .badFrame:
            throw .badFrame("fake corrupt frame \(sequence)")
        case .unplug:
            unplugged = true
            throw .unplugged(path: "fake")
        }
    }

    public func close() async {
        closeCount += 1
    }
}
