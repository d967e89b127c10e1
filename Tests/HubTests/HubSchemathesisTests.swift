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
            let contract = "\(TestEnvironment.repositoryRoot)/Sources/HubAPI/openapi.yaml"
            let operations = try await Self.operationCount(contract, python: "\(venv)/bin/python")
            // kiosk/lib/schemathesis.toml: where a 400 is the right answer to schema-valid data
            // (a citizen ID's check character, a day that does not exist), and nowhere else.
            let report = try await TestEnvironment.run(schemathesis, [
                "--config-file", TestEnvironment.script("lib/schemathesis.toml"),
                "run", contract, "--url", "http://127.0.0.1:\(port)",
                "-H", "Signature: sign-me", "--checks", "all", "--max-examples", "40", "--seed", seed,
                "--generation-database", "none", "--report-dir", "\(directory)/report", "--no-color",
            ])
            // schemathesis exits non-zero on any failure (run throws with its report); this also
            // insists that it reached every operation of the contract rather than skipping some.
            let summary = Set(report.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
            #expect(summary.contains("Selected: \(operations)/\(operations)") && summary.contains("Tested: \(operations)")
                        && report.contains("No issues found"), "\(report)")
        } catch {
            await proxy.stop()
            await fixture.stop()
            throw error
        }
        await proxy.stop()
        await fixture.stop()
    }

    /// The operations (path and method pairs) openapi.yaml describes, read with the venv's PyYAML
    /// (schemathesis's own dependency), so the expectation follows the contract.
    static func operationCount(_ contract: String, python: String) async throws -> Int {
        let output = try await TestEnvironment.run(python, ["-c", """
            import sys, yaml
            methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
            paths = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))["paths"]
            print(sum(1 for item in paths.values() for key in item if key in methods))
            """, contract])
        return try #require(Int(output.trimmingCharacters(in: .whitespacesAndNewlines)), "operation count: \(output)")
    }
}
