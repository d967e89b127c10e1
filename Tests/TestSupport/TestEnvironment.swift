import Foundation

/// Something a test needs that this machine lacks, with what to do about it.
public enum TestEnvironmentError: Error, CustomStringConvertible {
    case missing(what: String, remedy: String)
    case didNotStart(service: String, log: String)
    case timedOut(String)

    public var description: String {
        switch self {
        case .missing(let what, let remedy): return "\(what) is missing: \(remedy)"
        case .didNotStart(let service, let log): return "\(service) did not start. Its output:\n\(log)"
        case .timedOut(let what): return "timed out waiting for \(what)"
        }
    }
}

/// Where things are: the repository, the built executables, scratch folders.
public enum TestEnvironment {
    /// The repository root (the folder holding Package.swift).
    public static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url.path }
        }
        fatalError("TestSupport must live inside the repository")
    }()

    /// The folder with the built executables: `ZIZHU_BIN_DIR`, else beside the test binary.
    public static let binDirectory: String = {
        if let explicit = ProcessInfo.processInfo.environment["ZIZHU_BIN_DIR"] { return explicit }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var url = URL(fileURLWithPath: executable).deletingLastPathComponent()
        // Swift Testing on Linux runs <bin>/zizhuPackageTests.xctest directly.
        while url.path != "/" && !FileManager.default.fileExists(atPath: url.appendingPathComponent("zizhu-hub").path) {
            url.deleteLastPathComponent()
        }
        return url.path
    }()

    /// The path of a built Zizhu executable, e.g. `zizhu-hub`.
    public static func executable(_ name: String) throws -> String {
        let path = "\(binDirectory)/\(name)"
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestEnvironmentError.missing(what: path, remedy: "run `swift build` before the tests (kiosk/test.sh does)")
        }
        return path
    }

    /// Settings every program a test starts gets (a test's own environment overrides them).
    ///
    /// Staff password hashes at scrypt's lowest accepted cost: in a debug build BoringSSL's
    /// scrypt takes about 2 s per hash at the standard cost 15, the login tests hash dozens of
    /// times, and that CPU starves every other test running beside them. The cost is stored in
    /// each hash, so login, lockout and decoy paths run exactly as at cost 15
    /// (DashboardUnitTests checks the standard cost itself).
    public static let childDefaults = ["ZIZHU_DASHBOARD_PASSWORD_COST": "10"]

    /// A script under `kiosk/`.
    public static func script(_ relativePath: String) -> String {
        "\(repositoryRoot)/kiosk/\(relativePath)"
    }

    /// A system program a test depends on, or an error naming the Debian package to install.
    public static func requireProgram(_ path: String, package: String) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestEnvironmentError.missing(what: path, remedy: "apt-get install \(package) (kiosk/test.sh installs it)")
        }
        return path
    }

    /// A new empty folder under /tmp, unique to this call.
    public static func temporaryDirectory(_ label: String) throws -> String {
        let path = "/tmp/zizhu-test-\(getpid())-\(label)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Runs a program to completion and returns its standard output; throws with its output if it fails.
    ///
    /// Output goes through files, not pipes, and the wait polls waitpid: a daemon the program
    /// leaves running (pcscd, cupsd) must not hold the caller up. Waiting suspends instead of
    /// blocking, so the few threads of the test process stay free for other tests.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> String {
        let scratch = try temporaryDirectory("run")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let outPath = "\(scratch)/stdout"
        let errPath = "\(scratch)/stderr"
        guard FileManager.default.createFile(atPath: outPath, contents: nil),
              FileManager.default.createFile(atPath: errPath, contents: nil) else {
            throw TestEnvironmentError.missing(what: "a writable scratch folder at \(scratch)", remedy: "check /tmp")
        }
        let pid = try Spawn.start(executable, arguments, environment: environment, outputPath: outPath, errorPath: errPath)
        let status = await Spawn.wait(pid)
        let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        guard status == 0 else {
            throw CommandFailure(command: ([executable] + arguments).joined(separator: " "), status: status,
                                 output: out, errors: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "")
        }
        return out
    }

    /// Runs a program that must fail (a refused configuration, say) and returns what it printed
    /// on both streams; throws if it succeeded.
    public static func runExpectingFailure(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> String {
        do {
            let output = try await run(executable, arguments, environment: environment)
            throw UnexpectedSuccess(command: ([executable] + arguments).joined(separator: " "), output: output)
        } catch let failure as CommandFailure {
            return failure.output + failure.errors
        }
    }

    public struct UnexpectedSuccess: Error, CustomStringConvertible {
        public let command: String
        public let output: String
        public var description: String { "\(command) succeeded but should have failed; it printed: \(output)" }
    }

    /// Polls `condition` every 10 ms until it holds or `timeout` passes.
    public static func waitUntil(_ what: String, timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        // Once more after the deadline: under load this task may not have run for a while, and
        // what it waits for may have happened meanwhile.
        if try await condition() { return }
        throw TestEnvironmentError.timedOut(what)
    }
}

/// A program exited with a failure status.
public struct CommandFailure: Error, CustomStringConvertible {
    public let command: String
    public let status: Int32
    public let output: String
    public let errors: String

    public var description: String { "`\(command)` exited \(status): \(errors)\(output)" }

    /// Exit status 3 from our scripts means a package is missing.
    public var isMissingPackage: Bool { status == 3 }
}
