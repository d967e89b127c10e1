import ArgumentParser
import Foundation
import HubStore
import Logging
import ZizhuConfiguration

/// Operator actions on the hub's store. They open the hub's database directly (the same
/// `storage.database` the hub uses, from /etc/zizhu/hub.yaml or `--database`) instead of calling
/// the hub over the network: the hub exposes no operator endpoint to attack, and whoever may run
/// them is whoever may open the database. Changes take effect at the hub's next request, since it
/// reads kiosks from the store on every request.
struct HubStoreOptions: ParsableArguments {
    @Option(help: "Hub configuration file. Default: \(HubConfiguration.defaultPath) if it exists.")
    var hubConfig: String?

    @Option(help: "SQLite file or postgres:// URL of the hub's database (overrides storage.database).")
    var database: String?

    /// The hub's configuration: this file, else the default one, then `ZIZHU_…` variables.
    func settings() throws -> HubConfiguration {
        do {
            return try HubConfiguration.load(path: hubConfig, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError("configuration: \(error)")
        }
    }

    func withStore<T: Sendable>(_ body: @Sendable (any HubStore) async throws -> T) async throws -> T {
        let settings = try settings()
        let location = try HubDatabase(location: database ?? settings.database)
        var logger = Logger(label: "zizhuctl")
        logger.logLevel = .warning
        return try await location.withStore(logger: logger, body)
    }
}

struct EnrollCode: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enroll-code", abstract: "Issue a one-time code a kiosk enrolls with (zizhu-kiosk enroll <hub-url> <code>).")
    @OptionGroup var store: HubStoreOptions
    @Option(help: "The street office the kiosk stands in.") var office: String
    @Option(help: "Hours the code stays valid.") var validHours: Int = 24

    func run() async throws {
        guard (1...720).contains(validHours) else { throw ValidationError("--valid-hours must be within 1…720") }
        let office = self.office
        let hours = validHours
        let issued = try await store.withStore { store in
            try await store.issueEnrollmentCode(office: office, validFor: .seconds(hours * 3600), now: Date())
        }
        print(issued.code)
        FileHandle.standardError.write(Data("enrollment code for \(issued.office), valid until \(issued.expiresAt.ISO8601Format())\n".utf8))
    }
}

struct Revoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Revoke a kiosk: the hub refuses its signed requests from now on.")
    @OptionGroup var store: HubStoreOptions
    @Argument(help: "The kiosk's device ID.") var device: String

    func run() async throws {
        let device = self.device
        let revoked = try await store.withStore { store in try await store.revoke(deviceID: device, now: Date()) }
        guard revoked else {
            print("no kiosk \(device)")
            throw ExitCode(1)
        }
        print("kiosk \(device): revoked")
    }
}

struct Kiosks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List enrolled kiosks.")
    @OptionGroup var store: HubStoreOptions

    func run() async throws {
        let kiosks = try await store.withStore { store in try await store.kiosks() }
        for kiosk in kiosks {
            let state = kiosk.revokedAt.map { "revoked \($0.ISO8601Format())" } ?? "active"
            print("\(kiosk.deviceID)  \(kiosk.office)  enrolled \(kiosk.enrolledAt.ISO8601Format())  \(state)")
        }
    }
}
