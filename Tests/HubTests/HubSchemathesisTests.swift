import Foundation
import TestSupport
import Testing

/// schemathesis generates requests from openapi.yaml (valid, invalid, unknown methods, missing and
/// broken authentication) and checks every answer against the document. A loopback proxy
/// (kiosk/lib/hub_signing_proxy.py) signs the requests schemathesis means to be authenticated as
/// an enrolled test kiosk, from the document's description of the signature alone.
@Suite(.timeLimit(.minutes(5)))
struct HubSchemathesisTests {
    @Test func theHubAnswersEveryGeneratedRequestAsTheContractSays() async throws {
        let venv = ProcessInfo.processInfo.environment["ZIZHU_TEST_VENV"] ?? "/var/cache/zizhu-test/venv"
        let schemathesis = try TestEnvironment.requireProgram("\(venv)/bin/schemathesis",
                                                              package: "schemathesis (kiosk/test.sh makes the virtual environment \(venv))")
        let fixture = try await HubFixture.start(.sqlite)
        let directory = try TestEnvironment.temporaryDirectory("schemathesis")
        let port = try FreePort.next()
        let proxy = try ManagedProcess(
            name: "hub-signing-proxy", executable: "\(venv)/bin/python",
            arguments: [TestEnvironment.script("lib/hub_signing_proxy.py"), fixture.hub.url, try await fixture.enrollmentCode(), String(port)],
            logPath: "\(directory)/proxy.log")
        do {
            try await TestEnvironment.waitUntil("the signing proxy", timeout: .seconds(20)) {
                guard proxy.isRunning else { throw TestEnvironmentError.didNotStart(service: "hub-signing-proxy", log: proxy.log()) }
                return FreePort.isListening(port)
            }
            // A fixed seed keeps CI reproducible; ZIZHU_SCHEMATHESIS_SEED explores further.
            let seed = ProcessInfo.processInfo.environment["ZIZHU_SCHEMATHESIS_SEED"] ?? "20261123"
            let report = try await TestEnvironment.run(schemathesis, [
                "run", "\(TestEnvironment.repositoryRoot)/Sources/HubAPI/openapi.yaml", "--url", "http://127.0.0.1:\(port)",
                "-H", "Signature: sign-me", "--checks", "all", "--max-examples", "40", "--seed", seed,
                "--generation-database", "none", "--report-dir", "\(directory)/report", "--no-color",
            ])
            // schemathesis exits non-zero on any failure (run throws with its report); this also
            // insists that it reached every operation rather than skipping them.
            #expect(report.contains("Tested: 7") && report.contains("No issues found"), "\(report)")
        } catch {
            await proxy.stop()
            await fixture.stop()
            throw error
        }
        await proxy.stop()
        await fixture.stop()
    }
}
