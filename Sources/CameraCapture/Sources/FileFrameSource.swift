import Foundation

/// Plays recorded frames (JPEG or binary PGM files) as if a camera delivered them at a fixed rate:
/// the demo's camera, and the tests' way to replay a scripted sequence through the real decode path.
///
/// Frame `n` has timestamp `n / framesPerSecond`, whatever the pacing, so an immediate replay is
/// deterministic. Paced in real time, a reader that falls behind gets the frame due now, as from
/// a camera, and the missed frames are dropped.
public actor FileFrameSource: FrameSource {
    public enum Pacing: Sendable {
        /// Waits until each frame's time has come, like a camera (the demo).
        case realTime
        /// Delivers the next frame at once (tests, benchmarks).
        case immediate
    }

    public enum AtEnd: Sendable {
        /// Throws ``CameraError/ended``.
        case stop
        /// Starts again from the first file: an endless demo camera, or a replayed frame loop.
        case loop
    }

    private let files: [URL]
    private let interval: Duration
    private let pacing: Pacing
    private let atEnd: AtEnd
    private var next = 0
    private var started: ContinuousClock.Instant?
    private var closed = false

    /// - Parameters:
    ///   - files: JPEG (`.jpg`, `.jpeg`) or PGM (`.pgm`) frames, played in this order.
    ///   - framesPerSecond: the rate the timestamps (and real-time pacing) follow.
    public init(files: [URL], framesPerSecond: Double = 15, pacing: Pacing = .realTime, atEnd: AtEnd = .stop) {
        precondition(framesPerSecond > 0, "a frame rate must be positive")
        self.files = files
        self.interval = .nanoseconds(Int64((1e9 / framesPerSecond).rounded()))
        self.pacing = pacing
        self.atEnd = atEnd
    }

    /// Every `.jpg`, `.jpeg` and `.pgm` file in `directory`, in name order (`frame-0001.jpg`, …).
    /// - Throws: ``CameraError/deviceMissing(path:)`` if the directory cannot be read or holds no frames.
    public static func directory(_ directory: URL, framesPerSecond: Double = 15, pacing: Pacing = .realTime,
                                 atEnd: AtEnd = .stop) throws(CameraError) -> FileFrameSource {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        } catch {
            throw .deviceMissing(path: directory.path)
        }
        let frames = names.filter { ["jpg", "jpeg", "pgm"].contains(($0 as NSString).pathExtension.lowercased()) }
            .sorted()
            .map { directory.appendingPathComponent($0) }
        guard !frames.isEmpty else { throw .deviceMissing(path: directory.path) }
        return FileFrameSource(files: frames, framesPerSecond: framesPerSecond, pacing: pacing, atEnd: atEnd)
    }

    public func nextFrame(timeout: Duration) async throws(CameraError) -> CameraFrame {
        guard !closed else { throw .ended }
        guard !files.isEmpty else { throw .ended }
        if next >= files.count, atEnd == .stop { throw .ended }
        if pacing == .realTime {
            // Like a camera, a late reader gets the frame due now; the ones it missed are dropped.
            let clock = ContinuousClock()
            let start = started ?? clock.now
            started = start
            let due = Int((start.duration(to: clock.now) / interval).rounded(.down))
            if due > next {
                next = due
                if next >= files.count, atEnd == .stop { throw .ended }
            }
        }
        let sequence = next
        let timestamp = interval * sequence
        if pacing == .realTime {
            let clock = ContinuousClock()
            let start = started ?? clock.now
            let due = start + timestamp
            if due - clock.now > timeout {
                try? await Task.sleep(until: clock.now + timeout, clock: clock)
                throw .timeout(timeout)
            }
            try? await Task.sleep(until: due, clock: clock)
        }
        next += 1
        let file = files[sequence % files.count]
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: file))
        } catch {
            throw .badFrame("\(file.lastPathComponent): cannot be read")
        }
        return try Self.decode(bytes, name: file.lastPathComponent, sequence: sequence, timestamp: timestamp)
    }

    public func close() async {
        closed = true
    }

    /// JPEG or PGM bytes to a frame; the JPEG bytes are kept as the frame's colour original.
    static func decode(_ bytes: [UInt8], name: String, sequence: Int, timestamp: Duration) throws(CameraError) -> CameraFrame {
        if bytes.starts(with: [0x50, 0x35]) {   // "P5"
            do {
                return CameraFrame(sequence: sequence, timestamp: timestamp, image: try PortableGrayMap.parse(bytes))
            } catch {
                throw .badFrame("\(name): \(error)")
            }
        }
        do {
            return CameraFrame(sequence: sequence, timestamp: timestamp, image: try JPEGDecoder.decodeGray(bytes), jpeg: bytes)
        } catch {
            throw .badFrame("\(name): \(error)")
        }
    }
}
