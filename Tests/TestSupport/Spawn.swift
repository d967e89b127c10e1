import Foundation

/// Starts programs with posix_spawn, output to a file, and waits by polling waitpid.
///
/// Foundation's `Process` on Linux learns that a child ended when a socket it handed the child
/// closes; a script that leaves a daemon running (pcscd, cupsd) passes that socket on, so
/// `Process` would wait for the daemon too. posix_spawn plus waitpid has no such coupling.
enum Spawn {
    /// Starts `executable`; standard output and error append to `outputPath` (or separate files).
    static func start(_ executable: String, _ arguments: [String], environment: [String: String],
                      outputPath: String, errorPath: String? = nil) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        if let errorPath {
            posix_spawn_file_actions_addopen(&actions, 2, errorPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        // Nothing else the test process has open reaches the child: a daemon that inherited another
        // test's socket or terminal would keep it open, or read from it, long after that test.
        // (glibc 2.34+ has it, but Swift's Glibc module does not declare it: looked up by name.)
        if let closeFrom = closeFromAction { _ = closeFrom(&actions, 3) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A fresh signal mask and default handlers: the test runner's blocked signals must not
        // leak into daemons that rely on SIGTERM.
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let merged = ProcessInfo.processInfo.environment
            .merging(TestEnvironment.childDefaults) { _, new in new }
            .merging(environment) { _, new in new }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw TestEnvironmentError.missing(what: executable, remedy: "cannot start it: \(String(cString: strerror(result)))")
        }
        return pid
    }

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let closeFromAction: CloseFrom? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: CloseFrom.self) }

    /// Waits for `pid` to exit without blocking a thread; returns its exit status (128+n for signal n).
    static func wait(_ pid: pid_t) async -> Int32 {
        while true {
            if let status = reap(pid) { return status }
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Collects `pid` if it has exited: its exit status, or nil while it runs (or was reaped before).
    static func reap(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        guard result == pid else { return result < 0 ? -1 : nil }
        let signal = status & 0x7F
        return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
    }
}
