import Foundation

/// A private pcscd with one vpcd reader, for tests that talk to cards through real PC/SC.
///
/// libpcsclite reads `PCSCLITE_CSOCK_NAME` once per process, so every private pcscd of one test
/// process uses the same socket folder, and only one runs at a time: ``with(_:)`` queues callers.
public struct PrivatePCSCD: Sendable {
    /// The port a card emulator connects to (vpcd's first slot).
    public let vpcdPort: UInt16
    /// The first slot's reader name, as PC/SC lists it.
    public let readerName: String
    public let directory: String
    public let process: ManagedProcess

    static let lock = AsyncSerialLock()
    static let readerBaseName = "Zizhu Test Reader"

    /// The socket folder shared by every pcscd this process starts.
    public static let directoryForThisProcess = "/tmp/zizhu-test-\(getpid())-pcscd"

    /// Starts a private pcscd, runs `body`, and stops pcscd whatever happens.
    public static func with<T: Sendable>(_ body: @Sendable (PrivatePCSCD) async throws -> T) async throws -> T {
        try await lock.withLock {
            let daemon = try await start()
            do {
                let result = try await body(daemon)
                await daemon.process.stop()
                return result
            } catch {
                await daemon.process.stop()
                throw error
            }
        }
    }

    private static func start(port: UInt16? = nil) async throws -> PrivatePCSCD {
        let directory = directoryForThisProcess
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // Before this process's first PC/SC call: libpcsclite caches the socket name.
        setenv("PCSCLITE_CSOCK_NAME", "\(directory)/run/pcscd.comm", 1)
        let vpcdPort = try port ?? FreePort.next(pair: true)
        let output: String
        do {
            output = try await TestEnvironment.run(TestEnvironment.script("lib/pcscd-env.sh"), [directory, String(vpcdPort), readerBaseName])
        } catch let failure as CommandFailure where failure.isMissingPackage {
            throw TestEnvironmentError.missing(what: "pcscd with vpcd", remedy: failure.errors + " (kiosk/test.sh installs it)")
        } catch let failure as CommandFailure {
            throw TestEnvironmentError.didNotStart(service: "pcscd", log: failure.errors)
        }
        guard let pid = Int32(output.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw TestEnvironmentError.didNotStart(service: "pcscd", log: output)
        }
        let process = ManagedProcess(adopting: pid, name: "pcscd", logPath: "\(directory)/pcscd.log")
        return PrivatePCSCD(vpcdPort: vpcdPort, readerName: "\(readerBaseName) 00 00", directory: directory, process: process)
    }

    /// Kills pcscd (SIGKILL, like a crash) and starts a new one on the same port and socket, so
    /// clients see `SCARD_E_NO_SERVICE` and then a fresh daemon.
    public func crashAndRestart(after pause: Duration = .zero) async throws -> PrivatePCSCD {
        await process.kill9()
        if pause > .zero { try await Task.sleep(for: pause) }
        return try await Self.start(port: vpcdPort)
    }

    /// Starts `zizhu-cardsim` against this pcscd's first slot (card inserted).
    public func startCardSimulator(arguments: [String] = []) throws -> ManagedProcess {
        try ManagedProcess(
            name: "zizhu-cardsim", executable: TestEnvironment.executable("zizhu-cardsim"),
            arguments: ["--port", String(vpcdPort)] + arguments,
            logPath: "\(directory)/cardsim-\(UUID().uuidString.prefix(8)).log")
    }
}
