import Foundation
import HubAPI
import HubClient
import TestSupport
import Testing

/// The hub binary over real HTTP on loopback, reached through the generated client.
@Suite(.timeLimit(.minutes(2)))
struct HubHealthTests {
    @Test func aFreshHubAnswersHealth() async throws {
        let hub = try await HubUnderTest.start(arguments: ["--database", "\(try TestEnvironment.temporaryDirectory("hubdb"))/hub.sqlite"])
        let version = try await HubConnection(baseURL: hub.url).health()
        #expect(version == ZizhuVersion.current)
        await hub.stop()
        #expect(!hub.process.isRunning)
    }

    @Test func aStoppedHubIsUnreachable() async throws {
        let hub = try await HubUnderTest.start(arguments: ["--database", "\(try TestEnvironment.temporaryDirectory("hubdb"))/hub.sqlite"])
        await hub.stop()
        await #expect {
            _ = try await HubConnection(baseURL: hub.url, timeout: .seconds(2)).health()
        } throws: { error in
            if case HubConnectionError.unreachable = error { return true }
            return false
        }
    }

    @Test func aBadConfigurationFileStopsTheHubWithAClearMessage() async throws {
        let directory = try TestEnvironment.temporaryDirectory("hubconfig")
        let file = "\(directory)/hub.yaml"
        try "listen:\n  port: seventy\n".write(toFile: file, atomically: true, encoding: .utf8)
        let failure = await #expect(throws: CommandFailure.self) {
            try await TestEnvironment.run(TestEnvironment.executable("zizhu-hub"), ["serve", "--config", file])
        }
        #expect(failure?.errors.contains("\(file):2: listen.port: \"seventy\" is not allowed") == true)
    }

    @Test func invalidURLsAreRefusedBeforeAnyRequest() {
        #expect(throws: HubConnectionError.invalidURL("not a url")) { try HubConnection(baseURL: "not a url") }
    }
}
