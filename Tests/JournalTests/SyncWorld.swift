import Foundation
import HubAPI
import HubClient
import HubStore
import Journal
import Logging
import TestSupport

/// A real hub on loopback over a private SQLite file, one enrolled kiosk key, and a journal file:
/// what every sync test starts from.
struct SyncWorld: Sendable {
    let hub: HubUnderTest
    let hubDatabase: String
    let deviceID: String
    let key: KioskKey
    let journalPath: String

    static func start(hubEnvironment: [String: String] = [:]) async throws -> SyncWorld {
        let hubDatabase = "\(try TestEnvironment.temporaryDirectory("hubdb"))/hub.sqlite"
        let hub = try await HubUnderTest.start(arguments: ["--database", hubDatabase], environment: hubEnvironment)
        do {
            let code = try await TestEnvironment.run(TestEnvironment.executable("zizhuctl"),
                                                     ["hub", "enroll-code", "--office", "测试街道", "--database", hubDatabase])
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let key = KioskKey()
            let enrollment = try await HubConnection(baseURL: hub.url).enroll(code: code, key: key)
            let journalPath = "\(try TestEnvironment.temporaryDirectory("journal"))/journal.sqlite"
            return SyncWorld(hub: hub, hubDatabase: hubDatabase, deviceID: enrollment.deviceId, key: key, journalPath: journalPath)
        } catch {
            await hub.stop()
            throw error
        }
    }

    func stop() async { await hub.stop() }

    /// A signing connection to `url` (the hub itself by default, or a proxy in front of it).
    func connection(to url: String? = nil, timeout: Duration = .seconds(5)) throws -> HubConnection {
        try HubConnection(baseURL: url ?? hub.url, timeout: timeout, signer: KioskSigningMiddleware(key: key, deviceID: deviceID))
    }

    func sync(_ database: AppDatabase, to url: String? = nil, batchSize: Int = 500, timeout: Duration = .seconds(5)) throws -> OutboxSync {
        OutboxSync(database: database, connection: try connection(to: url, timeout: timeout), deviceID: deviceID,
                   batchSize: batchSize, backoff: SyncBackoff(initial: .milliseconds(20), cap: .milliseconds(200)),
                   idlePoll: .milliseconds(50), logger: Logger(label: "sync-test"))
    }

    /// Items the hub stored for this kiosk, counted straight from its database.
    func storedCount() async throws -> Int {
        try await HubDatabase(location: hubDatabase).withStore(logger: Logger(label: "test")) { store in
            try await store.storedTransactionCount(deviceID: deviceID)
        }
    }

    /// Checks every seq in `1...count` is at the hub: a re-send of all of them must come back as
    /// duplicates only, and the hub's count must equal `count` (so none is there twice).
    func expectExactlyOnce(_ database: AppDatabase, count: Int, chunk: Int64 = 500) async throws -> Bool {
        guard try await storedCount() == count else { return false }
        guard try database.journalledSeqs() == Array(1...Int64(count)) else { return false }
        let connection = try connection()
        var start: Int64 = 1
        while start <= Int64(count) {
            let end = min(start + chunk - 1, Int64(count))
            let items = try database.entries(in: start...end).map(OutboxSync.transactionItem)
            let result = try await connection.submit(.init(deviceId: deviceID, items: items))
            guard Set(result.duplicates) == Set(start...end), result.conflicts.isEmpty else { return false }
            start = end + 1
        }
        return true
    }
}
