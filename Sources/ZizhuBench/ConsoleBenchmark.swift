import ArgumentParser
import ConsoleDemo
import Foundation
import Synchronization
import TextConsole
#if canImport(Glibc)
import Glibc
#endif

/// TextConsole on a 120×22 grid (Noto Sans Mono CJK SC at 32 px on 1920×1080): what a frame costs
/// with the diff renderer beside a naive full repaint of the same frames, in the same run; then the
/// time from a tap to the answering frame through tmux, beside the same bytes echoed by `cat`.
struct ConsoleRender: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "TextConsole frame bytes and time (diff vs full repaint), and tap-to-screen latency through tmux.")

    @Option(help: "Frames per renderer and scenario.")
    var frames = 4000

    @Option(help: "Taps per side for the latency run.")
    var taps = 140

    @Option(help: "The zizhu-console-demo binary (default: next to this one).")
    var demo: String?

    @Flag(help: "Only the renderer figures (no tmux).")
    var skipLatency = false

    static let columns = 120
    static let rows = 22

    func validate() throws {
        guard frames >= 2, taps >= 7 else { throw ValidationError("frames must be ≥ 2 and taps ≥ 7") }
    }

    func run() async throws {
        report("grid \(Self.columns)x\(Self.rows), normal size mode, \(frames) frames per renderer and scenario")
        report(String(repeating: " ", count: 44) + "bytes/frame          µs/frame (render only)")
        report("scenario                                    diff    full  ratio    diff    full  ratio")
        for scenario in RenderScenario.all {
            scenario.measure(frames: frames)
        }
        guard !skipLatency else { return }
        let demoBinary = demo ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("zizhu-console-demo").path
        try TapLatency(demo: demoBinary, taps: taps).measure()
    }
}

/// Two frames the renderers alternate between, so every frame is a change.
struct RenderScenario {
    let name: String
    let first: CellBuffer
    let second: CellBuffer
    /// Time to lay out one of the two screens (view + ScreenLayout), the same for both renderers.
    let layoutMicroseconds: Double

    static func laidOut(_ first: ConsoleDemo.Model, _ second: ConsoleDemo.Model, name: String) -> RenderScenario {
        let demo = ConsoleDemo()
        let layout = ScreenLayout(columns: ConsoleRender.columns, rows: ConsoleRender.rows, mode: .normal)
        let start = ContinuousClock.now
        let repeats = 200
        var frames: [CellBuffer] = []
        for index in 0..<repeats {
            frames.append(layout.render(demo.view(index.isMultiple(of: 2) ? first : second)).buffer)
        }
        let layoutTime = (ContinuousClock.now - start).seconds / Double(repeats)
        return RenderScenario(name: name, first: frames[0], second: frames[1], layoutMicroseconds: layoutTime * 1e6)
    }

    /// A whole new screen (records → PIN pad), a page turn of a CJK table, and one widget (the PIN
    /// field and its count after one more digit).
    static var all: [RenderScenario] {
        [laidOut(.init(page: .records(page: 0)), .init(page: .pin, pin: [1, 2]), name: "full screen: records <-> PIN pad"),
         laidOut(.init(page: .records(page: 0)), .init(page: .records(page: 1)), name: "page turn: records page 1 <-> 2"),
         laidOut(.init(page: .pin, pin: [1, 2]), .init(page: .pin, pin: [1, 2, 3]), name: "one widget: PIN field 2 <-> 3 digits")]
    }

    func measure(frames: Int) {
        let diff = run(DiffRenderer(), frames: frames)
        let full = run(FullRepaintRenderer(), frames: frames)
        func pad(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        let line = name.padding(toLength: 40, withPad: " ", startingAt: 0)
            + pad(String(format: "%.0f", diff.bytes), 8) + pad(String(format: "%.0f", full.bytes), 8)
            + pad(String(format: "%.3f", diff.bytes / full.bytes), 7)
            + pad(String(format: "%.1f", diff.microseconds), 8) + pad(String(format: "%.1f", full.microseconds), 8)
            + pad(String(format: "%.2f", diff.microseconds / full.microseconds), 7)
        report(line + String(format: "   (layout %.0f µs/screen)", layoutMicroseconds))
    }

    /// Mean bytes and microseconds per frame. The renderer first draws `second` untimed, so every
    /// timed frame is a change from the other one.
    private func run(_ renderer: some FrameRenderer, frames: Int) -> (bytes: Double, microseconds: Double) {
        var renderer = renderer
        _ = renderer.render(second)
        var bytes = 0
        let start = ContinuousClock.now
        for index in 0..<frames {
            bytes += renderer.render(index.isMultiple(of: 2) ? first : second).utf8.count
        }
        let seconds = (ContinuousClock.now - start).seconds
        return (Double(bytes) / Double(frames), seconds / Double(frames) * 1e6)
    }
}

/// Tap to screen through a private tmux server, timed from a tmux control-mode client: the moment
/// it sends the SGR press and release (`send-keys -H`) to the moment tmux reports the pane's
/// output that ends the answering frame (the synchronized-update end, `ESC [ ? 2026 l`).
///
/// The baseline is the same bytes sent in the same way to a pane running `cat` on a raw tty, timed
/// until the echo is back: tmux, the pty and the control client with nothing behind them. Taps on
/// both sides alternate, so noise from the machine falls on both.
struct TapLatency {
    let demo: String
    let taps: Int

    func measure() throws {
        let tmux = "/usr/bin/tmux"
        guard FileManager.default.isExecutableFile(atPath: tmux) else { throw ConsoleBenchmarkError("tmux is missing: apt-get install tmux") }
        guard FileManager.default.isExecutableFile(atPath: demo) else { throw ConsoleBenchmarkError("no zizhu-console-demo at \(demo)") }
        let socket = "zizhu-bench-\(getpid())"
        let columns = String(ConsoleRender.columns), rows = String(ConsoleRender.rows)
        try runTmux(tmux, socket, ["-f", "/dev/null", "new-session", "-d", "-s", "demo", "-x", columns, "-y", rows,
                                   "exec \(demo) --idle-seconds 3600"])
        var panePIDs: [pid_t] = []
        defer {
            // The programs first (the demo restores its terminal on SIGTERM), then the server:
            // kill-server alone left the demo waiting on a pty nobody read.
            for pid in panePIDs { kill(pid, SIGTERM) }
            Thread.sleep(forTimeInterval: 0.2)
            _ = try? runTmux(tmux, socket, ["kill-server"])
        }
        // The echo pane is a second window of the demo's session: a control client hears only its
        // own session's panes. Made before `window-size manual`, after which tmux 3.3a's server died.
        try runTmux(tmux, socket, ["new-window", "-d", "-t", "demo", "-n", "echo", "stty raw -echo; exec cat"])
        try runTmux(tmux, socket, ["set", "-g", "window-size", "manual"])
        try runTmux(tmux, socket, ["set", "-g", "status", "off"])
        panePIDs = try runTmux(tmux, socket, ["list-panes", "-s", "-t", "demo", "-F", "#{pane_pid}"]).split(separator: "\n").compactMap { pid_t($0) }
        let demoPane = try runTmux(tmux, socket, ["display", "-p", "-t", "demo:0", "#{pane_id}"])
        let echoPane = try runTmux(tmux, socket, ["display", "-p", "-t", "demo:echo", "#{pane_id}"])

        let client = try ControlClient(tmux: tmux, socket: socket, session: "demo")
        defer { client.close() }

        // Where the targets are: the demo's own layout at the pane's size.
        let layout = ScreenLayout(columns: ConsoleRender.columns, rows: ConsoleRender.rows, mode: .normal)
        let demoProgram = ConsoleDemo()
        func centre(_ label: String, _ model: ConsoleDemo.Model) throws -> (Int, Int) {
            guard let button = layout.render(demoProgram.view(model)).buttons.first(where: { $0.label == label }) else {
                throw ConsoleBenchmarkError("no 「\(label)」 button")
            }
            return (button.rect.column + button.rect.width / 2 + 1, button.rect.row + button.rect.height / 2 + 1)
        }
        func click(_ position: (Int, Int)) -> [UInt8] {
            Array("\u{1B}[<0;\(position.0);\(position.1)M\u{1B}[<0;\(position.0);\(position.1)m".utf8)
        }
        let frameEnd = "\u{1B}[?2026l"

        // Wait for the first frame, then go to the PIN pad.
        let shown = ContinuousClock.now.advanced(by: .seconds(10))
        while try !runTmux(tmux, socket, ["capture-pane", "-p", "-t", "demo:0"]).contains("欢迎使用社保自助服务") {
            guard ContinuousClock.now < shown else { throw ConsoleBenchmarkError("the demo did not start in tmux") }
            Thread.sleep(forTimeInterval: 0.05)
        }
        _ = try client.send(click(try centre("开始", ConsoleDemo.Model())), pane: demoPane, until: "请输入社保卡密码", timeout: .seconds(10))
        client.settle()

        // Six digits, then 清空: seven different targets in turn, so no target is tapped twice
        // within the 500 ms debounce.
        let pinModel = ConsoleDemo.Model(page: .pin)
        var cycle = try (1...6).map { click(try centre(String($0), pinModel)) }
        cycle.append(click(try centre("清空", pinModel)))

        var demoSeconds: [Double] = []
        var echoSeconds: [Double] = []
        for index in 0..<taps {
            let bytes = cycle[index % cycle.count]
            demoSeconds.append(try client.send(bytes, pane: demoPane, until: frameEnd, timeout: .seconds(5)))
            client.settle()
            echoSeconds.append(try client.send(bytes, pane: echoPane, until: String(decoding: bytes, as: UTF8.self), timeout: .seconds(5)))
            // Past the debounce for the target after next, with a margin.
            Thread.sleep(forTimeInterval: 0.09)
            client.settle()
        }
        let demoSummary = Summary(demoSeconds)
        let echoSummary = Summary(echoSeconds)
        report("tap to screen through tmux, \(taps) taps per side (PIN pad digits and 清空)")
        report("zizhu-console-demo  median \(demoSummary.median.ms) ms  p99 \(demoSummary.p99.ms) ms")
        report("cat echo (baseline) median \(echoSummary.median.ms) ms  p99 \(echoSummary.p99.ms) ms")
        report(String(format: "ratio demo/echo (median): %.2f; the demo adds %.3f ms", demoSummary.median / echoSummary.median,
                     (demoSummary.median - echoSummary.median) * 1000))
    }

    /// Runs one tmux command and returns what it printed. posix_spawn and waitpid, not `Process`:
    /// the first command forks the tmux server, which would inherit the socket `Process` watches
    /// for the child's end (and a pipe for its output), so `Process` would wait for the server.
    @discardableResult
    func runTmux(_ tmux: String, _ socket: String, _ arguments: [String]) throws -> String {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("zizhu-bench-tmux-\(getpid()).out").path
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // No blocked signals and default handlers: the server and the panes' programs inherit
        // them, and a blocked SIGHUP or SIGTERM would keep them alive after kill-server.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv = ([tmux, "-L", socket] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, tmux, &actions, &attributes, argv, environ) == 0 else { throw ConsoleBenchmarkError("cannot start \(tmux)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else { throw ConsoleBenchmarkError("tmux \(arguments.joined(separator: " ")) failed") }
        return (try String(contentsOfFile: outputPath, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// A tmux control-mode client (`tmux -C attach`): commands go to its standard input; its standard
/// output is read on a thread of its own, each `%output` notification decoded and time-stamped
/// the moment it arrives.
final class ControlClient {
    private let process: Process
    private let commands: FileHandle
    private let received = PaneOutput()
    private let arrived = DispatchSemaphore(value: 0)

    init(tmux: String, socket: String, session: String) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: tmux)
        process.arguments = ["-L", socket, "-C", "attach", "-t", session]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        commands = input.fileHandleForWriting
        let descriptor = output.fileHandleForReading.fileDescriptor
        let received = self.received, arrived = self.arrived
        let reader = Thread {
            var line: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return }
                let now = ContinuousClock.now
                for byte in buffer[0..<count] {
                    guard byte == UInt8(ascii: "\n") else { line.append(byte); continue }
                    if let (pane, text) = Self.decodeOutput(line) {
                        received.panes.withLock { panes in
                            panes[pane] = ((panes[pane]?.text ?? "") + text, now)
                        }
                        arrived.signal()
                    }
                    line.removeAll(keepingCapacity: true)
                }
            }
        }
        reader.start()
    }

    /// `%output %3 text` with `\ooo` octal escapes for control bytes and backslash.
    static func decodeOutput(_ line: [UInt8]) -> (pane: String, text: String)? {
        let prefix = Array("%output ".utf8)
        guard line.starts(with: prefix), let space = line[prefix.count...].firstIndex(of: UInt8(ascii: " ")) else { return nil }
        let pane = String(decoding: line[prefix.count..<space], as: UTF8.self)
        var bytes: [UInt8] = []
        var index = space + 1
        while index < line.count {
            if line[index] == UInt8(ascii: "\\"), index + 3 < line.count,
               let value = UInt8(String(decoding: line[(index + 1)...(index + 3)], as: UTF8.self), radix: 8) {
                bytes.append(value)
                index += 4
            } else {
                bytes.append(line[index])
                index += 1
            }
        }
        return (pane, String(decoding: bytes, as: UTF8.self))
    }

    /// Sends `bytes` to `pane` as keys and returns the seconds until the pane's output since then
    /// contains `marker`.
    func send(_ bytes: [UInt8], pane: String, until marker: String, timeout: Duration) throws -> Double {
        received.panes.withLock { $0[pane] = nil }
        let hex = bytes.map { String($0, radix: 16) }.joined(separator: " ")
        let start = ContinuousClock.now
        commands.write(Data("send-keys -t \(pane) -H \(hex)\n".utf8))
        let deadline = start.advanced(by: timeout)
        while true {
            if let seen = received.panes.withLock({ $0[pane] }), seen.text.contains(marker) {
                return (seen.at - start).seconds
            }
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero, arrived.wait(timeout: .now() + left.seconds) == .success else {
                throw ConsoleBenchmarkError("pane \(pane) did not show \(marker.debugDescription) within \(timeout)")
            }
        }
    }

    /// Waits until no output has arrived for 30 ms, so the next measurement starts from quiet.
    func settle() {
        while arrived.wait(timeout: .now() + 0.03) == .success {}
        received.panes.withLock { $0.removeAll() }
    }

    func close() {
        commands.write(Data("detach\n".utf8))
        try? commands.close()
        // The reader thread ends by itself at the end of the client's output.
        process.waitUntilExit()
    }
}

/// Decoded output per pane since the last send, and when its newest part arrived.
final class PaneOutput: Sendable {
    let panes = Mutex<[String: (text: String, at: ContinuousClock.Instant)]>([:])
}

/// A benchmark that could not run, with what went wrong.
struct ConsoleBenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Prints a line at once (unbuffered), so a run cut short still shows what it measured.
func report(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
