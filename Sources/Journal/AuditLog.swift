import Crypto
import Foundation
import GRDB

/// What part of the kiosk's life an audit entry is about (MLPS 8.1.4 安全审计: date and time,
/// user, event type, success or failure).
public enum AuditCategory: String, Sendable, CaseIterable {
    /// A citizen's session began or ended (card inserted, timed out, card taken).
    case session
    /// A service was done or refused (certificate printed, qualification submitted…).
    case service
    /// Staff logged in, failed to, or logged out.
    case staffLogin = "staff_login"
    /// A device failed or recovered (card reader, printer, camera, disk).
    case deviceFault = "device_fault"
    /// The kiosk's configuration changed (which keys, and a digest; never values that identify people).
    case configuration
}

/// Who acted. A citizen is never identified in the audit log: the business transaction holds what
/// is needed, sealed.
public enum AuditActor: Sendable, Equatable {
    case citizen
    /// A staff member by account name (a code such as `s0123`, not a person's name).
    case staff(String)
    case technician
    /// The kiosk itself (start-up, device survey, sync).
    case system

    var code: String {
        switch self {
        case .citizen: return "citizen"
        case .staff(let account): return "staff:\(account)"
        case .technician: return "technician"
        case .system: return "system"
        }
    }
}

/// One thing to put in the audit log.
public struct AuditEvent: Sendable, Equatable {
    public var category: AuditCategory
    /// A lower-case code, e.g. `started`, `certificate.printed`, `printer.paper_out`.
    public var action: String
    public var actor: AuditActor
    public var succeeded: Bool
    /// Plain codes only (ASCII, no long digit runs): service IDs, device names, reason words,
    /// configuration keys and digests. The journal refuses anything that could be a name or an ID.
    public var detail: [String: String]

    public init(_ category: AuditCategory, _ action: String, actor: AuditActor, succeeded: Bool = true, detail: [String: String] = [:]) {
        self.category = category
        self.action = action
        self.actor = actor
        self.succeeded = succeeded
        self.detail = detail
    }

    /// A digest for the detail (e.g. of a configuration file): SHA-256, base64url without padding,
    /// so it never reads as the long digit run the personal-data guard refuses.
    public static func digest(_ data: Data) -> String {
        Data(SHA256.hash(data: data)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

/// One entry of the hash chain as stored.
public struct AuditEntry: Sendable, Equatable {
    /// 1, 2, 3… with no gaps.
    public let index: Int64
    public let category: AuditCategory
    public let action: String
    public let actorCode: String
    public let succeeded: Bool
    public let detail: [String: String]
    /// Wall clock in milliseconds since 1970 (evidence; the chain gives the order).
    public let wallTimeMilliseconds: Int64
    public let bootID: String
    public let monotonicNanoseconds: Int64
    /// The journal seq of the outbox item that carries this entry to the hub.
    public let journalSeq: Int64
    /// Hex SHA-256 of the previous entry (64 zeros for the first).
    public let previousHash: String
    /// Hex SHA-256 of this entry's canonical bytes, which include `previousHash`.
    public let hash: String

    /// The bytes the hash covers: a version tag, then every field as `<UTF-8 length>:<text>`,
    /// detail pairs sorted by key. Length prefixes make the encoding unambiguous.
    var canonicalBytes: Data {
        var fields = ["zizhu-audit-v1", String(index), category.rawValue, action, actorCode, succeeded ? "success" : "failure"]
        for key in detail.keys.sorted() { fields += [key, detail[key] ?? ""] }
        fields += [String(wallTimeMilliseconds), bootID, String(monotonicNanoseconds), String(journalSeq), previousHash]
        return Data(fields.map { "\($0.utf8.count):\($0)" }.joined().utf8)
    }

    var computedHash: String { SHA256.hash(data: canonicalBytes).map { String(format: "%02x", $0) }.joined() }

    static let genesisHash = String(repeating: "0", count: 64)
}

/// The result of walking the chain.
public enum AuditChainVerdict: Sendable, Equatable {
    /// Every entry is there, in order, unaltered; `head` is the last hash.
    case intact(entries: Int, head: String)
    /// The first broken link: the entry at `index` (or the place an entry is missing).
    case broken(index: Int64, reason: AuditChainBreak)
}

public enum AuditChainBreak: String, Sendable, Equatable {
    /// An entry's content no longer gives its stored hash: it was edited.
    case contentAltered = "content_altered"
    /// An entry does not name its predecessor's hash: one was removed, inserted or rewritten.
    case previousHashMismatch = "previous_hash_mismatch"
    /// The index sequence has a gap: an entry was deleted.
    case missingEntry = "missing_entry"
    /// The copy sent to the hub differs from the chain entry.
    case outboxCopyDiffers = "outbox_copy_differs"
}

extension AppDatabase {
    static func registerAuditMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("2026-12-create-audit-log") { db in
            try db.create(table: "audit_entry") { table in
                table.primaryKey("idx", .integer).notNull()
                table.column("category", .text).notNull()
                table.column("action", .text).notNull()
                table.column("actor", .text).notNull()
                table.column("succeeded", .boolean).notNull()
                table.column("detail", .text).notNull()
                table.column("wall_time_ms", .integer).notNull()
                table.column("boot_id", .text).notNull()
                table.column("monotonic_ns", .integer).notNull()
                table.column("journal_seq", .integer).notNull().unique().references("business_transaction", onDelete: .restrict)
                table.column("prev_hash", .text).notNull()
                table.column("hash", .text).notNull()
            }
            // Append-only for the kiosk's own code; someone with the file and sqlite3 can drop
            // these, which is what the hash chain (and the hub's copy) is for.
            try db.execute(sql: """
                CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                """)
        }
    }

    /// Appends an entry to the hash-chained audit log and, in the same transaction, queues its copy
    /// for the hub as an outbox item of kind `audit.<category>`.
    /// - Throws: ``JournalError/auditEntryMayHoldPersonalData(field:)`` for anything but plain codes
    ///   (nothing written); GRDB's error when the disk fails. The disk reserve does not apply: an
    ///   audit entry must be written even when services are refused for lack of space.
    @discardableResult
    public func appendAudit(_ event: AuditEvent, clock: JournalClock = .system) throws -> AuditEntry {
        try Self.validate(event)
        let stamp = clock.now()
        return try writer.write { db in
            let last = try Row.fetchOne(db, sql: "SELECT idx, hash FROM audit_entry ORDER BY idx DESC LIMIT 1")
            let seq = try Self.nextSeq(db)
            let entry = AuditEntry(
                index: (last?[0] as Int64? ?? 0) + 1, category: event.category, action: event.action, actorCode: event.actor.code,
                succeeded: event.succeeded, detail: event.detail, wallTimeMilliseconds: Int64((stamp.wallTime.timeIntervalSince1970 * 1000).rounded()),
                bootID: stamp.bootID, monotonicNanoseconds: stamp.monotonicNanoseconds, journalSeq: seq,
                previousHash: last?[1] ?? AuditEntry.genesisHash, hash: "")
            let hashed = AuditEntry(
                index: entry.index, category: entry.category, action: entry.action, actorCode: entry.actorCode, succeeded: entry.succeeded,
                detail: entry.detail, wallTimeMilliseconds: entry.wallTimeMilliseconds, bootID: entry.bootID,
                monotonicNanoseconds: entry.monotonicNanoseconds, journalSeq: seq, previousHash: entry.previousHash, hash: entry.computedHash)
            try Self.insertTransaction(db, seq: seq, kind: "audit.\(event.category.rawValue)", payloadJSON: Self.outboxPayload(hashed), stamp: stamp)
            try db.execute(sql: """
                INSERT INTO audit_entry(idx, category, action, actor, succeeded, detail, wall_time_ms, boot_id, monotonic_ns, journal_seq, prev_hash, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [hashed.index, hashed.category.rawValue, hashed.action, hashed.actorCode, hashed.succeeded,
                                 Self.detailJSON(hashed.detail), hashed.wallTimeMilliseconds, hashed.bootID, hashed.monotonicNanoseconds,
                                 seq, hashed.previousHash, hashed.hash])
            return hashed
        }
    }

    /// The audit log in order, optionally only the last `limit` entries.
    public func auditEntries(last limit: Int? = nil) throws -> [AuditEntry] {
        try writer.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT * FROM (SELECT idx, category, action, actor, succeeded, detail, wall_time_ms, boot_id, monotonic_ns, journal_seq, prev_hash, hash
                FROM audit_entry ORDER BY idx DESC LIMIT ?) ORDER BY idx
                """, arguments: [limit ?? -1])
            return rows.compactMap(Self.auditEntry)
        }
    }

    /// Walks the chain from the first entry and reports the first broken link: an edited entry, a
    /// removed or inserted one, or an outbox copy (what the hub gets) that differs from the chain.
    public func verifyAuditChain() throws -> AuditChainVerdict {
        try writer.read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT a.idx, a.category, a.action, a.actor, a.succeeded, a.detail, a.wall_time_ms, a.boot_id, a.monotonic_ns,
                       a.journal_seq, a.prev_hash, a.hash, b.payload
                FROM audit_entry a LEFT JOIN business_transaction b ON b.seq = a.journal_seq ORDER BY a.idx
                """)
            var expectedIndex: Int64 = 1
            var previous = AuditEntry.genesisHash
            for row in rows {
                let index: Int64 = row[0]
                guard index == expectedIndex else { return .broken(index: expectedIndex, reason: .missingEntry) }
                guard let entry = Self.auditEntry(row) else { return .broken(index: index, reason: .contentAltered) }
                guard entry.previousHash == previous else { return .broken(index: index, reason: .previousHashMismatch) }
                guard entry.computedHash == entry.hash else { return .broken(index: index, reason: .contentAltered) }
                guard (row[12] as String?) == Self.outboxPayload(entry) else { return .broken(index: index, reason: .outboxCopyDiffers) }
                previous = entry.hash
                expectedIndex += 1
            }
            return .intact(entries: rows.count, head: previous)
        }
    }

    static func auditEntry(_ row: Row) -> AuditEntry? {
        guard let category = AuditCategory(rawValue: row[1]),
              let detailData = (row[5] as String?)?.data(using: .utf8),
              let detail = try? JSONDecoder().decode([String: String].self, from: detailData)
        else { return nil }
        return AuditEntry(index: row[0], category: category, action: row[2], actorCode: row[3], succeeded: row[4], detail: detail,
                          wallTimeMilliseconds: row[6], bootID: row[7], monotonicNanoseconds: row[8], journalSeq: row[9],
                          previousHash: row[10], hash: row[11])
    }

    static func detailJSON(_ detail: [String: String]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(detail)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// The item the hub receives: the entry's fields and both hashes, so the hub can check the
    /// chain too. Sorted keys: the same entry always gives the same bytes.
    static func outboxPayload(_ entry: AuditEntry) -> String {
        struct Payload: Encodable {
            let index: Int64, action: String, actor: String, outcome: String, detail: [String: String], prev_hash: String, hash: String
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let payload = Payload(index: entry.index, action: entry.action, actor: entry.actorCode, outcome: entry.succeeded ? "success" : "failure",
                              detail: entry.detail, prev_hash: entry.previousHash, hash: entry.hash)
        return (try? encoder.encode(payload)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// Codes only: lower-case actions, short ASCII detail without long digit runs (an ID number,
    /// a card or phone number), at most 16 detail pairs.
    static func validate(_ event: AuditEvent) throws(JournalError) {
        func isCode(_ text: String, maxLength: Int, allowed: (UInt8) -> Bool) -> Bool {
            !text.isEmpty && text.utf8.count <= maxLength && text.utf8.allSatisfy(allowed) && !hasLongDigitRun(text)
        }
        func hasLongDigitRun(_ text: String) -> Bool {
            var run = 0
            for byte in text.utf8 {
                run = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "X") || byte == UInt8(ascii: "x") ? run + 1 : 0
                if run >= 11 { return true }
            }
            return false
        }
        let lowerCode: (UInt8) -> Bool = { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")
        }
        let printableASCII: (UInt8) -> Bool = { (0x20...0x7e).contains($0) }
        guard isCode(event.action, maxLength: 64, allowed: lowerCode) else { throw .auditEntryMayHoldPersonalData(field: "action") }
        if case .staff(let account) = event.actor, !isCode(account, maxLength: 32, allowed: lowerCode) {
            throw .auditEntryMayHoldPersonalData(field: "actor")
        }
        guard event.detail.count <= 16 else { throw .auditEntryMayHoldPersonalData(field: "detail") }
        for (key, value) in event.detail {
            guard isCode(key, maxLength: 32, allowed: lowerCode) else { throw .auditEntryMayHoldPersonalData(field: "detail") }
            guard value.isEmpty || isCode(value, maxLength: 128, allowed: printableASCII) else {
                throw .auditEntryMayHoldPersonalData(field: "detail.\(key)")
            }
        }
    }
}
