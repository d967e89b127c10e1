import ArgumentParser
import AsyncHTTPClient
import Foundation
import GRDB
import HTTPTypes
import HubAPI
import HubClient
import HubStore
import Logging
import NIOCore
import NIOHTTP1
import PostgresNIO

/// Hub ingestion: signed batches from simulated kiosks through a real `zizhu-hub` process on
/// loopback, beside the same rows inserted straight into the same database in the same run.
///
/// Requests are signed before the clock starts, so the figure is the hub's (signature check,
/// JSON, nonce, exactly-once plan, commit), not the load generator's signing.
struct HubIngest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub-ingest",
        abstract: "Transactions per second through the hub vs straight inserts into the same database.")

    @Option(help: "SQLite file (created) or postgres://user@host:port/database (an empty database).")
    var database: String

    @Option(help: "The zizhu-hub binary (default: next to this one).")
    var hub: String?

    @Option(parsing: .upToNextOption, help: "Simulated kiosk counts, one run each.")
    var kiosks: [Int] = [1, 100, 1000]

    @Option(help: "Items per batch.")
    var batch = 100

    @Option(help: "Transactions per run (split evenly over the kiosks).")
    var transactions = 50_000

    @Option(help: "Requests in flight at once (kiosks beyond it wait their turn).")
    var concurrency = 16

    func validate() throws {
        guard batch >= 1, transactions >= batch, concurrency >= 1, kiosks.allSatisfy({ $0 >= 1 }) else {
            throw ValidationError("batch, transactions, concurrency and kiosks must be positive, transactions ≥ batch")
        }
    }

    func run() async throws {
        let logger = Logger(label: "zizhu.bench")
        let location = try HubDatabase(location: database)
        let hubBinary = hub ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("zizhu-hub").path
        let totalKiosks = kiosks.reduce(0, +)

        // Codes for every simulated kiosk, issued before the hub starts.
        let codes = try await location.withStore(logger: logger) { store in
            var codes: [String] = []
            for _ in 0..<totalKiosks {
                codes.append(try await store.issueEnrollmentCode(office: "压测街道", validFor: .seconds(3600), now: Date()).code)
            }
            return codes
        }

        let port = try freeLoopbackPort()
        let server = try startHub(binary: hubBinary, database: database, port: port)
        defer { server.terminate(); server.waitUntilExit() }
        let baseURL = "http://127.0.0.1:\(port)"
        var pool = HTTPClient.Configuration()
        pool.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = concurrency
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: pool)
        do {
            try await measure(location: location, codes: codes, baseURL: baseURL, httpClient: httpClient, logger: logger)
            try await httpClient.shutdown()
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
    }

    func measure(location: HubDatabase, codes: [String], baseURL: String, httpClient: HTTPClient, logger: Logger) async throws {
        try await waitForHealth(baseURL, httpClient)

        print("engine \(location.displayName.hasPrefix("sqlite") ? "SQLite" : "PostgreSQL"), batches of \(batch), \(transactions) transactions per run, \(concurrency) requests in flight")
        print("kiosks  hub tx/s  p50 ms  p99 ms  straight tx/s  ratio  exactly-once")
        var codeIndex = 0
        for kioskCount in kiosks {
            let runCodes = Array(codes[codeIndex..<(codeIndex + kioskCount)])
            codeIndex += kioskCount
            let simulated = try await enroll(runCodes, baseURL: baseURL, httpClient: httpClient)
            let perKiosk = max(1, transactions / kioskCount / batch)
            let requests = try simulated.map { kiosk in try (1...perKiosk).map { number in try kiosk.signedBatch(number: number, size: batch, baseURL: baseURL) } }
            let sent = kioskCount * perKiosk * batch

            let (hubSeconds, latencies) = try await send(requests, httpClient: httpClient)
            let verified = try await verifyExactlyOnce(location, deviceIDs: simulated.map(\.deviceID), expectedEach: perKiosk * batch, logger: logger)
            let straightSeconds = try await insertStraight(location, kiosks: kioskCount, batches: perKiosk, logger: logger)
            let hubRate = Double(sent) / hubSeconds
            let straightRate = Double(sent) / straightSeconds
            let sorted = latencies.sorted()
            func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
            print(String(format: "%6d  %8.0f  %6.1f  %6.1f  %13.0f  %5.2f  %@", kioskCount, hubRate, percentile(0.5) * 1000, percentile(0.99) * 1000,
                         straightRate, hubRate / straightRate, verified ? "yes" : "NO"))
            if !verified { throw ExitCode.failure }
        }
    }

    // MARK: Kiosks

    struct SimulatedKiosk {
        let deviceID: String
        let signer: KioskSigningMiddleware
        static let bootID = UUID().uuidString.lowercased()

        /// Batch `number` (from 1) of `size` items, signed, as the bytes a kiosk would send.
        func signedBatch(number: Int, size: Int, baseURL: String) throws -> HTTPClientRequest {
            let first = Int64((number - 1) * size + 1)
            var body = #"{"device_id":"\#(deviceID)","items":["#
            for seq in first..<(first + Int64(size)) {
                if seq != first { body += "," }
                body += #"{"seq":\#(seq),"wall_time":"2026-11-23T08:00:00Z","boot_id":"\#(Self.bootID)","monotonic_ns":\#(seq * 1_000_000),"#
                body += #""kind":"certificate.printed","payload":{"document":"参保证明","copies":1,"office":"压测街道"}}"#
            }
            body += "]}"
            let bytes = Data(body.utf8)
            var request = HTTPRequest(method: .post, scheme: "http", authority: nil, path: "/v1/transactions")
            signer.sign(&request, body: bytes)
            var outgoing = HTTPClientRequest(url: baseURL + "/v1/transactions")
            outgoing.method = .POST
            outgoing.headers.add(name: "Content-Type", value: "application/json")
            for field in request.headerFields { outgoing.headers.add(name: field.name.rawName, value: field.value) }
            outgoing.body = .bytes(ByteBuffer(bytes: bytes))
            return outgoing
        }
    }

    func enroll(_ codes: [String], baseURL: String, httpClient: HTTPClient) async throws -> [SimulatedKiosk] {
        let connection = try HubConnection(baseURL: baseURL, httpClient: httpClient, timeout: .seconds(30))
        return try await withThrowingTaskGroup(of: SimulatedKiosk.self) { group in
            var kiosks: [SimulatedKiosk] = []
            var pending = codes[...]
            func addNext() {
                guard let code = pending.popFirst() else { return }
                group.addTask {
                    let key = KioskKey()
                    let enrollment = try await connection.enroll(code: code, key: key)
                    return SimulatedKiosk(deviceID: enrollment.deviceId, signer: KioskSigningMiddleware(key: key, deviceID: enrollment.deviceId))
                }
            }
            for _ in 0..<concurrency { addNext() }
            while let kiosk = try await group.next() {
                kiosks.append(kiosk)
                addNext()
            }
            return kiosks
        }
    }

    /// Sends every kiosk's batches in order (a kiosk has one batch in flight), `concurrency`
    /// kiosks at a time. Returns the wall time and each batch's latency, in seconds.
    func send(_ requests: [[HTTPClientRequest]], httpClient: HTTPClient) async throws -> (Double, [Double]) {
        let start = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            var pending = requests[...]
            func addNext() {
                guard let kioskRequests = pending.popFirst() else { return }
                group.addTask {
                    var latencies: [Double] = []
                    for request in kioskRequests {
                        let sent = ContinuousClock.now
                        let response = try await httpClient.execute(request, timeout: .seconds(60))
                        let body = try await response.body.collect(upTo: 1 << 20)
                        guard response.status == .ok else {
                            throw BenchError("hub answered \(response.status.code): \(String(buffer: body))")
                        }
                        latencies.append((ContinuousClock.now - sent).seconds)
                    }
                    return latencies
                }
            }
            for _ in 0..<concurrency { addNext() }
            var all: [Double] = []
            while let some = try await group.next() {
                all += some
                addNext()
            }
            return all
        }
        return ((ContinuousClock.now - start).seconds, latencies)
    }

    /// Every kiosk holds exactly `expectedEach` items, seqs 1…expectedEach, all accepted.
    func verifyExactlyOnce(_ location: HubDatabase, deviceIDs: [String], expectedEach: Int, logger: Logger) async throws -> Bool {
        let sql = """
            SELECT COUNT(*), COUNT(DISTINCT seq), MIN(seq), MAX(seq), COUNT(rejection) FROM transactions WHERE device_id = $1
            """
        switch location {
        case .sqlite(let path):
            let queue = try DatabaseQueue(path: path)
            return try await queue.read { db in
                try deviceIDs.allSatisfy { deviceID in
                    guard let row = try Row.fetchOne(db, sql: sql.replacingOccurrences(of: "$1", with: "?"), arguments: [deviceID]) else { return false }
                    return row[0] == expectedEach && row[1] == expectedEach && row[2] == 1 && row[3] == expectedEach && row[4] == 0
                }
            }
        case .postgres(let url):
            return try await withPostgres(url, logger: logger) { client in
                for deviceID in deviceIDs {
                    let rows = try await client.query(PostgresQuery(unsafeSQL: sql, binds: {
                        var binds = PostgresBindings(); binds.append(deviceID); return binds
                    }()), logger: logger)
                    for try await (count, distinct, low, high, rejected) in rows.decode((Int64, Int64, Int64, Int64, Int64).self) {
                        guard count == expectedEach, distinct == expectedEach, low == 1, high == expectedEach, rejected == 0 else { return false }
                    }
                }
                return true
            }
        }
    }

    // MARK: Baseline

    /// The same rows, batch by batch, each batch one transaction, straight into `transactions`
    /// for as many fresh kiosk rows: what the database alone costs.
    func insertStraight(_ location: HubDatabase, kiosks: Int, batches: Int, logger: Logger) async throws -> Double {
        let runID = UUID().uuidString.prefix(8).lowercased()
        let deviceIDs = (0..<kiosks).map { "straight-\(runID)-\($0)" }
        let payload = #"{"copies":1,"document":"参保证明","office":"压测街道"}"#
        let bootID = SimulatedKiosk.bootID
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        switch location {
        case .sqlite(let path):
            var configuration = Configuration()
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA journal_mode = WAL")
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            try await queue.write { db in
                for (index, deviceID) in deviceIDs.enumerated() {
                    try db.execute(sql: "INSERT INTO kiosks (device_id, office, public_key, enrolled_at) VALUES (?, '压测街道', ?, ?)",
                                   arguments: [deviceID, Data("\(runID)-\(index)".utf8), now])
                }
            }
            let start = ContinuousClock.now
            for number in 0..<batches {
                for deviceID in deviceIDs {
                    try await queue.write { db in
                        let insert = try db.cachedStatement(sql: """
                            INSERT INTO transactions (device_id, seq, kind, wall_time, boot_id, monotonic_ns, payload, rejection, clock_skew_flagged, received_at)
                            VALUES (?, ?, 'certificate.printed', ?, ?, ?, ?, NULL, 0, ?)
                            """)
                        for offset in 1...batch {
                            let seq = Int64(number * batch + offset)
                            try insert.execute(arguments: [deviceID, seq, now, bootID, seq * 1_000_000, payload, now])
                        }
                    }
                }
            }
            return (ContinuousClock.now - start).seconds
        case .postgres(let url):
            return try await withPostgres(url, logger: logger) { client in
                for (index, deviceID) in deviceIDs.enumerated() {
                    try await client.query("INSERT INTO kiosks (device_id, office, public_key, enrolled_at) VALUES (\(deviceID), '压测街道', \(Data("\(runID)-\(index)".utf8)), \(now))", logger: logger)
                }
                let start = ContinuousClock.now
                // The same concurrency as the hub run, one kiosk's batches in order on one task.
                try await withThrowingTaskGroup(of: Void.self) { group in
                    var pending = deviceIDs[...]
                    func addNext() {
                        guard let deviceID = pending.popFirst() else { return }
                        group.addTask {
                            for number in 0..<batches {
                                let seqs = (1...batch).map { Int64(number * batch + $0) }
                                _ = try await client.withTransaction(logger: logger) { connection in
                                    try await connection.query("""
                                        INSERT INTO transactions (device_id, seq, kind, wall_time, boot_id, monotonic_ns, payload, rejection, clock_skew_flagged, received_at)
                                        SELECT \(deviceID), seq, 'certificate.printed', \(now), \(bootID), seq * 1000000, \(payload), NULL, false, \(now)
                                        FROM unnest(\(seqs)::BIGINT[]) AS batch (seq)
                                        """, logger: logger)
                                }
                            }
                        }
                    }
                    for _ in 0..<concurrency { addNext() }
                    while try await group.next() != nil { addNext() }
                }
                return (ContinuousClock.now - start).seconds
            }
        }
    }

    func withPostgres<T: Sendable>(_ url: String, logger: Logger, _ body: @Sendable (PostgresClient) async throws -> T) async throws -> T {
        guard let components = URLComponents(string: url), let host = components.host else { throw BenchError("bad PostgreSQL URL") }
        let name = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        var configuration = PostgresClient.Configuration(host: host, port: components.port ?? 5432, username: components.user ?? "postgres",
                                                         password: components.password, database: name.isEmpty ? nil : name, tls: .disable)
        configuration.options.maximumConnections = concurrency
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    // MARK: The hub process

    func startHub(binary: String, database: String, port: Int) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--host", "127.0.0.1", "--port", String(port), "--database", database]
        var environment = ProcessInfo.processInfo.environment
        environment["ZIZHU_LOG_LEVEL"] = environment["ZIZHU_LOG_LEVEL"] ?? "warning"
        // Not the working directory (PostgreSQL's default key path): the benchmark's own file.
        environment["ZIZHU_STORAGE_EVIDENCE_KEY"] = environment["ZIZHU_STORAGE_EVIDENCE_KEY"] ?? NSTemporaryDirectory() + "zizhu-bench-evidence.key"
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    func waitForHealth(_ baseURL: String, _ httpClient: HTTPClient) async throws {
        let connection = try HubConnection(baseURL: baseURL, httpClient: httpClient, timeout: .seconds(1))
        for _ in 0..<200 {
            if (try? await connection.health()) != nil { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw BenchError("the hub did not answer /health within 10 s")
    }

    func freeLoopbackPort() throws -> Int {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw BenchError("socket(): errno \(errno)") }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw BenchError("bind(): errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
