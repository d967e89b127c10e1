import Foundation
import TestSupport
import Testing

/// The helpers every suite relies on start real services and stop them by PID.
@Suite(.timeLimit(.minutes(3)))
struct ServiceHelperTests {
    @Test func postgresqlStartsAnswersAndStops() async throws {
        let postgres = try await PrivatePostgreSQL.start()
        #expect(try await postgres.psql("SELECT 40 + 2").trimmingCharacters(in: .whitespacesAndNewlines) == "42")
        #expect(postgres.process.isRunning)
        await postgres.stop()
        #expect(!postgres.process.isRunning)
    }

    @Test func cupsdStopsByPID() async throws {
        let cups = try await PrivateCUPSD.start(receiptPrinterPort: try FreePort.next())
        let queues = try await cups.tool("lpstat", ["-p"])
        #expect(queues.contains("zizhu-receipt"))
        #expect(queues.contains("zizhu-a4"))
        await cups.stop()
        #expect(!cups.process.isRunning)
    }

    @Test func freePortsAreDistinct() throws {
        let ports = try (0..<20).map { _ in try FreePort.next() }
        #expect(Set(ports).count == ports.count)
        let pair = try FreePort.next(pair: true)
        #expect(FreePort.isFree(pair) && FreePort.isFree(pair + 1))
    }

    @Test func aMissingProgramNamesItsPackage() {
        let error = #expect(throws: TestEnvironmentError.self) {
            try TestEnvironment.requireProgram("/usr/bin/zizhu-no-such-tool", package: "zizhu-imaginary")
        }
        #expect(error?.description.contains("apt-get install zizhu-imaginary") == true)
    }

    @Test func stopEscalatesToSIGKILL() async throws {
        let directory = try TestEnvironment.temporaryDirectory("stubborn")
        // A shell that ignores SIGTERM: stop() must still end it.
        let process = try ManagedProcess(name: "stubborn", executable: "/bin/sh",
                                         arguments: ["-c", "trap '' TERM; while :; do sleep 0.05; done"],
                                         logPath: "\(directory)/log")
        try await Task.sleep(for: .milliseconds(100))
        await process.stop(grace: .milliseconds(300))
        #expect(!process.isRunning)
    }
}
