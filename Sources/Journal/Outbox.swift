import Foundation
import GRDB
import Logging

/// One business transaction as journalled on the kiosk: the fact, never a PIN or a raw citizen ID.
public struct JournalEntry: Sendable, Equatable {
    /// Gap-free per device, assigned inside the writing transaction; with the device ID, the hub's
    /// idempotency key.
    public let seq: Int64
    /// A lower-case dotted name, e.g. `certificate.printed`.
    public let kind: String
    /// The fact as a JSON object, sent to the hub verbatim.
    public let payloadJSON: String
    /// Wall clock when journalled: evidence, not order (the clock can jump).
    public let wallTime: Date
    /// `/proc/sys/kernel/random/boot_id` at that time.
    public let bootID: String
    /// CLOCK_MONOTONIC since that boot, in nanoseconds.
    public let monotonicNanoseconds: Int64
    /// Why this row cannot be read back (a sealed field or its evidence does not open), or `nil`.
    /// Such an item is parked for a technician instead of blocking every later seq.
    public let unreadableReason: String?

    init(seq: Int64, kind: String, payloadJSON: String, wallTime: Date, bootID: String, monotonicNanoseconds: Int64,
         unreadableReason: String? = nil) {
        self.seq = seq
        self.kind = kind
        self.payloadJSON = payloadJSON
        self.wallTime = wallTime
        self.bootID = bootID
        self.monotonicNanoseconds = monotonicNanoseconds
        self.unreadableReason = unreadableReason
    }
}

/// What the journal knows about delivery to the hub, for the admin screen and heartbeats.
public struct OutboxBacklog: Sendable, Equatable {
    /// Items written but not yet acknowledged by the hub.
    public let pendingCount: Int
    /// Wall time of the oldest pending item (`nil` when nothing waits).
    public let oldestPendingWallTime: Date?
    /// Items the hub refused for good; staff must look at them.
    public let parkedCount: Int

    public init(pendingCount: Int, oldestPendingWallTime: Date?, parkedCount: Int) {
        self.pendingCount = pendingCount
        self.oldestPendingWallTime = oldestPendingWallTime
        self.parkedCount = parkedCount
    }
}

/// An item the hub refused and staff must look at.
public struct ParkedItem: Sendable, Equatable {
    public let seq: Int64
    public let kind: String
    public let reason: String

    public init(seq: Int64, kind: String, reason: String) {
        self.seq = seq
        self.kind = kind
        self.reason = reason
    }
}

extension AppDatabase {
    static func registerOutboxMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("2026-11-create-business-transactions-and-outbox") { db in
            // The business record stays on the kiosk; the outbox row says it still has to reach the hub.
            // Both are written in one transaction, so neither exists without the other.
            try db.create(table: "business_transaction") { table in
                table.primaryKey("seq", .integer).notNull()
                table.column("kind", .text).notNull()
                table.column("payload", .text).notNull()
                table.column("wall_time", .double).notNull()
                table.column("boot_id", .text).notNull()
                table.column("monotonic_ns", .integer).notNull()
            }
            try db.create(table: "outbox") { table in
                table.primaryKey("seq", .integer).notNull()
                    .references("business_transaction", onDelete: .restrict)
                // 'pending' until the hub answers for it; 'parked' when the hub refused it for good.
                table.column("state", .text).notNull().defaults(to: "pending")
                    .check { ["pending", "parked"].contains($0) }
                table.column("park_reason", .text)
                table.column("attempts", .integer).notNull().defaults(to: 0)
            }
            try db.create(index: "outbox_state_seq", on: "outbox", columns: ["state", "seq"])
        }
    }

    /// Journals a business transaction and its outbox row in one durable transaction.
    /// - Returns: the entry with its gap-free seq.
    /// - Throws: ``JournalError/payloadIsNotAJSONObject`` for a bad payload (a programming fault),
    ///   ``JournalError/diskReserveReached(freeBytes:)`` below the reserve with no ballast left,
    ///   or GRDB's error when the disk is full or unusable (nothing is written then).
    ///   Personal fields (``personalFieldNames``) are sealed with the device key before they reach
    ///   the file; `evidence` (face frames and the challenge log) goes to its own table, sealed, in
    ///   the same transaction.
    @discardableResult
    public func record(kind: String, payload: [String: any Sendable], evidence: FaceEvidence? = nil,
                       clock: JournalClock = .system) throws -> JournalEntry {
        guard JSONSerialization.isValidJSONObject(payload),
              let data = try? JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys, .withoutEscapingSlashes]),
              let json = String(data: data, encoding: .utf8)
        else { throw JournalError.payloadIsNotAJSONObject(kind: kind) }
        return try record(kind: kind, payloadJSON: json, evidence: evidence, clock: clock)
    }

    /// Payload keys whose values the journal seals (citizen IDs, names, phone and card numbers, a
    /// certificate's canonical form), at any depth of the payload.
    public static var personalFieldNames: Set<String> { PersonalDataSealer.personalFieldNames }

    /// Journals a business transaction whose payload is already a JSON object.
    @discardableResult
    public func record(kind: String, payloadJSON: String, evidence: FaceEvidence? = nil, clock: JournalClock = .system) throws -> JournalEntry {
        // Only payloads that may hold a personal field are parsed; the common case stores the text.
        var object: [String: Any]?
        if PersonalDataSealer.mayHoldPersonalFields(payloadJSON) {
            guard let parsed = try? JSONSerialization.jsonObject(with: Data(payloadJSON.utf8)) as? [String: Any] else {
                throw JournalError.payloadIsNotAJSONObject(kind: kind)
            }
            object = parsed
        }
        let sealedEvidence = try evidence.map { evidence throws(JournalError) in try evidence.encoded() }
        try reserveCheckForTransaction()
        let stamp = clock.now()
        return try writer.write { db in
            let seq = try Self.nextSeq(db)
            let stored = try object.flatMap { object throws(JournalError) in try sealer.sealPersonalFields(object, seq: seq, kind: kind) } ?? payloadJSON
            try Self.insertTransaction(db, seq: seq, kind: kind, payloadJSON: stored, stamp: stamp)
            if let sealedEvidence {
                try insertFaceEvidence(db, seq: seq, bundle: sealedEvidence, stamp: stamp)
            }
            return JournalEntry(seq: seq, kind: kind, payloadJSON: payloadJSON, wallTime: stamp.wallTime,
                                bootID: stamp.bootID, monotonicNanoseconds: stamp.monotonicNanoseconds)
        }
    }

    /// The next business seq. SQLite has a single writer, so MAX(seq)+1 inside the write
    /// transaction has no gaps. Acknowledged items keep their business row, so the maximum never
    /// goes backwards.
    static func nextSeq(_ db: Database) throws -> Int64 {
        (try Int64.fetchOne(db.cachedStatement(sql: "SELECT MAX(seq) FROM business_transaction")) ?? 0) + 1
    }

    /// The business row and its outbox row; the caller's transaction makes them one.
    static func insertTransaction(_ db: Database, seq: Int64, kind: String, payloadJSON: String, stamp: JournalClock.Stamp) throws {
        // Cached statements: compiled once per connection, not once per transaction.
        try db.cachedStatement(sql: "INSERT INTO business_transaction(seq, kind, payload, wall_time, boot_id, monotonic_ns) VALUES (?, ?, ?, ?, ?, ?)")
            .execute(arguments: [seq, kind, payloadJSON, stamp.wallTime.timeIntervalSince1970, stamp.bootID, stamp.monotonicNanoseconds])
        try db.cachedStatement(sql: "INSERT INTO outbox(seq) VALUES (?)").execute(arguments: [seq])
    }

    /// Whether a new service may start: the disk has more than the reserve free and the ballast is
    /// in place. Call it before taking a citizen's request, so the kiosk refuses up front ("please
    /// use the counter") instead of failing halfway.
    /// - Throws: ``JournalError/diskReserveReached(freeBytes:)``.
    public func admitNewService() throws(JournalError) {
        if let ballast, !ballast.isInPlace {
            // Emergency mode: the ballast was spent. New work waits until it can be re-created.
            guard ballast.create(reserve: diskReserve) else {
                throw .diskReserveReached(freeBytes: diskReserve.freeBytes(path) ?? 0)
            }
            logger.notice("ballast file re-created; the kiosk takes new services again", metadata: ["ballast": "\(ballast.path)"])
        }
        try diskReserve.check(path: path)
    }

    /// Before writing a transaction: below the reserve, the ballast is released (once) so the
    /// transaction under way can finish; without a ballast the transaction is refused unwritten.
    func reserveCheckForTransaction() throws(JournalError) {
        do {
            try diskReserve.check(path: path)
        } catch {
            guard let ballast, ballast.release() else { throw error }
            logger.critical("disk reserve reached: ballast released so the transaction under way can finish; new services are refused until space returns",
                            metadata: ["ballast": "\(ballast.path)", "free_bytes": "\(diskReserve.freeBytes(path) ?? 0)"])
        }
    }

    /// The oldest pending items in seq order, at most `limit` of them, with sealed fields opened
    /// and face evidence attached: what the hub gets.
    public func pendingEntries(limit: Int) throws -> [JournalEntry] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT b.seq, b.kind, b.payload, b.wall_time, b.boot_id, b.monotonic_ns, f.sealed, f.deleted_reason
                FROM outbox o JOIN business_transaction b ON b.seq = o.seq LEFT JOIN face_evidence f ON f.seq = o.seq
                WHERE o.state = 'pending' ORDER BY o.seq LIMIT ?
                """, arguments: [limit]).map(entry)
        }
    }

    /// Applies the hub's answer for one batch in one local transaction: acknowledged seqs leave
    /// the outbox, refused ones are parked with the hub's reason. Seqs the answer does not name stay
    /// pending and go again with the same key.
    ///   Face evidence of those seqs is deleted in the same transaction: the hub has it (or refused
    ///   it for good), so the kiosk has no reason to keep it.
    public func applyAcknowledgements(delivered: some Sequence<Int64>, refused: [(seq: Int64, reason: String)]) throws {
        try writer.write { db in
            let evidenceHeld = try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM face_evidence WHERE sealed IS NOT NULL)") ?? false
            let now = Date().timeIntervalSince1970
            for seq in delivered {
                try db.execute(sql: "DELETE FROM outbox WHERE seq = ? AND state = 'pending'", arguments: [seq])
                if evidenceHeld { try Self.deleteFaceEvidence(db, seq: seq, reason: "acknowledged", at: now) }
            }
            for item in refused {
                try db.execute(sql: "UPDATE outbox SET state = 'parked', park_reason = ? WHERE seq = ?", arguments: [item.reason, item.seq])
                if evidenceHeld { try Self.deleteFaceEvidence(db, seq: item.seq, reason: "parked", at: now) }
            }
        }
    }

    /// Counts one more delivery attempt for these seqs (for the admin screen; the key stays the same).
    public func countAttempt(seqs: some Sequence<Int64>) throws {
        try writer.write { db in
            for seq in seqs {
                try db.execute(sql: "UPDATE outbox SET attempts = attempts + 1 WHERE seq = ?", arguments: [seq])
            }
        }
    }

    /// Pending and parked counts and the oldest pending item's time.
    public func backlog() throws -> OutboxBacklog {
        try writer.read { db in
            let pending = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE state = 'pending'") ?? 0
            let parked = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE state = 'parked'") ?? 0
            let oldest = try Double.fetchOne(db, sql: """
                SELECT b.wall_time FROM outbox o JOIN business_transaction b ON b.seq = o.seq
                WHERE o.state = 'pending' ORDER BY o.seq LIMIT 1
                """)
            return OutboxBacklog(pendingCount: pending, oldestPendingWallTime: oldest.map(Date.init(timeIntervalSince1970:)), parkedCount: parked)
        }
    }

    /// Items the hub refused, in seq order, for staff; at most `limit` (the oldest) when given.
    public func parkedItems(limit: Int? = nil) throws -> [ParkedItem] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT o.seq, COALESCE(b.kind, 'unknown'), o.park_reason FROM outbox o LEFT JOIN business_transaction b ON b.seq = o.seq
                WHERE o.state = 'parked' ORDER BY o.seq LIMIT ?
                """, arguments: [limit ?? -1]).map { ParkedItem(seq: $0[0], kind: $0[1], reason: $0[2] ?? "") }
        }
    }

    /// Journalled entries with seqs in `range`, delivered or not, in seq order.
    public func entries(in range: ClosedRange<Int64>) throws -> [JournalEntry] {
        try writer.read { db in
            try Row.fetchAll(db, sql: """
                SELECT seq, kind, payload, wall_time, boot_id, monotonic_ns FROM business_transaction
                WHERE seq BETWEEN ? AND ? ORDER BY seq
                """, arguments: [range.lowerBound, range.upperBound]).map(entry)
        }
    }

    /// A row as the hub gets it: sealed fields opened; evidence (columns 6 and 7, when selected)
    /// attached, or marked expired when retention deleted it before delivery.
    func entry(_ row: Row) -> JournalEntry {
        let seq: Int64 = row[0]
        var payload: String = row[2]
        var unreadable: String?
        var extra: [String: Any] = [:]
        if row.count > 6 {
            if let sealed = row[6] as Data? {
                if let evidence = FaceEvidence.open(sealed, seq: seq, sealer: sealer) {
                    extra[FaceEvidence.payloadKey] = evidence.payloadObject
                } else {
                    unreadable = "face_evidence_unreadable"
                }
            } else if (row[7] as String?) == "retention" {
                extra[FaceEvidence.expiredPayloadKey] = true
            }
        }
        do {
            payload = try sealer.openPersonalFields(payload, seq: seq, extra: extra)
        } catch {
            unreadable = unreadable ?? "personal_data_unreadable"
        }
        return JournalEntry(seq: seq, kind: row[1], payloadJSON: payload, wallTime: Date(timeIntervalSince1970: row[3]),
                            bootID: row[4], monotonicNanoseconds: row[5], unreadableReason: unreadable)
    }

    /// `PRAGMA integrity_check`: `["ok"]` for a sound file, else SQLite's list of problems.
    public func integrityCheck() throws -> [String] {
        try writer.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
    }

    /// Every journalled seq, for checks that nothing has a gap.
    public func journalledSeqs() throws -> [Int64] {
        try writer.read { db in try Int64.fetchAll(db, sql: "SELECT seq FROM business_transaction ORDER BY seq") }
    }
}

/// Where a journal entry's time stamps come from; tests move the wall clock.
public struct JournalClock: Sendable {
    public struct Stamp: Sendable {
        public let wallTime: Date
        public let bootID: String
        public let monotonicNanoseconds: Int64

        public init(wallTime: Date, bootID: String, monotonicNanoseconds: Int64) {
            self.wallTime = wallTime
            self.bootID = bootID
            self.monotonicNanoseconds = monotonicNanoseconds
        }
    }

    public let now: @Sendable () -> Stamp

    public init(now: @escaping @Sendable () -> Stamp) { self.now = now }

    /// The machine's wall clock, boot ID and CLOCK_MONOTONIC.
    public static let system = JournalClock {
        Stamp(wallTime: Date(), bootID: currentBootID, monotonicNanoseconds: monotonicNow())
    }

    /// A wall clock shifted by `offset` (a clock stepped backwards or forwards), the rest real.
    public static func shifted(by offset: TimeInterval) -> JournalClock {
        JournalClock { Stamp(wallTime: Date().addingTimeInterval(offset), bootID: currentBootID, monotonicNanoseconds: monotonicNow()) }
    }

    static let currentBootID: String = {
        let text = (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8)) ?? ""
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? "unknown-boot" : trimmed
    }()

    static func monotonicNow() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }
}
