import ArgumentParser
import AsyncHTTPClient
import Foundation
import GRDB
import HubStore
import Logging
import NIOCore
import NIOHTTP1
import PostgresNIO

/// The staff dashboard's fleet page with thousands of kiosks: `GET /staff/fleet` from a real
/// `zizhu-hub` (session check, the fleet query, the view, Mustache, HTTP, the audit row), beside
/// the store's fleet query alone (`fleetOverview`, the same data) in the same run.
struct DashboardBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Fleet page render time vs the fleet query alone, with thousands of seeded kiosks.")

    @Option(help: "SQLite file (created) or postgres://user@host:port/database (an empty database).")
    var database: String

    @Option(help: "The zizhu-hub binary (default: next to this one).")
    var hub: String?

    @Option(help: "Kiosks to seed.")
    var kiosks = 5000

    @Option(help: "Today's transactions per kiosk.")
    var transactionsPerKiosk = 10

    @Option(help: "Days of earlier transactions per kiosk (as many per day as today), which the day's count must skip.")
    var historyDays = 7

    @Option(help: "Timed requests (and timed queries) per measurement.")
    var iterations = 30

    func validate() throws {
        guard kiosks >= 1, transactionsPerKiosk >= 0, iterations >= 3 else {
            throw ValidationError("kiosks ≥ 1, transactions-per-kiosk ≥ 0, iterations ≥ 3")
        }
    }

    static let offices = (1...40).map { "压测第\($0)街道" }

    func run() async throws {
        var logger = Logger(label: "zizhu.bench")
        logger.logLevel = .warning
        let location = try HubDatabase(location: database)
        let hubBinary = hub ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("zizhu-hub").path
        let password = "benchmark password"
        let kiosks = self.kiosks, perKiosk = self.transactionsPerKiosk, iterations = self.iterations, historyDays = self.historyDays
        let dayStart = Calendar.current.startOfDay(for: Date())
        let dayEnd = dayStart.addingTimeInterval(86_400)

        // Migrate and add the staff account through the store; seed the fleet with plain SQL.
        let seedStarted = ContinuousClock.now
        try await location.withStore(logger: logger) { store in
            _ = try await store.addStaff(NewStaffAccount(username: "bench", displayName: "压测", passwordHash: StaffPassword.hash(password)), now: Date())
        }
        try await Self.seed(location, kiosks: kiosks, perKiosk: perKiosk, historyDays: historyDays, dayStart: dayStart, logger: logger)
        print("seeded \(kiosks) kiosks, \(kiosks * 3) heartbeats, \(kiosks * perKiosk) transactions today and \(kiosks * perKiosk * historyDays) "
              + "on the \(historyDays) days before in \(String(format: "%.1f", Self.seconds(ContinuousClock.now - seedStarted))) s")

        // Baseline: the fleet query alone, in this process, through the same store code.
        let (queryAll, queryOffice, rowCount) = try await location.withStore(logger: logger) { store in
            var rows = 0
            let all = try await Self.time(iterations) {
                rows = try await store.fleetOverview(office: nil, transactionsFrom: dayStart, transactionsUntil: dayEnd).count
            }
            let office = try await Self.time(iterations) {
                _ = try await store.fleetOverview(office: Self.offices[0], transactionsFrom: dayStart, transactionsUntil: dayEnd)
            }
            return (all, office, rows)
        }
        guard rowCount == kiosks else { throw BenchError("the fleet query returned \(rowCount) kiosks, not \(kiosks)") }

        let ingest = try HubIngest.parse(["--database", database])
        let port = try ingest.freeLoopbackPort()
        let server = try ingest.startHub(binary: hubBinary, database: database, port: port)
        defer { server.terminate(); server.waitUntilExit() }
        let baseURL = "http://127.0.0.1:\(port)"
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        do {
            try await ingest.waitForHealth(baseURL, client)
            let cookie = try await Self.login(baseURL, client, password: password)
            var pageBytes = 0
            let pageAll = try await Self.time(iterations) { pageBytes = try await Self.fetch("\(baseURL)/staff/fleet", cookie, client) }
            let office = Self.offices[0].addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let pageOffice = try await Self.time(iterations) { _ = try await Self.fetch("\(baseURL)/staff/fleet?office=\(office)", cookie, client) }
            try await client.shutdown()

            print("engine: \(location.displayName.hasPrefix("postgres") ? "PostgreSQL" : "SQLite"), kiosks: \(kiosks), iterations: \(iterations)")
            print("fleet page, all \(kiosks) kiosks (\(pageBytes / 1024) KiB of HTML): p50 \(Self.ms(pageAll.p50)) ms, p99 \(Self.ms(pageAll.p99)) ms")
            print("fleet query alone, all kiosks:        p50 \(Self.ms(queryAll.p50)) ms, p99 \(Self.ms(queryAll.p99)) ms")
            print("ratio page / query (all):             \(String(format: "%.2f", pageAll.p50 / queryAll.p50))")
            print("fleet page, one office (\(kiosks / Self.offices.count) kiosks):  p50 \(Self.ms(pageOffice.p50)) ms, p99 \(Self.ms(pageOffice.p99)) ms")
            print("fleet query alone, one office:        p50 \(Self.ms(queryOffice.p50)) ms, p99 \(Self.ms(queryOffice.p99)) ms")
            print("ratio page / query (one office):      \(String(format: "%.2f", pageOffice.p50 / queryOffice.p50))")
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    // MARK: Seeding

    /// Kiosks in mixed states (a heartbeat history of three, the latest one's report varying),
    /// today's transactions, and a few kiosks with missing seqs; multi-row INSERTs of our own
    /// generated values, 500 rows per statement.
    static func seed(_ location: HubDatabase, kiosks: Int, perKiosk: Int, historyDays: Int, dayStart: Date, logger: Logger) async throws {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let dayStartMs = Int64(dayStart.timeIntervalSince1970 * 1000)
        var generator = SystemRandomNumberGenerator()
        var statements: [String] = []
        func chunked(_ rows: [String], _ head: String) {
            for start in stride(from: 0, to: rows.count, by: 500) {
                statements.append(head + rows[start..<min(start + 500, rows.count)].joined(separator: ","))
            }
        }
        let isPostgres: Bool
        if case .postgres = location { isPostgres = true } else { isPostgres = false }
        var kioskRows: [String] = [], beatRows: [String] = [], itemRows: [String] = []
        let printers = ["ready", "ready", "ready", "paper_low", "paper_out", "ready", "offline"]
        for index in 0..<kiosks {
            let device = String(format: "bench-%08d-0000-0000-0000-000000000000", index)
            let key = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
            let keyLiteral = isPostgres ? "decode('\(key)', 'hex')" : "X'\(key)'"
            let gap = index % 50 == 7
            let stored = Int64(perKiosk * (historyDays + 1))
            let highest = stored + (gap ? 3 : 0)
            kioskRows.append("('\(device)', '\(offices[index % offices.count])', \(keyLiteral), \(now - 86_400_000 * 30), \(stored), \(highest))")
            for beat in 0..<3 {
                let pending = index % 9 == 0 ? 120 : 0
                let report = """
                    {"boot_id":"b","camera":"\(index % 31 == 0 ? "missing" : "ready")","card_reader":"ready","disk_free_bytes":1000000000,\
                    "monotonic_ns":1,"outbox":{"pending":\(pending)\(pending > 0 ? ",\"oldest_age_seconds\":4000" : "")\
                    \(index % 23 == 0 ? ",\"parked\":1,\"parked_items\":[{\"seq\":3,\"kind\":\"certificate.printed\",\"reason\":\"invalid_certificate\"}]" : "")},\
                    "printer":"\(printers[index % printers.count])","software_version":"1.0.\(index % 3)","wall_time":"2026-12-01T00:00:00Z"}
                    """
                let received = index % 17 == 0 ? now - 7_200_000 : now - Int64(60_000 * (3 - beat))
                beatRows.append("('\(device)', \(received), 0, '\(report)')")
            }
            // Earlier days first (seqs 1…), then today's; a few kiosks miss some seqs.
            let earlier = Int64(perKiosk * historyDays)
            var stamps: [(seq: Int64, wallTime: Int64)] = (0..<earlier).map { n in
                (n + 1, dayStartMs - Int64(historyDays) * 86_400_000 + (n / Int64(max(perKiosk, 1))) * 86_400_000 + (n % Int64(max(perKiosk, 1))) * 60_000)
            }
            stamps += (0..<Int64(perKiosk)).map { n in (earlier + n + 1, dayStartMs + (n + 1) * 60_000) }
            if gap, let last = stamps.last { stamps.append((last.seq + 3, last.wallTime + 60_000)) }
            for (seq, wallTime) in stamps {
                let kind = seq % 4 == 0 ? "staff.called" : "certificate.printed"
                itemRows.append("('\(device)', \(seq), '\(kind)', \(wallTime), 'boot', \(seq), '{}', NULL, \(isPostgres ? "FALSE" : "0"), \(now))")
            }
        }
        chunked(kioskRows, "INSERT INTO kiosks (device_id, office, public_key, enrolled_at, contiguous_through, highest_seq) VALUES ")
        chunked(beatRows, "INSERT INTO heartbeats (device_id, received_at, clock_skew_ms, report) VALUES ")
        chunked(itemRows, """
            INSERT INTO transactions (device_id, seq, kind, wall_time, boot_id, monotonic_ns, payload, rejection, clock_skew_flagged, received_at) VALUES
            """)
        let sql = statements
        switch location {
        case .sqlite(let path):
            let queue = try DatabaseQueue(path: path)
            try await queue.write { db in
                for statement in sql { try db.execute(sql: statement) }
            }
            try await queue.writeWithoutTransaction { db in try db.execute(sql: "ANALYZE") }
        case .postgres(let url):
            guard let components = URLComponents(string: url), let host = components.host else { throw BenchError("cannot read \(url)") }
            let name = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
            let client = PostgresClient(configuration: .init(host: host, port: components.port ?? 5432, username: components.user ?? "postgres",
                                                             password: components.password, database: name.isEmpty ? nil : name, tls: .disable),
                                        backgroundLogger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await client.run() }
                try await client.withTransaction(logger: logger) { connection in
                    for statement in sql { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
                }
                try await client.query("ANALYZE", logger: logger)
                group.cancelAll()
            }
        }
    }

    // MARK: HTTP

    static func login(_ baseURL: String, _ client: HTTPClient, password: String) async throws -> String {
        let form = try await client.execute(HTTPClientRequest(url: "\(baseURL)/staff/login"), timeout: .seconds(30))
        let body = String(buffer: try await form.body.collect(upTo: 1 << 20))
        guard let loginCookie = form.headers["Set-Cookie"].first?.split(separator: ";").first,
              let range = body.range(of: #"name="csrf" value=""#),
              let end = body[range.upperBound...].firstIndex(of: "\"") else { throw BenchError("no login form") }
        let token = String(body[range.upperBound..<end])
        var request = HTTPClientRequest(url: "\(baseURL)/staff/login")
        request.method = .POST
        request.headers.add(name: "Cookie", value: String(loginCookie))
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        let encoded = password.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        request.body = .bytes(ByteBuffer(string: "csrf=\(token)&username=bench&password=\(encoded)"))
        let answer = try await client.execute(request, timeout: .seconds(30))
        guard answer.status == .seeOther, let session = answer.headers["Set-Cookie"].first(where: { $0.hasPrefix("zizhu_staff=") })?
            .split(separator: ";").first else { throw BenchError("login refused: \(answer.status)") }
        return String(session)
    }

    static func fetch(_ url: String, _ cookie: String, _ client: HTTPClient) async throws -> Int {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Cookie", value: cookie)
        let response = try await client.execute(request, timeout: .seconds(120))
        let body = try await response.body.collect(upTo: 256 << 20)
        guard response.status == .ok else { throw BenchError("\(url): \(response.status)") }
        return body.readableBytes
    }

    // MARK: Timing

    struct Timing { var p50: Double; var p99: Double }

    /// One warm-up run, then `iterations` timed runs; seconds.
    static func time(_ iterations: Int, _ body: () async throws -> Void) async throws -> Timing {
        try await body()
        var samples: [Double] = []
        for _ in 0..<iterations {
            let started = ContinuousClock.now
            try await body()
            samples.append(seconds(ContinuousClock.now - started))
        }
        samples.sort()
        return Timing(p50: samples[samples.count / 2], p99: samples[min(samples.count - 1, Int(Double(samples.count) * 0.99))])
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func ms(_ seconds: Double) -> String { String(format: "%.1f", seconds * 1000) }
}
