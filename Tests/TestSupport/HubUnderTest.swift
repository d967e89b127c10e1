import Foundation

/// A `zizhu-hub serve` process on a free loopback port.
public struct HubUnderTest: Sendable {
    public let port: UInt16
    public let directory: String
    public let process: ManagedProcess

    public var url: String { "http://127.0.0.1:\(port)" }

    /// Starts the hub and waits until it accepts connections; on `port` to restart one that a
    /// kiosk already knows, else on a free port.
    public static func start(arguments: [String] = [], environment: [String: String] = [:], port: UInt16? = nil) async throws -> HubUnderTest {
        let port = try port ?? FreePort.next()
        let directory = try TestEnvironment.temporaryDirectory("hub")
        let process = try ManagedProcess(
            name: "zizhu-hub", executable: TestEnvironment.executable("zizhu-hub"),
            arguments: ["serve", "--host", "127.0.0.1", "--port", String(port)] + arguments,
            // The evidence key in the hub's private folder, not the working directory (PostgreSQL's default).
            environment: ["ZIZHU_STORAGE_EVIDENCE_KEY": "\(directory)/evidence.key"].merging(environment) { $1 }, logPath: "\(directory)/hub.log")
        try await TestEnvironment.waitUntil("zizhu-hub on port \(port)", timeout: .seconds(60)) {
            guard process.isRunning else { throw TestEnvironmentError.didNotStart(service: "zizhu-hub", log: process.log()) }
            return FreePort.isListening(port)
        }
        return HubUnderTest(port: port, directory: directory, process: process)
    }

    public func stop() async {
        await process.stop()
    }
}
