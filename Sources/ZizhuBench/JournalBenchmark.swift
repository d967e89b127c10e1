import ArgumentParser
import AsyncHTTPClient
import Foundation
import GRDBSQLite
import HubAPI
import HubClient
import HubStore
import Journal
import Logging

#if canImport(Glibc)
import Glibc
#endif

/// Journal commits per second (synchronous=FULL, business row + outbox row per transaction)
/// beside the same rows through the raw sqlite3 C API with the same pragmas, in the same run;
/// then the drain rate of a backlog to a real hub on loopback, exactly-once checked.
struct JournalBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal",
        abstract: "Journal commits/s vs raw SQLite, and outbox drain rate to a hub on loopback.")

    @Option(help: "Transactions per commit run.") var commits = 10_000
    @Option(help: "Interleaved rounds of the four commit runs (best and median reported).") var rounds = 2
    @Option(help: "Backlog drained to the hub (0 skips the drain).") var backlog = 100_000
    @Option(help: "Items per batch when draining.") var batch = 500
    @Option(help: "Folder for the files (default: a new folder under /tmp; use the kiosk's disk to measure it).")
    var directory: String?
    @Option(help: "The zizhu-hub binary (default: next to this one).") var hub: String?

    static let payload = #"{"copies":1,"document":"参保证明"}"#
    /// The same fact with a citizen ID and a name (synthetic), which the journal seals per field.
    static let personalPayload = #"{"citizen_id":"110101199003074573","copies":1,"document":"参保证明","name":"测试甲乙丙"}"#

    func run() async throws {
        let folder = directory ?? NSTemporaryDirectory() + "zizhu-journal-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        // Alternate the two so disk cache and thermal state favour neither.
        var journalRates: [Double] = [], rawRates: [Double] = [], sealedRates: [Double] = [], rawPersonalRates: [Double] = []
        for round in 0..<max(1, rounds) {
            rawRates.append(try rawSQLiteRate(path: "\(folder)/raw-\(round).sqlite", payload: Self.payload))
            journalRates.append(try journalRate(path: "\(folder)/journal-\(round).sqlite", payload: Self.payload))
            rawPersonalRates.append(try rawSQLiteRate(path: "\(folder)/raw-personal-\(round).sqlite", payload: Self.personalPayload))
            sealedRates.append(try journalRate(path: "\(folder)/journal-sealed-\(round).sqlite", payload: Self.personalPayload))
        }
        func median(_ rates: [Double]) -> Double {
            let sorted = rates.sorted()
            guard !sorted.isEmpty else { return 0 }
            return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        }
        func runs(_ rates: [Double]) -> String {
            rates.map { String(format: "%.0f", $0) }.joined(separator: ", ") + String(format: "; median %.0f", median(rates))
        }
        let journal = journalRates.max() ?? 0, raw = rawRates.max() ?? 0
        let sealed = sealedRates.max() ?? 0, rawPersonal = rawPersonalRates.max() ?? 0
        print(String(format: "journal (GRDB, FULL, outbox): %.0f commits/s  (runs: %@)", journal, runs(journalRates)))
        print(String(format: "raw sqlite3 (FULL, same rows): %.0f commits/s  (runs: %@)", raw, runs(rawRates)))
        print(String(format: "ratio journal/raw: %.2f best, %.2f median", journal / raw, median(journalRates) / median(rawRates)))
        print(String(format: "journal, citizen ID and name sealed (AES-GCM): %.0f commits/s  (runs: %@)", sealed, runs(sealedRates)))
        print(String(format: "raw sqlite3, the same fields in clear: %.0f commits/s  (runs: %@)", rawPersonal, runs(rawPersonalRates)))
        print(String(format: "ratio sealed journal/raw: %.2f best, %.2f median", sealed / rawPersonal, median(sealedRates) / median(rawPersonalRates)))
        if backlog > 0 { try await drain(folder: folder) }
    }

    func journalRate(path: String, payload: String) throws -> Double {
        let database = try AppDatabase(path: path, diskReserve: DiskReserve(minimumFreeBytes: 0))
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<commits { try database.record(kind: "certificate.printed", payloadJSON: payload) }
        return Double(commits) / (clock.now - start).seconds
    }

    func rawSQLiteRate(path: String, payload: String) throws -> Double {
        var handle: OpaquePointer?
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil) == SQLITE_OK, let db = handle else {
            throw BenchError("sqlite3_open_v2 \(path) failed")
        }
        defer { sqlite3_close_v2(db) }
        func exec(_ sql: String) throws {
            guard sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK else { throw BenchError("\(sql): \(String(cString: sqlite3_errmsg(db)))") }
        }
        try exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON")
        try exec("""
            CREATE TABLE business_transaction(seq INTEGER PRIMARY KEY NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL,
              wall_time DOUBLE NOT NULL, boot_id TEXT NOT NULL, monotonic_ns INTEGER NOT NULL);
            CREATE TABLE outbox(seq INTEGER PRIMARY KEY NOT NULL REFERENCES business_transaction(seq) ON DELETE RESTRICT,
              state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'parked')), park_reason TEXT,
              attempts INTEGER NOT NULL DEFAULT 0);
            CREATE INDEX outbox_state_seq ON outbox(state, seq);
            """)
        func prepare(_ sql: String) throws -> OpaquePointer {
            var statement: OpaquePointer?
            guard sqlite3_prepare_v2(db, sql, -1, &statement, nil) == SQLITE_OK, let statement else { throw BenchError("prepare \(sql)") }
            return statement
        }
        let maxSeq = try prepare("SELECT MAX(seq) FROM business_transaction")
        let insertBusiness = try prepare("INSERT INTO business_transaction(seq, kind, payload, wall_time, boot_id, monotonic_ns) VALUES (?, ?, ?, ?, ?, ?)")
        let insertOutbox = try prepare("INSERT INTO outbox(seq) VALUES (?)")
        defer { for statement in [maxSeq, insertBusiness, insertOutbox] { sqlite3_finalize(statement) } }
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        let bootID = "00000000-0000-0000-0000-000000000000"
        let clock = ContinuousClock()
        let start = clock.now
        for _ in 0..<commits {
            try exec("BEGIN IMMEDIATE")
            guard sqlite3_step(maxSeq) == SQLITE_ROW else { throw BenchError("max seq") }
            let seq = sqlite3_column_int64(maxSeq, 0) + 1
            sqlite3_reset(maxSeq)
            sqlite3_bind_int64(insertBusiness, 1, seq)
            sqlite3_bind_text(insertBusiness, 2, "certificate.printed", -1, transient)
            sqlite3_bind_text(insertBusiness, 3, payload, -1, transient)
            sqlite3_bind_double(insertBusiness, 4, Date().timeIntervalSince1970)
            sqlite3_bind_text(insertBusiness, 5, bootID, -1, transient)
            sqlite3_bind_int64(insertBusiness, 6, Int64(clock.now.hashValue & 0x7fff_ffff))
            guard sqlite3_step(insertBusiness) == SQLITE_DONE else { throw BenchError("insert business") }
            sqlite3_reset(insertBusiness)
            sqlite3_bind_int64(insertOutbox, 1, seq)
            guard sqlite3_step(insertOutbox) == SQLITE_DONE else { throw BenchError("insert outbox") }
            sqlite3_reset(insertOutbox)
            try exec("COMMIT")
        }
        return Double(commits) / (clock.now - start).seconds
    }

    func drain(folder: String) async throws {
        let logger = Logger(label: "zizhu.bench")
        let hubDatabase = "\(folder)/hub.sqlite"
        let location = try HubDatabase(location: hubDatabase)
        let code = try await location.withStore(logger: logger) { store in
            try await store.issueEnrollmentCode(office: "压测街道", validFor: .seconds(3600), now: Date()).code
        }
        let hubBinary = hub ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("zizhu-hub").path
        let port = try benchLoopbackPort()
        let server = Process()
        server.executableURL = URL(fileURLWithPath: hubBinary)
        server.arguments = ["serve", "--host", "127.0.0.1", "--port", String(port), "--database", hubDatabase]
        var environment = ProcessInfo.processInfo.environment
        environment["ZIZHU_LOG_LEVEL"] = environment["ZIZHU_LOG_LEVEL"] ?? "warning"
        server.environment = environment
        server.standardOutput = FileHandle.nullDevice
        try server.run()
        defer { server.terminate(); server.waitUntilExit() }
        let baseURL = "http://127.0.0.1:\(port)"
        let plain = try HubConnection(baseURL: baseURL, timeout: .seconds(1))
        var up = false
        for _ in 0..<200 where !up {
            up = (try? await plain.health()) != nil
            if !up { try await Task.sleep(for: .milliseconds(50)) }
        }
        guard up else { throw BenchError("the hub did not answer /health within 10 s") }
        let key = KioskKey()
        let enrollment = try await plain.enroll(code: code, key: key)
        let connection = try HubConnection(baseURL: baseURL, timeout: .seconds(30), signer: KioskSigningMiddleware(key: key, deviceID: enrollment.deviceId))

        let database = try AppDatabase(path: "\(folder)/backlog.sqlite", diskReserve: DiskReserve(minimumFreeBytes: 0))
        for _ in 0..<backlog { try database.record(kind: "certificate.printed", payloadJSON: Self.payload) }
        let sync = OutboxSync(database: database, connection: connection, deviceID: enrollment.deviceId, batchSize: batch, logger: logger)
        let clock = ContinuousClock()
        let start = clock.now
        let outcome = try await sync.drainAll()
        let elapsed = (clock.now - start).seconds
        let stored = try await location.withStore(logger: logger) { store in try await store.storedTransactionCount(deviceID: enrollment.deviceId) }
        let pending = try database.backlog().pendingCount
        guard outcome == .delivered(delivered: backlog, parked: 0), stored == backlog, pending == 0 else {
            throw BenchError("drain not exactly once: \(outcome), hub stored \(stored) of \(backlog), \(pending) still pending")
        }
        print(String(format: "drain: %d transactions in %.2f s = %.0f/s (batches of %d), hub holds each once", backlog, elapsed, Double(backlog) / elapsed, batch))
        print(String(format: "a busy hall's day (2,000) drains in about %.2f s", 2_000 / (Double(backlog) / elapsed)))
    }
}

private func benchLoopbackPort() throws -> Int {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { throw BenchError("socket(): errno \(errno)") }
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
    }
    guard bound else { throw BenchError("bind(): errno \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}
