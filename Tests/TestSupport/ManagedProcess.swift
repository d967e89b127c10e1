import Foundation
import Synchronization

/// A child process started by a test, known by PID and always stopped: by the test through
/// ``stop()``, or at the latest when the test process exits.
public final class ManagedProcess: Sendable {
    public let pid: Int32
    public let name: String
    /// Where the process's standard output and error go.
    public let logPath: String

    /// Starts `executable` with `arguments`; output goes to `logPath`.
    public init(name: String, executable: String, arguments: [String], environment: [String: String] = [:], logPath: String) throws {
        guard FileManager.default.isExecutableFile(atPath: executable) else {
            throw TestEnvironmentError.missing(what: executable, remedy: "build first (swift build) or install the package that provides it")
        }
        self.pid = try Spawn.start(executable, arguments, environment: environment, outputPath: logPath)
        self.name = name
        self.logPath = logPath
        ProcessRegistry.shared.register(pid)
    }

    /// Adopts a process started elsewhere (a script that printed its PID).
    public init(adopting pid: Int32, name: String, logPath: String) {
        self.pid = pid
        self.name = name
        self.logPath = logPath
        ProcessRegistry.shared.register(pid)
    }

    /// Whether the process still runs (and is not a zombie).
    public var isRunning: Bool {
        guard kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        // Field 3, after the parenthesised command name, is the state; Z is a zombie.
        guard let close = stat.lastIndex(of: ")") else { return true }
        return !stat[stat.index(close, offsetBy: 2)...].hasPrefix("Z")
    }

    /// SIGTERM, then SIGKILL after `grace`; waits until the process is gone.
    public func stop(grace: Duration = .seconds(5)) async {
        ProcessRegistry.shared.unregister(pid)
        guard isRunning else { reap(); return }
        kill(pid, SIGTERM)
        let clock = ContinuousClock()
        let deadline = clock.now + grace
        while isRunning && clock.now < deadline {
            reap()
            try? await Task.sleep(for: .milliseconds(10))
        }
        if isRunning { kill(pid, SIGKILL) }
        while isRunning {
            reap()
            try? await Task.sleep(for: .milliseconds(5))
        }
        reap()
    }

    /// SIGKILL at once: a crash, a power cut, `kill -9`.
    public func kill9() async {
        ProcessRegistry.shared.unregister(pid)
        kill(pid, SIGKILL)
        while isRunning {
            reap()
            try? await Task.sleep(for: .milliseconds(5))
        }
        reap()
    }

    /// The process's output so far.
    public func log() -> String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    private func reap() {
        _ = Spawn.reap(pid)
    }
}

/// Every PID a test started and has not stopped; killed when the test process exits, so a failed
/// or interrupted test run leaves no daemon behind.
final class ProcessRegistry: Sendable {
    static let shared = ProcessRegistry()
    private let pids = Mutex<Set<Int32>>([])

    private init() {
        atexit {
            for pid in ProcessRegistry.shared.pids.withLock({ $0 }) {
                kill(pid, SIGKILL)
            }
        }
    }

    func register(_ pid: Int32) { _ = pids.withLock { $0.insert(pid) } }
    func unregister(_ pid: Int32) { _ = pids.withLock { $0.remove(pid) } }
}
