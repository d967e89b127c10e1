import ArgumentParser
import Foundation
import KioskCore
import SocialSecurityCard
import Synchronization

@main
struct ZizhuBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zizhu-bench",
        abstract: "Benchmarks that compare Zizhu with a baseline measured in the same run (see BENCHMARKS.md).",
        subcommands: [CardRead.self, HubIngest.self, HubServicesBench.self, ConsoleRender.self, PrintBench.self, JournalBench.self, FaceDetectBench.self, LivenessLoopBench.self, DashboardBench.self])
}

/// Card read: connect, read EF05 and EF06, parse the holder, release — against the same APDU
/// sequence sent by pyscard, through the same pcscd and card, in the same run.
struct CardRead: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "card-read",
        abstract: "Time a full card read in Swift and the same APDUs through pyscard.")

    @Option(help: "PC/SC reader holding the card (an emulated card: zizhu-cardsim).")
    var reader: String

    @Option(help: "Reads per side.")
    var iterations = 200

    @Option(help: "The pyscard replay script.")
    var pyscard = "kiosk/bench/pyscard_replay.py"

    func run() async throws {
        let context = try PCSCContext()
        // One traced read records the exact command sequence for pyscard.
        let commands = Mutex<[String]>([])
        let traced = try CardSession(context: context, reader: reader) { trace, _ in
            commands.withLock { $0.append(trace.replacingOccurrences(of: " ", with: "")) }
        }
        let holder = try traced.readCardHolder(today: nil)
        traced.close()
        // Only reads are replayed; the sequence holds no PIN.
        let sequence = commands.withLock { $0 }
        print("card: spec \(holder.card.specVersion), \(sequence.count) APDUs per read (61xx/6Cxx follow-ups included)")

        var swiftSeconds: [Double] = []
        for _ in 0..<iterations {
            let start = ContinuousClock.now
            let session = try CardSession(context: context, reader: reader)
            _ = try session.readCardHolder(today: nil)
            session.close()
            swiftSeconds.append((ContinuousClock.now - start).seconds)
        }

        // pyscard sends the commands as first sent, and follows 61xx/6Cxx itself.
        let firstCommands = sequence.filter { !$0.hasPrefix("00C00000") }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("zizhu-bench-apdus-\(getpid()).txt")
        try firstCommands.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        python.arguments = [pyscard, reader, file.path, String(iterations)]
        let output = Pipe()
        python.standardOutput = output
        try python.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        python.waitUntilExit()
        guard python.terminationStatus == 0 else { throw ValidationError("pyscard replay failed (is python3-pyscard installed?)") }
        let pyscardSeconds = String(decoding: data, as: UTF8.self).split(separator: "\n").compactMap { Double($0) }

        let swift = Summary(swiftSeconds)
        let baseline = Summary(pyscardSeconds)
        print("swift   median \(swift.median.ms) ms  p99 \(swift.p99.ms) ms  per APDU \((swift.median / Double(sequence.count)).ms) ms")
        print("pyscard median \(baseline.median.ms) ms  p99 \(baseline.p99.ms) ms  per APDU \((baseline.median / Double(firstCommands.count)).ms) ms")
        print("ratio swift/pyscard (median): \(String(format: "%.2f", swift.median / baseline.median))")
    }
}

struct Summary {
    let median: Double
    let p99: Double

    init(_ samples: [Double]) {
        let sorted = samples.sorted()
        median = sorted.isEmpty ? .nan : sorted[sorted.count / 2]
        p99 = sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count) * 0.99))]
    }
}

extension Double {
    var ms: String { String(format: "%.3f", self * 1000) }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
