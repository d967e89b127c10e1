import ArgumentParser
import CameraCapture
import Foundation
import Liveness
import Synchronization

/// The whole liveness check loop, sustained, on one core: the file camera plays a scripted
/// recording made from Debian's photos (kiosk/lib/challenge_frames.py: approach, blink, move
/// closer, turn) as JPEG; each frame is decoded, searched for face and eyes (profiles when a turn
/// is expected and no frontal face is seen), gated, and fed to the state machine, by the runner
/// the kiosk uses, until the check submits. Beside it, in the same run, OpenCV does the per-frame
/// work without a state machine (kiosk/bench/liveness_loop_opencv.py). Goal: ≥ 15 fps.
struct LivenessLoopBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "liveness-loop",
        abstract: "Frames per second of the whole liveness check loop on one core, beside OpenCV doing the per-frame work.")

    @Option(help: "Complete checks (passes over the recording) per side, per round.")
    var passes = 10

    @Option(help: "Rounds; each runs OpenCV and then Swift.")
    var rounds = 3

    @Option(help: "The recording generator.")
    var generator = "kiosk/lib/challenge_frames.py"

    @Option(help: "The OpenCV baseline script.")
    var opencv = "kiosk/bench/liveness_loop_opencv.py"

    /// Counts the frames the check actually consumed.
    final class CountingSource: FrameSource {
        let inner: any FrameSource
        let count = Atomic<Int>(0)
        init(_ inner: any FrameSource) { self.inner = inner }
        func nextFrame(timeout: Duration) async throws(CameraError) -> CameraFrame {
            let frame = try await inner.nextFrame(timeout: timeout)
            count.add(1, ordering: .relaxed)
            return frame
        }
        func close() async { await inner.close() }
    }

    struct Silent: PromptSpeaker {
        func speak(_ text: String) async {}
    }

    struct Baseline: Decodable {
        let frames: Int
        let seconds: Double
    }

    func run() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("zizhu-bench-liveness-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try python([generator, directory.path])
        let recording = directory.appendingPathComponent("live_blink_closer_turn")
        let finder = try FaceFinder.loadDebianCascades()
        let plan = ChallengePlan(actions: [.blink, .moveCloser, .turnLeft], nonce: "000000")

        var swiftRates: [Double] = []
        var opencvRates: [Double] = []
        var framesPerCheck = 0
        for _ in 0..<rounds {
            var frames = 0
            let start = ContinuousClock.now
            for _ in 0..<passes {
                let source = CountingSource(try FileFrameSource.directory(recording, framesPerSecond: 15, pacing: .immediate))
                let runner = LivenessCheckRunner(source: source, observer: finder, speaker: Silent())
                let (model, record) = await runner.run(plan: plan)
                guard case .submitted = model.phase, record != nil else {
                    throw ValidationError("the scripted check did not submit (\(model.phase)): the timing would measure different work")
                }
                framesPerCheck = source.count.load(ordering: .relaxed)
                frames += framesPerCheck
            }
            swiftRates.append(Double(frames) / (ContinuousClock.now - start).seconds)
            // The same frames, the same number of times, through OpenCV.
            let output = try python([opencv, recording.path, String(passes), String(framesPerCheck)])
            let baseline = try JSONDecoder().decode(Baseline.self, from: Data(output.utf8))
            opencvRates.append(Double(baseline.frames) / baseline.seconds)
        }
        let swift = Summary(swiftRates).median
        let baseline = Summary(opencvRates).median
        print("check loop: \(framesPerCheck) frames per check (640×480 JPEG), \(passes) checks per round, \(rounds) rounds")
        print("swift  whole loop (decode, face+eyes, gates, state machine): \(String(format: "%.1f", swift)) fps (rounds: \(swiftRates.map { String(format: "%.1f", $0) }.joined(separator: ", ")))")
        print("opencv per-frame work (decode, face+eyes, gates), 1 thread:  \(String(format: "%.1f", baseline)) fps")
        print("ratio swift/opencv fps (median): \(String(format: "%.2f", swift / baseline))   goal ≥ 15 fps: \(swift >= 15 ? "met" : "NOT met")")
    }

    private func python(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ValidationError("\(arguments[0]) failed (are python3-opencv, opencv-data and python3-skimage installed?)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
