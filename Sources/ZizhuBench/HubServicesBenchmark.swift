import ArgumentParser
import AsyncHTTPClient
import CertificateVerification
import Foundation
import HTTPTypes
import HubAPI
import HubClient
import HubStore
import KioskCore
import Logging
import NIOCore
import NIOHTTP1
import OpenAPIRuntime
import PostgresNIO

/// The hub's read services on a seeded population: signed records queries (`POST
/// /v1/people/records`) and certificate verifications (`GET /verify/{code}`) through a real
/// `zizhu-hub`, beside the same lookups as raw SQL over the same database in the same run.
///
/// The database is seeded beforehand by `zizhu-hub seed-demo --seed S --today D --people N`;
/// the benchmark regenerates the same people from the same seed and day to pick whom to ask.
/// Records requests are signed before the clock starts (the figure is the hub's).
struct HubServicesBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub-services",
        abstract: "Records and /verify requests per second and p99 through the hub vs raw SQL, on a seeded PostgreSQL.")

    @Option(help: "postgres://user@host:port/database, seeded by zizhu-hub seed-demo.")
    var database: String

    @Option(help: "The zizhu-hub binary (default: next to this one).")
    var hub: String?

    @Option(help: "The seed given to seed-demo.")
    var seed: UInt64 = 2026

    @Option(help: "The --today given to seed-demo (YYYY-MM-DD).")
    var today: String

    @Option(help: "The --people given to seed-demo.")
    var people: Int

    @Option(help: "Records requests per run.")
    var requests = 20_000

    @Option(help: "Certificates registered for /verify (verifications ask for these and as many unknown codes).")
    var certificates = 1_000

    @Option(help: "Requests in flight at once.")
    var concurrency = 32

    func validate() throws {
        guard ChinaDay.parse(today) != nil else { throw ValidationError("--today must be YYYY-MM-DD") }
        guard people >= 1, requests >= 100, certificates >= 10, concurrency >= 1 else { throw ValidationError("people, requests, certificates, concurrency must be positive") }
    }

    func run() async throws {
        let logger = Logger(label: "zizhu.bench")
        let location = try HubDatabase(location: database)
        guard case .postgres(let url) = location else { throw ValidationError("--database must be a postgres:// URL") }
        let hubBinary = hub ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("zizhu-hub").path
        let population = DemoPopulation(seed: seed, today: ChinaDay.parse(today)!)
        let seeded = try await location.withStore(logger: logger) { try await $0.populationCount() }
        guard seeded >= people else { throw BenchError("the database holds \(seeded) people, fewer than --people \(people); run zizhu-hub seed-demo first") }
        let code = try await location.withStore(logger: logger) { try await $0.issueEnrollmentCode(office: "湖滨街道", validFor: .seconds(3600), now: Date()).code }

        let port = try HubIngest().freeLoopbackPort()
        let work = NSTemporaryDirectory() + "zizhu-bench-services-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let server = Process()
        server.executableURL = URL(fileURLWithPath: hubBinary)
        server.arguments = ["serve", "--host", "127.0.0.1", "--port", String(port), "--database", database]
        var environment = ProcessInfo.processInfo.environment
        environment["ZIZHU_LOG_LEVEL"] = environment["ZIZHU_LOG_LEVEL"] ?? "warning"
        environment["ZIZHU_STORAGE_EVIDENCE_KEY"] = "\(work)/evidence.key"
        // The verify page's per-address limit would otherwise answer 429 to the load generator.
        environment["ZIZHU_LIMITS_VERIFY_BURST"] = "10000"
        environment["ZIZHU_LIMITS_VERIFY_PER_MINUTE"] = "100000"
        server.environment = environment
        server.standardOutput = FileHandle.nullDevice
        try server.run()
        defer { server.terminate(); server.waitUntilExit() }
        let baseURL = "http://127.0.0.1:\(port)"
        var pool = HTTPClient.Configuration()
        pool.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = concurrency
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: pool)
        do {
            try await HubIngest().waitForHealth(baseURL, httpClient)
            try await measure(url: url, population: population, code: code, baseURL: baseURL, work: work, httpClient: httpClient, logger: logger)
            try await httpClient.shutdown()
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
    }

    func measure(url: String, population: DemoPopulation, code: String, baseURL: String, work: String, httpClient: HTTPClient, logger: Logger) async throws {
        // A kiosk that prints certificates for seeded people, registered through ingestion.
        let keyPath = "\(work)/device.key"
        let key = try KioskKey.loadOrCreate(at: keyPath)
        let enrollment = try await HubConnection(baseURL: baseURL, httpClient: httpClient, timeout: .seconds(30)).enroll(code: code, key: key)
        let signer = KioskSigningMiddleware(key: key, deviceID: enrollment.deviceId)
        let connection = try HubConnection(baseURL: baseURL, httpClient: httpClient, timeout: .seconds(60), signer: signer)
        let sealer = try Ed25519CertificateSigner(keyFile: keyPath)
        var random = SplitMix64(seed: seed ^ 0xBE4C)
        var codes: [String] = []
        var items: [Components.Schemas.TransactionItem] = []
        let bootID = UUID().uuidString.lowercased()
        for number in 1...certificates {
            let person = population.person(at: Int(random.next() % UInt64(people)))
            let issued = try IssuedCertificate.issue(Self.certificate(for: person, kioskID: enrollment.deviceId, number: number), signer: sealer)
            codes.append(issued.seal.code.compact)
            let payload: [String: any Sendable] = [
                "document": "参保证明", "verification_code": issued.seal.code.compact,
                "canonical_form": Data(issued.certificate.canonicalForm).base64EncodedString(), "signature": Data(issued.seal.signature).base64EncodedString(),
            ]
            items.append(.init(seq: Int64(number), wallTime: Date(), bootId: bootID, monotonicNs: Int64(number) * 1_000, kind: "certificate.printed",
                               payload: .init(additionalProperties: try OpenAPIObjectContainer(unvalidatedValue: payload))))
            if items.count == 200 || number == certificates {
                let result = try await connection.submit(.init(deviceId: enrollment.deviceId, items: items))
                guard result.rejected.isEmpty else { throw BenchError("the hub refused certificates: \(result.rejected)") }
                items.removeAll()
            }
        }
        let unknown = (0..<certificates).map { _ in CertificateSeal.code(forSignature: (0..<64).map { _ in UInt8.random(in: 0...255) }).compact }
        let verifyCodes = zip(codes, unknown).flatMap { [$0, $1] }

        // Whom the records queries ask about: seeded people, at random.
        let asked = (0..<requests).map { _ in population.person(at: Int(random.next() % UInt64(people))) }
        let signed = try asked.map { person in try Self.signedRecordsRequest(person, signer: signer, baseURL: baseURL) }

        print("PostgreSQL, \(people) people seeded, \(concurrency) requests in flight")
        print("lookup    hub req/s  p50 ms  p99 ms  raw SQL req/s  p50 ms  p99 ms  ratio")
        // Warm both paths a little (connections, plans, caches) before timing.
        _ = try await send(Array(signed.prefix(200)), httpClient: httpClient)
        let records = try await send(Array(signed.dropFirst(200)), httpClient: httpClient)
        let verifyRequests = verifyCodes.map { code in
            var request = HTTPClientRequest(url: baseURL + "/verify/" + code)
            request.headers.add(name: "Accept", value: "application/json")
            return request
        }
        // The verify limiter allows a burst of 10,000 per address: stay inside it.
        let verifyRuns = Array((verifyRequests + verifyRequests + verifyRequests + verifyRequests).prefix(9_000))
        let verify = try await send(verifyRuns, httpClient: httpClient)

        let rawRecords = try await Self.withPostgres(url, connections: concurrency, logger: logger) { client in
            try await self.rawRecords(asked.dropFirst(200).map { ($0.citizenID, $0.cardNumber) }, client: client, logger: logger)
        }
        let rawVerify = try await Self.withPostgres(url, connections: concurrency, logger: logger) { client in
            try await self.rawVerify(verifyRuns.map { String($0.url.split(separator: "/").last!) }, client: client, logger: logger)
        }
        for (name, hubRun, rawRun) in [("records", records, rawRecords), ("verify", verify, rawVerify)] {
            print(String(format: "%-8@  %9.0f  %6.2f  %6.2f  %13.0f  %6.2f  %6.2f  %5.2f", name as NSString, hubRun.rate, hubRun.percentile(0.5), hubRun.percentile(0.99),
                         rawRun.rate, rawRun.percentile(0.5), rawRun.percentile(0.99), hubRun.rate / rawRun.rate))
        }
    }

    // MARK: Load

    struct Run {
        var seconds: Double
        var latencies: [Double]
        var rate: Double { Double(latencies.count) / seconds }
        func percentile(_ p: Double) -> Double {
            let sorted = latencies.sorted()
            return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1000
        }
    }

    /// Sends every request once, `concurrency` at a time; every answer must be 200.
    func send(_ requests: [HTTPClientRequest], httpClient: HTTPClient) async throws -> Run {
        try await Self.timed(requests, concurrency: concurrency) { request in
            let response = try await httpClient.execute(request, timeout: .seconds(60))
            let body = try await response.body.collect(upTo: 1 << 20)
            guard response.status == .ok else { throw BenchError("hub answered \(response.status.code): \(String(buffer: body))") }
        }
    }

    static func timed<Work: Sendable>(_ work: [Work], concurrency: Int, _ body: @escaping @Sendable (Work) async throws -> Void) async throws -> Run {
        let start = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            let lanes = max(1, min(concurrency, work.count))
            for lane in 0..<lanes {
                let mine = stride(from: lane, to: work.count, by: lanes).map { work[$0] }
                group.addTask {
                    var latencies: [Double] = []
                    latencies.reserveCapacity(mine.count)
                    for item in mine {
                        let sent = ContinuousClock.now
                        try await body(item)
                        let elapsed = ContinuousClock.now - sent
                        latencies.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
                    }
                    return latencies
                }
            }
            return try await group.reduce(into: [Double]()) { $0 += $1 }
        }
        let elapsed = ContinuousClock.now - start
        return Run(seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18, latencies: latencies)
    }

    // MARK: Baselines: the same lookups as raw SQL

    /// What the store does for a records query, straight: the same single statement (the person
    /// by ID and card number, their periods, the audit row), one round trip, one commit.
    func rawRecords(_ cards: [(String, String)], client: PostgresClient, logger: Logger) async throws -> Run {
        try await Self.timed(cards, concurrency: concurrency) { card in
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let rows = try await client.query("""
                WITH person AS (SELECT citizen_id, name FROM people WHERE citizen_id = \(card.0) AND card_number = \(card.1)),
                audit AS (
                  INSERT INTO service_audit (at, actor, action, subject, outcome)
                  SELECT \(now), 'raw-sql', 'records.query', \(Redaction.maskCitizenID(card.0)),
                         CASE WHEN EXISTS (SELECT 1 FROM person) THEN 'found' ELSE 'not_found' END)
                SELECT p.citizen_id, p.name, r.insurance_type, r.employer, r.from_month, r.through_month, r.months, r.status
                FROM person p LEFT JOIN insurance_periods r ON r.citizen_id = p.citizen_id
                """, logger: logger)
            var found = false
            for try await _ in rows.decode((String, String, String?, String?, Int32?, Int32?, Int32?, String?).self) { found = true }
            guard found else { throw BenchError("raw lookup found nobody for a seeded card") }
        }
    }

    /// What /verify reads, straight: the certificate by code and its kiosk's key.
    func rawVerify(_ codes: [String], client: PostgresClient, logger: Logger) async throws -> Run {
        try await Self.timed(codes, concurrency: concurrency) { code in
            var device: String?
            for try await (id, _, _) in try await client.query(
                "SELECT device_id, canonical_form, signature FROM certificates WHERE code = \(code)", logger: logger).decode((String, Data, Data).self) {
                device = id
            }
            if let device {
                for try await _ in try await client.query("SELECT public_key FROM kiosks WHERE device_id = \(device)", logger: logger).decode(Data.self) {}
            }
        }
    }

    static func withPostgres<T: Sendable>(_ url: String, connections: Int, logger: Logger, _ body: @Sendable (PostgresClient) async throws -> T) async throws -> T {
        guard let components = URLComponents(string: url), let host = components.host else { throw BenchError("bad PostgreSQL URL") }
        let name = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        var configuration = PostgresClient.Configuration(host: host, port: components.port ?? 5432, username: components.user ?? "postgres",
                                                         password: components.password, database: name.isEmpty ? nil : name, tls: .disable)
        // The hub's own pool size, so both sides get the same database parallelism.
        configuration.options.maximumConnections = min(connections, 16)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    // MARK: Requests

    static func signedRecordsRequest(_ person: SeedPerson, signer: KioskSigningMiddleware, baseURL: String) throws -> HTTPClientRequest {
        let body = Data(#"{"citizen_id":"\#(person.citizenID)","card_number":"\#(person.cardNumber)","page":1,"page_size":20}"#.utf8)
        var request = HTTPRequest(method: .post, scheme: "http", authority: nil, path: "/v1/people/records")
        signer.sign(&request, body: body)
        var outgoing = HTTPClientRequest(url: baseURL + "/v1/people/records")
        outgoing.method = .POST
        outgoing.headers.add(name: "Content-Type", value: "application/json")
        for field in request.headerFields { outgoing.headers.add(name: field.name.rawName, value: field.value) }
        outgoing.body = .bytes(ByteBuffer(bytes: body))
        return outgoing
    }

    static func certificate(for person: SeedPerson, kioskID: String, number: Int) throws -> InsuranceCertificate {
        InsuranceCertificate(
            serialNumber: "\(kioskID.prefix(8))-2026-\(number)", holderName: person.name, citizenID: try CitizenID(person.citizenID),
            records: [], issuingOffice: "杭州市上城区社会保险服务中心",
            issuedAt: IssueTime(date: CalendarDate(year: 2026, month: 12, day: 1), hour: 9, minute: 0, second: 0),
            kioskID: kioskID, purpose: "压测")
    }
}
