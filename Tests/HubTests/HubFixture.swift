import Foundation
import HubAPI
import HubClient
import HubStore
import Logging
import TestSupport

/// The two storage engines every hub test runs against.
enum Engine: String, CaseIterable, Sendable {
    case sqlite, postgres
}

/// A hub binary on loopback over a private database (an SQLite file in a temporary folder, or a
/// private PostgreSQL), plus `zizhuctl` pointed at the same database.
struct HubFixture: Sendable {
    let engine: Engine
    let database: String
    let postgres: PrivatePostgreSQL?
    var hubs: [HubUnderTest]

    var hub: HubUnderTest { hubs[0] }

    static func start(_ engine: Engine, hubCount: Int = 1, environment: [String: String] = [:]) async throws -> HubFixture {
        var postgres: PrivatePostgreSQL?
        let database: String
        switch engine {
        case .sqlite:
            database = "\(try TestEnvironment.temporaryDirectory("hubdb"))/hub.sqlite"
        case .postgres:
            let server = try await PrivatePostgreSQL.start()
            postgres = server
            database = server.url
        }
        var hubs: [HubUnderTest] = []
        do {
            for _ in 0..<hubCount {
                hubs.append(try await HubUnderTest.start(arguments: ["--database", database], environment: environment))
            }
        } catch {
            for hub in hubs { await hub.stop() }
            await postgres?.stop()
            throw error
        }
        return HubFixture(engine: engine, database: database, postgres: postgres, hubs: hubs)
    }

    func stop() async {
        for hub in hubs { await hub.stop() }
        await postgres?.stop()
    }

    /// Runs `zizhuctl hub …` against this hub's database.
    @discardableResult
    func zizhuctl(_ arguments: [String]) async throws -> String {
        try await TestEnvironment.run(TestEnvironment.executable("zizhuctl"), ["hub"] + arguments + ["--database", database])
    }

    func enrollmentCode(office: String = "测试街道") async throws -> String {
        try await zizhuctl(["enroll-code", "--office", office]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Enrolls a fresh key and returns a signing connection for it.
    func enrolledKiosk(hubIndex: Int = 0) async throws -> (connection: HubConnection, deviceID: String, key: KioskKey) {
        let key = KioskKey()
        let enrollment = try await HubConnection(baseURL: hubs[hubIndex].url).enroll(code: try await enrollmentCode(), key: key)
        let connection = try HubConnection(baseURL: hubs[hubIndex].url, signer: KioskSigningMiddleware(key: key, deviceID: enrollment.deviceId))
        return (connection, enrollment.deviceId, key)
    }

    /// Runs SQL straight on the hub's database, behind the hub's back (to play an intruder).
    func execute(_ sql: String) async throws {
        switch engine {
        case .postgres:
            _ = try await postgres?.psql(sql)
        case .sqlite:
            let sqlite3 = try TestEnvironment.requireProgram("/usr/bin/sqlite3", package: "sqlite3")
            try await TestEnvironment.run(sqlite3, [database, sql])
        }
    }

    /// Counts a kiosk's stored items straight from the database, not through the hub.
    func storedCount(_ deviceID: String) async throws -> Int {
        try await HubDatabase(location: database).withStore(logger: Logger(label: "test")) { store in
            try await store.storedTransactionCount(deviceID: deviceID)
        }
    }
}

/// Builds batches the way a kiosk's outbox would.
enum Batches {
    static let bootID = UUID().uuidString.lowercased()

    /// When this test process's journal starts; item `seq` happened `seq` seconds later, so a
    /// redelivery carries the same times as the first delivery, as a real outbox's would.
    static let journalStart = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down) - 86_400)

    static func item(_ seq: Int64, kind: String = "certificate.printed", copies: Int = 1) -> Components.Schemas.TransactionItem {
        .init(seq: seq, wallTime: journalStart.addingTimeInterval(Double(seq)), bootId: bootID, monotonicNs: seq * 1_000_000, kind: kind,
              payload: try! JSONDecoder().decode(Components.Schemas.TransactionItem.PayloadPayload.self,
                                                 from: Data(#"{"document": "参保证明", "copies": \#(copies)}"#.utf8)))
    }

    static func batch(_ deviceID: String, _ seqs: some Sequence<Int64>) -> Components.Schemas.TransactionBatch {
        .init(deviceId: deviceID, items: seqs.map { item($0) })
    }
}
