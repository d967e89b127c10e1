import CertificateVerification
import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// The fleet engine: PostgreSQL through postgres-nio, for a province's kiosks and for several hub
/// processes sharing one database.
///
/// The client's connection pool must run (``run()``) while the store is used; ``HubDatabase``
/// does that around its body. Batches of one kiosk are serialised by locking the kiosk's row
/// (`SELECT … FOR UPDATE`), so concurrent deliveries of the same batch, to any hub process, see
/// each other's committed rows instead of racing.
public final class PostgresHubStore: HubStore, Service {
    let client: PostgresClient
    let logger: Logger

    /// - Parameter url: `postgres://user[:password]@host[:port]/database`.
    /// Seals qualification evidence at rest (see ``SQLiteHubStore``).
    let evidenceKey: EvidenceKey?

    public init(url: String, logger: Logger, evidenceKey: EvidenceKey? = nil) throws(HubStoreError) {
        self.evidenceKey = evidenceKey
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
              let host = components.host, !host.isEmpty else {
            throw .invalidLocation("\(HubDatabase.redacted(url)): expected postgres://user@host:port/database")
        }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        if let mode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value, mode != "disable" {
            throw .invalidLocation("sslmode=\(mode): TLS to PostgreSQL is not supported yet; use a local socket or a private network")
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: components.port ?? 5432, username: components.user ?? "postgres",
            password: components.password, database: database.isEmpty ? nil : database, tls: .disable)
        configuration.options.maximumConnections = 16
        self.client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.logger = logger
    }

    /// Runs the connection pool until cancelled.
    public func run() async {
        await client.run()
    }

    /// Applies the named migrations not yet applied, under an advisory lock so that hub processes
    /// starting together migrate once.
    public func migrate() async throws(HubStoreError) {
        do {
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(2026061201)", logger: logger)
                try await connection.query("""
                    CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())
                    """, logger: logger)
                var applied = Set<String>()
                for try await name in try await connection.query("SELECT name FROM schema_migrations", logger: logger).decode(String.self) {
                    applied.insert(name)
                }
                for (name, statements) in Self.migrations where !applied.contains(name) {
                    for statement in statements {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query("INSERT INTO schema_migrations (name) VALUES (\(name))", logger: logger)
                }
            }
        } catch {
            throw .migration(String(reflecting: error))
        }
    }

    static let migrations: [(String, [String])] = [
        (HubSchema.v1Name, HubSchema.v1(.postgres)),
        (HubSchema.v2Name, HubSchema.v2(.postgres)),
        (HubSchema.v3Name, HubSchema.v3(.postgres)),
        (HubSchema.v4Name, HubSchema.v4(.postgres)),
    ]

    /// The applied migrations, in order.
    public func appliedMigrations() async throws(HubStoreError) -> [String] {
        try await perform {
            var names: [String] = []
            for try await name in try await self.client.query("SELECT name FROM schema_migrations ORDER BY applied_at, name", logger: self.logger).decode(String.self) {
                names.append(name)
            }
            return names
        }
    }

    public func issueEnrollmentCode(office: String, validFor: Duration, now: Date) async throws(HubStoreError) -> IssuedEnrollmentCode {
        let code = EnrollmentCodes.generate()
        let expires = now.addingTimeInterval(Double(validFor.components.seconds))
        _ = try await perform {
            try await self.client.query("""
                INSERT INTO enrollment_codes (code_hash, office, created_at, expires_at)
                VALUES (\(EnrollmentCodes.hash(code)), \(office), \(now.storedMilliseconds), \(expires.storedMilliseconds))
                """, logger: self.logger)
        }
        return IssuedEnrollmentCode(code: code, office: office, expiresAt: expires)
    }

    public func enroll(code: String, publicKey: Data, now: Date) async throws(HubStoreError) -> Result<KioskRecord, EnrollmentRefusal> {
        let hash = EnrollmentCodes.hash(code)
        let deviceID = UUID().uuidString.lowercased()
        let logger = self.logger
        return try await transaction { connection -> Result<KioskRecord, EnrollmentRefusal> in
            let rows = try await connection.query("""
                SELECT office, expires_at, used_at FROM enrollment_codes WHERE code_hash = \(hash) FOR UPDATE
                """, logger: logger)
            var found: (String, Int64, Int64?)?
            for try await row in rows.decode((String, Int64, Int64?).self) { found = row }
            guard let (office, expiresAt, usedAt) = found else { return .failure(.unknownCode) }
            if usedAt != nil { return .failure(.codeAlreadyUsed) }
            if expiresAt <= now.storedMilliseconds { return .failure(.codeExpired) }
            var keyTaken = false
            for try await _ in try await connection.query("SELECT 1 FROM kiosks WHERE public_key = \(publicKey)", logger: logger).decode(Int32.self) {
                keyTaken = true
            }
            if keyTaken { return .failure(.keyAlreadyEnrolled) }
            try await connection.query("""
                UPDATE enrollment_codes SET used_at = \(now.storedMilliseconds), device_id = \(deviceID) WHERE code_hash = \(hash)
                """, logger: logger)
            try await connection.query("""
                INSERT INTO kiosks (device_id, office, public_key, enrolled_at)
                VALUES (\(deviceID), \(office), \(publicKey), \(now.storedMilliseconds))
                """, logger: logger)
            return .success(KioskRecord(deviceID: deviceID, office: office, publicKey: publicKey,
                                        enrolledAt: Date(storedMilliseconds: now.storedMilliseconds), revokedAt: nil))
        }
    }

    public func kiosk(deviceID: String) async throws(HubStoreError) -> KioskRecord? {
        try await fetchKiosks("SELECT device_id, office, public_key, enrolled_at, revoked_at FROM kiosks WHERE device_id = \(deviceID)").first
    }

    public func kiosks() async throws(HubStoreError) -> [KioskRecord] {
        try await fetchKiosks("SELECT device_id, office, public_key, enrolled_at, revoked_at FROM kiosks ORDER BY enrolled_at, device_id")
    }

    private func fetchKiosks(_ query: PostgresQuery) async throws(HubStoreError) -> [KioskRecord] {
        try await perform {
            var kiosks: [KioskRecord] = []
            let rows = try await self.client.query(query, logger: self.logger)
            for try await (id, office, key, enrolled, revoked) in rows.decode((String, String, Data, Int64, Int64?).self) {
                kiosks.append(KioskRecord(deviceID: id, office: office, publicKey: key, enrolledAt: Date(storedMilliseconds: enrolled),
                                          revokedAt: revoked.map(Date.init(storedMilliseconds:))))
            }
            return kiosks
        }
    }

    public func revoke(deviceID: String, now: Date) async throws(HubStoreError) -> Bool {
        try await perform {
            let rows = try await self.client.query("""
                UPDATE kiosks SET revoked_at = COALESCE(revoked_at, \(now.storedMilliseconds)) WHERE device_id = \(deviceID) RETURNING 1
                """, logger: self.logger)
            return try await rows.collect().count == 1
        }
    }

    public func recordNonce(deviceID: String, nonce: String, created: Date, forgetBefore: Date) async throws(HubStoreError) -> Bool {
        // One statement, one round trip: forgetting old nonces and recording this one.
        try await perform {
            let rows = try await self.client.query("""
                WITH forgotten AS (
                  DELETE FROM request_nonces WHERE device_id = \(deviceID) AND created_at < \(forgetBefore.storedMilliseconds))
                INSERT INTO request_nonces (device_id, nonce, created_at) VALUES (\(deviceID), \(nonce), \(created.storedMilliseconds))
                ON CONFLICT DO NOTHING RETURNING 1
                """, logger: self.logger)
            return try await rows.collect().count == 1
        }
    }

    public func ingest(deviceID: String, items: [IncomingTransaction], limits: IngestionLimits, now: Date) async throws(HubStoreError) -> IngestionResult {
        let logger = self.logger
        return try await transaction { connection -> IngestionResult in
            // Lock the kiosk's row first (concurrent deliveries of its batches, from any hub
            // process, queue here), then read in a new statement: under READ COMMITTED only a
            // statement that starts after the lock is granted sees what the previous holder
            // committed. (One statement doing both would read the items with the snapshot taken
            // before the wait, miss them, and try to insert them again.)
            var contiguous: Int64?
            for try await value in try await connection.query(
                "SELECT contiguous_through FROM kiosks WHERE device_id = \(deviceID) FOR UPDATE", logger: logger).decode(Int64.self) {
                contiguous = value
            }
            var stored: [Int64: IngestionPlan.StoredItem] = [:]
            let seqs = Array(Set(items.map(\.seq)))
            let rows = try await connection.query("""
                SELECT seq, rejection, kind, wall_time, boot_id, monotonic_ns, payload FROM transactions
                WHERE device_id = \(deviceID) AND seq > \(contiguous ?? 0)
                UNION ALL
                SELECT seq, rejection, kind, wall_time, boot_id, monotonic_ns, payload FROM transactions
                WHERE device_id = \(deviceID) AND seq = ANY(\(seqs))
                """, logger: logger)
            for try await (seq, rejection, kind, wallTime, bootID, monotonic, payload) in rows.decode((Int64, String?, String, Int64, String, Int64, String).self) {
                stored[seq] = IngestionPlan.StoredItem(
                    rejection: rejection.flatMap(TransactionRejection.init(rawValue:)),
                    fingerprint: .init(kind: kind, wallTimeMilliseconds: wallTime, bootID: bootID, monotonicNanoseconds: monotonic, payloadJSON: payload))
            }
            guard let contiguous else { throw HubStoreError.database("no kiosk \(deviceID)") }
            let plan = IngestionPlan(items: items, stored: stored, contiguousThrough: contiguous, limits: limits, now: now)
            // One statement for the new rows and the kiosk's high-water mark: arrays in, unnest
            // into rows. An empty rejection string stands for "accepted" because the arrays
            // cannot hold NULLs here.
            let new = plan.newRows
            try await connection.query("""
                WITH inserted AS (
                  INSERT INTO transactions (device_id, seq, kind, wall_time, boot_id, monotonic_ns, payload, rejection, clock_skew_flagged, received_at)
                  SELECT \(deviceID), seq, kind, wall_time, boot_id, monotonic_ns, payload, NULLIF(rejection, ''), flagged, \(now.storedMilliseconds)
                  FROM unnest(\(new.map(\.item.seq))::BIGINT[], \(new.map(\.item.kind))::TEXT[], \(new.map(\.item.wallTime.storedMilliseconds))::BIGINT[],
                              \(new.map(\.item.bootID))::TEXT[], \(new.map(\.item.monotonicNanoseconds))::BIGINT[], \(new.map(\.item.payloadJSON))::TEXT[],
                              \(new.map { $0.rejection?.rawValue ?? "" })::TEXT[], \(new.map(\.clockSkewFlagged))::BOOLEAN[])
                    AS batch (seq, kind, wall_time, boot_id, monotonic_ns, payload, rejection, flagged))
                UPDATE kiosks SET contiguous_through = \(plan.result.contiguousThrough), highest_seq = GREATEST(highest_seq, \(plan.highestSeq))
                WHERE device_id = \(deviceID)
                """, logger: logger)
            for (seq, registration) in plan.newCertificates {
                // A reprint is a new item with the same certificate: the first record stands.
                try await connection.query("""
                    INSERT INTO certificates (code, device_id, seq, canonical_form, signature, recorded_at)
                    VALUES (\(registration.code.compact), \(deviceID), \(seq), \(registration.canonicalForm), \(registration.signature), \(now.storedMilliseconds))
                    ON CONFLICT (code) DO NOTHING
                    """, logger: logger)
            }
            try await self.applyServiceItems(plan.newServiceItems, deviceID: deviceID, policy: limits.qualification, now: now, connection)
            return plan.result
        }
    }

    public func certificate(code: String) async throws(HubStoreError) -> StoredCertificate? {
        try await perform {
            let rows = try await self.client.query(
                "SELECT code, device_id, canonical_form, signature FROM certificates WHERE code = \(code)", logger: self.logger)
            for try await (code, deviceID, canonical, signature) in rows.decode((String, String, Data, Data).self) {
                return StoredCertificate(code: code, deviceID: deviceID, canonicalForm: canonical, signature: signature)
            }
            return nil
        }
    }

    public func storedTransactionCount(deviceID: String) async throws(HubStoreError) -> Int {
        try await perform {
            var count: Int64 = 0
            for try await value in try await self.client.query(
                "SELECT COUNT(*) FROM transactions WHERE device_id = \(deviceID)", logger: self.logger).decode(Int64.self) {
                count = value
            }
            return Int(count)
        }
    }

    public func recordHeartbeat(_ heartbeat: StoredHeartbeat, historyLimit: Int) async throws(HubStoreError) {
        let logger = self.logger
        try await transaction { connection in
            try await connection.query("""
                INSERT INTO heartbeats (device_id, received_at, clock_skew_ms, report)
                VALUES (\(heartbeat.deviceID), \(heartbeat.receivedAt.storedMilliseconds), \(heartbeat.clockSkewMilliseconds), \(heartbeat.reportJSON))
                """, logger: logger)
            try await connection.query("""
                DELETE FROM heartbeats WHERE device_id = \(heartbeat.deviceID) AND id NOT IN
                  (SELECT id FROM heartbeats WHERE device_id = \(heartbeat.deviceID) ORDER BY id DESC LIMIT \(historyLimit))
                """, logger: logger)
        }
    }

    public func heartbeats(deviceID: String, limit: Int) async throws(HubStoreError) -> [StoredHeartbeat] {
        try await perform {
            var beats: [StoredHeartbeat] = []
            let rows = try await self.client.query("""
                SELECT received_at, clock_skew_ms, report FROM heartbeats WHERE device_id = \(deviceID) ORDER BY id DESC LIMIT \(limit)
                """, logger: self.logger)
            for try await (received, skew, report) in rows.decode((Int64, Int64, String).self) {
                beats.append(StoredHeartbeat(deviceID: deviceID, receivedAt: Date(storedMilliseconds: received), clockSkewMilliseconds: skew, reportJSON: report))
            }
            return beats
        }
    }

    public func publishUpdate(deviceID: String, kind: String, payloadJSON: String, now: Date) async throws(HubStoreError) -> Int64 {
        try await perform {
            var cursor: Int64 = 0
            for try await value in try await self.client.query("""
                INSERT INTO updates (device_id, kind, payload, created_at) VALUES (\(deviceID), \(kind), \(payloadJSON), \(now.storedMilliseconds))
                RETURNING cursor
                """, logger: self.logger).decode(Int64.self) {
                cursor = value
            }
            return cursor
        }
    }

    public func updates(deviceID: String, after: Int64, limit: Int) async throws(HubStoreError) -> [StoredUpdate] {
        try await perform {
            var updates: [StoredUpdate] = []
            let rows = try await self.client.query("""
                SELECT cursor, kind, payload, created_at FROM updates WHERE device_id = \(deviceID) AND cursor > \(after) ORDER BY cursor LIMIT \(limit)
                """, logger: self.logger)
            for try await (cursor, kind, payload, created) in rows.decode((Int64, String, String, Int64).self) {
                updates.append(StoredUpdate(cursor: cursor, kind: kind, payloadJSON: payload, createdAt: Date(storedMilliseconds: created)))
            }
            return updates
        }
    }

    // MARK: Errors as values

    func perform<T: Sendable>(_ body: @Sendable () async throws -> T) async throws(HubStoreError) -> T {
        do {
            return try await body()
        } catch let error as HubStoreError {
            throw error
        } catch {
            throw .database(String(reflecting: error))
        }
    }

    func transaction<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws(HubStoreError) -> T {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch let error as PostgresTransactionError {
            if let inner = error.closureError as? HubStoreError { throw inner }
            throw .database(String(reflecting: error))
        } catch {
            throw .database(String(reflecting: error))
        }
    }
}
