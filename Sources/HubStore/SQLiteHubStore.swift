import CertificateVerification
import Foundation
import GRDB

/// The embedded engine: one SQLite file through GRDB, for a single hub process (the default).
///
/// WAL with `synchronous=FULL`: an acknowledgement the hub sends must survive a power cut, since
/// the kiosk deletes what was acknowledged. A busy timeout lets `zizhuctl`, writing the same file
/// from another process, wait for its turn instead of failing.
public final class SQLiteHubStore: HubStore {
    /// One writer connection and a pool of readers (WAL), so signature checks read kiosks while
    /// a batch commits.
    let database: DatabasePool
    /// The writes of kiosk requests (nonces, batches, heartbeats) go through group commit.
    private let groupCommit: GroupCommitWriter

    /// Seals qualification evidence at rest; `nil` makes ingesting evidence fail with a clear
    /// error (the hub answers 503 and the kiosk retries) rather than store it in clear.
    let evidenceKey: EvidenceKey?

    /// Opens (creating if needed) the database at `path` and migrates it.
    public init(path: String, evidenceKey: EvidenceKey? = nil) throws(HubStoreError) {
        self.evidenceKey = evidenceKey
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.foreignKeysEnabled = true
        do {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            database = try DatabasePool(path: path, configuration: configuration)
            // DatabasePool sets NORMAL on its writer after `prepareDatabase` runs; an
            // acknowledgement must survive a power cut (the kiosk then forgets the item), so FULL
            // is set here and read back.
            let synchronous = try database.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
                return try Int.fetchOne(db, sql: "PRAGMA synchronous")
            }
            guard synchronous == 2 else { throw HubStoreError.database("PRAGMA synchronous is \(synchronous ?? -1), expected FULL (2)") }
            try Self.migrator.migrate(database)
        } catch let error as HubStoreError {
            throw error
        } catch {
            throw .database(String(describing: error))
        }
        groupCommit = GroupCommitWriter(writer: database)
    }

    /// The writer connection's `PRAGMA synchronous` (2 = FULL), for tests.
    public func writerSynchronousMode() throws(HubStoreError) -> Int {
        try run { try database.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 } }
    }

    /// Named migrations; a shipped migration is never edited, only followed by a new one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration(HubSchema.v1Name) { db in
            for statement in HubSchema.v1(.sqlite) { try db.execute(sql: statement) }
        }
        migrator.registerMigration(HubSchema.v2Name) { db in
            for statement in HubSchema.v2(.sqlite) { try db.execute(sql: statement) }
        }
        migrator.registerMigration(HubSchema.v3Name) { db in
            for statement in HubSchema.v3(.sqlite) { try db.execute(sql: statement) }
        }
        migrator.registerMigration(HubSchema.v4Name) { db in
            for statement in HubSchema.v4(.sqlite) { try db.execute(sql: statement) }
        }
        return migrator
    }

    /// The applied migrations, in order.
    public func appliedMigrations() throws(HubStoreError) -> [String] {
        try run { try database.read { db in try Self.migrator.appliedMigrations(db) } }
    }

    public func issueEnrollmentCode(office: String, validFor: Duration, now: Date) async throws(HubStoreError) -> IssuedEnrollmentCode {
        let code = EnrollmentCodes.generate()
        let expires = now.addingTimeInterval(Double(validFor.components.seconds))
        try await write { db in
            try db.execute(sql: "INSERT INTO enrollment_codes (code_hash, office, created_at, expires_at) VALUES (?, ?, ?, ?)",
                           arguments: [EnrollmentCodes.hash(code), office, now.storedMilliseconds, expires.storedMilliseconds])
        }
        return IssuedEnrollmentCode(code: code, office: office, expiresAt: expires)
    }

    public func enroll(code: String, publicKey: Data, now: Date) async throws(HubStoreError) -> Result<KioskRecord, EnrollmentRefusal> {
        let hash = EnrollmentCodes.hash(code)
        let deviceID = UUID().uuidString.lowercased()
        return try await write { db -> Result<KioskRecord, EnrollmentRefusal> in
            guard let row = try Row.fetchOne(db, sql: "SELECT office, expires_at, used_at FROM enrollment_codes WHERE code_hash = ?", arguments: [hash]) else {
                return .failure(.unknownCode)
            }
            if (row["used_at"] as Int64?) != nil { return .failure(.codeAlreadyUsed) }
            if (row["expires_at"] as Int64) <= now.storedMilliseconds { return .failure(.codeExpired) }
            if try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM kiosks WHERE public_key = ?)", arguments: [publicKey]) == true {
                return .failure(.keyAlreadyEnrolled)
            }
            let office: String = row["office"]
            try db.execute(sql: "UPDATE enrollment_codes SET used_at = ?, device_id = ? WHERE code_hash = ?",
                           arguments: [now.storedMilliseconds, deviceID, hash])
            try db.execute(sql: "INSERT INTO kiosks (device_id, office, public_key, enrolled_at) VALUES (?, ?, ?, ?)",
                           arguments: [deviceID, office, publicKey, now.storedMilliseconds])
            return .success(KioskRecord(deviceID: deviceID, office: office, publicKey: publicKey, enrolledAt: Date(storedMilliseconds: now.storedMilliseconds), revokedAt: nil))
        }
    }

    public func kiosk(deviceID: String) async throws(HubStoreError) -> KioskRecord? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM kiosks WHERE device_id = ?", arguments: [deviceID]).map(Self.kiosk)
        }
    }

    public func kiosks() async throws(HubStoreError) -> [KioskRecord] {
        try await read { db in try Row.fetchAll(db, sql: "SELECT * FROM kiosks ORDER BY enrolled_at, device_id").map(Self.kiosk) }
    }

    private static func kiosk(_ row: Row) -> KioskRecord {
        KioskRecord(deviceID: row["device_id"], office: row["office"], publicKey: row["public_key"],
                    enrolledAt: Date(storedMilliseconds: row["enrolled_at"]),
                    revokedAt: (row["revoked_at"] as Int64?).map(Date.init(storedMilliseconds:)))
    }

    public func revoke(deviceID: String, now: Date) async throws(HubStoreError) -> Bool {
        try await write { db in
            try db.execute(sql: "UPDATE kiosks SET revoked_at = COALESCE(revoked_at, ?) WHERE device_id = ?",
                           arguments: [now.storedMilliseconds, deviceID])
            return db.changesCount > 0
        }
    }

    public func recordNonce(deviceID: String, nonce: String, created: Date, forgetBefore: Date) async throws(HubStoreError) -> Bool {
        try await groupWrite { db in
            try db.execute(sql: "DELETE FROM request_nonces WHERE device_id = ? AND created_at < ?",
                           arguments: [deviceID, forgetBefore.storedMilliseconds])
            try db.execute(sql: "INSERT INTO request_nonces (device_id, nonce, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                           arguments: [deviceID, nonce, created.storedMilliseconds])
            return db.changesCount == 1
        }
    }

    public func ingest(deviceID: String, items: [IncomingTransaction], limits: IngestionLimits, now: Date) async throws(HubStoreError) -> IngestionResult {
        try await groupWrite { db in
            guard let contiguous = try Int64.fetchOne(db, sql: "SELECT contiguous_through FROM kiosks WHERE device_id = ?", arguments: [deviceID]) else {
                throw HubStoreError.database("no kiosk \(deviceID)")
            }
            var stored: [Int64: IngestionPlan.StoredItem] = [:]
            let seqs = Set(items.map(\.seq))
            // Two index searches, not one OR: with `seq > ? OR seq IN (…)` SQLite walks every item
            // of the kiosk, and each batch would cost more than the one before. (A seq found by
            // both halves lands on the same key below.)
            let rows = try Row.fetchCursor(db, sql: """
                SELECT seq, rejection, kind, wall_time, boot_id, monotonic_ns, payload FROM transactions
                WHERE device_id = ? AND seq > ?
                UNION ALL
                SELECT seq, rejection, kind, wall_time, boot_id, monotonic_ns, payload FROM transactions
                WHERE device_id = ? AND seq IN (SELECT value FROM json_each(?))
                """, arguments: [deviceID, contiguous, deviceID, "[" + seqs.map(String.init).joined(separator: ",") + "]"])
            while let row = try rows.next() {
                stored[row["seq"]] = IngestionPlan.StoredItem(
                    rejection: (row["rejection"] as String?).flatMap(TransactionRejection.init(rawValue:)),
                    fingerprint: .init(kind: row["kind"], wallTimeMilliseconds: row["wall_time"], bootID: row["boot_id"],
                                       monotonicNanoseconds: row["monotonic_ns"], payloadJSON: row["payload"]))
            }
            let plan = IngestionPlan(items: items, stored: stored, contiguousThrough: contiguous, limits: limits, now: now)
            let insert = try db.cachedStatement(sql: """
                INSERT INTO transactions (device_id, seq, kind, wall_time, boot_id, monotonic_ns, payload, rejection, clock_skew_flagged, received_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for row in plan.newRows {
                try insert.execute(arguments: [deviceID, row.item.seq, row.item.kind, row.item.wallTime.storedMilliseconds, row.item.bootID,
                                               row.item.monotonicNanoseconds, row.item.payloadJSON, row.rejection?.rawValue,
                                               row.clockSkewFlagged, now.storedMilliseconds])
            }
            try db.execute(sql: "UPDATE kiosks SET contiguous_through = ?, highest_seq = MAX(highest_seq, ?) WHERE device_id = ?",
                           arguments: [plan.result.contiguousThrough, plan.highestSeq, deviceID])
            for (seq, registration) in plan.newCertificates {
                // A reprint is a new item with the same certificate: the first record stands.
                try db.execute(sql: """
                    INSERT INTO certificates (code, device_id, seq, canonical_form, signature, recorded_at) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (code) DO NOTHING
                    """, arguments: [registration.code.compact, deviceID, seq, registration.canonicalForm, registration.signature, now.storedMilliseconds])
            }
            try Self.applyServiceItems(plan.newServiceItems, deviceID: deviceID, policy: limits.qualification, evidenceKey: self.evidenceKey, now: now, db)
            return plan.result
        }
    }

    public func storedTransactionCount(deviceID: String) async throws(HubStoreError) -> Int {
        try await read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM transactions WHERE device_id = ?", arguments: [deviceID]) ?? 0 }
    }

    public func certificate(code: String) async throws(HubStoreError) -> StoredCertificate? {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT code, device_id, canonical_form, signature FROM certificates WHERE code = ?", arguments: [code]).map { row in
                StoredCertificate(code: row["code"], deviceID: row["device_id"], canonicalForm: row["canonical_form"], signature: row["signature"])
            }
        }
    }

    public func recordHeartbeat(_ heartbeat: StoredHeartbeat, historyLimit: Int) async throws(HubStoreError) {
        try await groupWrite { db in
            try db.execute(sql: "INSERT INTO heartbeats (device_id, received_at, clock_skew_ms, report) VALUES (?, ?, ?, ?)",
                           arguments: [heartbeat.deviceID, heartbeat.receivedAt.storedMilliseconds, heartbeat.clockSkewMilliseconds, heartbeat.reportJSON])
            try db.execute(sql: """
                DELETE FROM heartbeats WHERE device_id = ? AND id NOT IN
                  (SELECT id FROM heartbeats WHERE device_id = ? ORDER BY id DESC LIMIT ?)
                """, arguments: [heartbeat.deviceID, heartbeat.deviceID, historyLimit])
        }
    }

    public func heartbeats(deviceID: String, limit: Int) async throws(HubStoreError) -> [StoredHeartbeat] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM heartbeats WHERE device_id = ? ORDER BY id DESC LIMIT ?", arguments: [deviceID, limit]).map { row in
                StoredHeartbeat(deviceID: row["device_id"], receivedAt: Date(storedMilliseconds: row["received_at"]),
                                clockSkewMilliseconds: row["clock_skew_ms"], reportJSON: row["report"])
            }
        }
    }

    public func publishUpdate(deviceID: String, kind: String, payloadJSON: String, now: Date) async throws(HubStoreError) -> Int64 {
        try await write { db in
            try db.execute(sql: "INSERT INTO updates (device_id, kind, payload, created_at) VALUES (?, ?, ?, ?)",
                           arguments: [deviceID, kind, payloadJSON, now.storedMilliseconds])
            return db.lastInsertedRowID
        }
    }

    public func updates(deviceID: String, after: Int64, limit: Int) async throws(HubStoreError) -> [StoredUpdate] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM updates WHERE device_id = ? AND cursor > ? ORDER BY cursor LIMIT ?",
                             arguments: [deviceID, after, limit]).map { row in
                StoredUpdate(cursor: row["cursor"], kind: row["kind"], payloadJSON: row["payload"], createdAt: Date(storedMilliseconds: row["created_at"]))
            }
        }
    }

    // MARK: Errors as values

    func groupWrite<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(HubStoreError) -> T {
        do {
            return try await groupCommit.write(body)
        } catch let error as HubStoreError {
            throw error
        } catch {
            throw .database(String(describing: error))
        }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(HubStoreError) -> T {
        do {
            return try await database.write(body)
        } catch let error as HubStoreError {
            throw error
        } catch {
            throw .database(String(describing: error))
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(HubStoreError) -> T {
        do {
            return try await database.read(body)
        } catch {
            throw .database(String(describing: error))
        }
    }

    private func run<T>(_ body: () throws -> T) throws(HubStoreError) -> T {
        do { return try body() } catch { throw .database(String(describing: error)) }
    }
}
