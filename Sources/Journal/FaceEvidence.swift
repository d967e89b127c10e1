import Foundation
import GRDB
import Logging

/// What the liveness check captured for a qualification: JPEG frames and the challenge log. It is
/// sensitive personal information (biometrics): kept on the kiosk only until the hub has it,
/// sealed with the device key, in its own table apart from identity data.
public struct FaceEvidence: Sendable, Equatable {
    /// JPEG images, as captured.
    public var frames: [Data]
    /// The challenge log (which prompts, when, what was seen), as the camera flow writes it.
    public var challengeLog: Data

    public init(frames: [Data], challengeLog: Data) {
        self.frames = frames
        self.challengeLog = challengeLog
    }

    /// The largest bundle (frames plus log) the journal takes: as base64 inside the item it stays
    /// under the hub's 512 KiB limit for a `qualification.submitted` payload, with room for the rest.
    public static let maximumBytes = 360 << 10
    /// Frames per bundle, as the hub's review queue takes them.
    public static let frameCountRange = 1...5

    /// The payload key under which the hub receives the evidence (hubdata's review-queue shape):
    /// `{"format": "jpeg", "frames": ["<base64 JPEG>", …], "challenge_log": "<base64>"}`.
    public static let payloadKey = "evidence"
    /// Set to `true` instead when retention deleted the evidence before the hub had it.
    public static let expiredPayloadKey = "evidence_expired"
    static let format = "jpeg"

    var payloadObject: [String: Any] {
        ["format": Self.format, "frames": frames.map { $0.base64EncodedString() }, "challenge_log": challengeLog.base64EncodedString()]
    }

    /// Length-prefixed bytes: "ZFE1", frame count, each frame, then the log (big-endian UInt32 lengths).
    func encoded() throws(JournalError) -> Data {
        let total = frames.reduce(challengeLog.count) { $0 + $1.count }
        guard total <= Self.maximumBytes else { throw .faceEvidenceTooLarge(bytes: total, limit: Self.maximumBytes) }
        guard Self.frameCountRange.contains(frames.count) else { throw .faceEvidenceMalformed("\(frames.count) frames; 1 to 5 are sent") }
        guard frames.allSatisfy({ $0.starts(with: [0xFF, 0xD8]) }) else { throw .faceEvidenceMalformed("a frame is not a JPEG") }
        var data = Data("ZFE1".utf8)
        func append(_ value: Int) { withUnsafeBytes(of: UInt32(value).bigEndian) { data.append(contentsOf: $0) } }
        append(frames.count)
        for frame in frames {
            append(frame.count)
            data.append(frame)
        }
        append(challengeLog.count)
        data.append(challengeLog)
        return data
    }

    static func decode(_ data: Data) -> FaceEvidence? {
        var offset = data.startIndex
        func take(_ count: Int) -> Data? {
            guard count >= 0, data.endIndex - offset >= count else { return nil }
            defer { offset += count }
            return data[offset..<(offset + count)]
        }
        func number() -> Int? {
            take(4).map { Int($0.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }) }
        }
        guard take(4) == Data("ZFE1".utf8), let count = number(), count <= 10_000 else { return nil }
        var frames: [Data] = []
        for _ in 0..<count {
            guard let length = number(), let frame = take(length) else { return nil }
            frames.append(Data(frame))
        }
        guard let logLength = number(), let log = take(logLength), offset == data.endIndex else { return nil }
        return FaceEvidence(frames: frames, challengeLog: Data(log))
    }

    static func context(seq: Int64) -> String { "zizhu.face_evidence.v1|\(seq)" }

    static func open(_ sealed: Data, seq: Int64, sealer: PersonalDataSealer) -> FaceEvidence? {
        guard let text = String(data: sealed, encoding: .utf8), let plain = sealer.open(text, context: context(seq: seq)) else { return nil }
        return decode(plain)
    }
}

/// Face evidence the journal holds or has deleted, for the admin screen and tests (no content).
public struct FaceEvidenceCounts: Sendable, Equatable {
    /// Bundles still held (sealed) on the kiosk.
    public var held: Int
    /// Deleted because the hub acknowledged the transaction.
    public var deletedAfterAcknowledgement: Int
    /// Deleted because the hub refused the transaction for good (parked).
    public var deletedWhenParked: Int
    /// Deleted by the retention limit before the hub had them.
    public var deletedByRetention: Int

    public init(held: Int, deletedAfterAcknowledgement: Int, deletedWhenParked: Int, deletedByRetention: Int) {
        self.held = held
        self.deletedAfterAcknowledgement = deletedAfterAcknowledgement
        self.deletedWhenParked = deletedWhenParked
        self.deletedByRetention = deletedByRetention
    }
}

extension AppDatabase {
    static func registerFaceEvidenceMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("2026-12-create-face-evidence") { db in
            // One bundle per transaction. Deletion clears `sealed` (secure_delete overwrites the
            // bytes) and keeps the row as a record of when and why, never the content.
            try db.create(table: "face_evidence") { table in
                table.primaryKey("seq", .integer).notNull().references("business_transaction", onDelete: .restrict)
                table.column("sealed", .blob)
                table.column("byte_count", .integer).notNull()
                table.column("created_wall", .double).notNull()
                table.column("created_boot", .text).notNull()
                table.column("created_monotonic_ns", .integer).notNull()
                table.column("deleted_reason", .text).check { $0 == nil || ["acknowledged", "parked", "retention"].contains($0) }
                table.column("deleted_at", .double)
            }
            try db.create(index: "face_evidence_held", on: "face_evidence", columns: ["created_wall"], condition: Column("sealed") != nil)
        }
    }

    func insertFaceEvidence(_ db: Database, seq: Int64, bundle: Data, stamp: JournalClock.Stamp) throws {
        let sealed = sealer.seal(bundle, context: FaceEvidence.context(seq: seq))
        try db.execute(sql: """
            INSERT INTO face_evidence(seq, sealed, byte_count, created_wall, created_boot, created_monotonic_ns) VALUES (?, ?, ?, ?, ?, ?)
            """, arguments: [seq, Data(sealed.utf8), bundle.count, stamp.wallTime.timeIntervalSince1970, stamp.bootID, stamp.monotonicNanoseconds])
    }

    static func deleteFaceEvidence(_ db: Database, seq: Int64, reason: String, at time: Double) throws {
        try db.execute(sql: "UPDATE face_evidence SET sealed = NULL, deleted_reason = ?, deleted_at = ? WHERE seq = ? AND sealed IS NOT NULL",
                       arguments: [reason, time, seq])
    }

    /// Deletes face evidence older than `retention`, delivered or not. Age counts by the wall
    /// clock or, within the same boot, by CLOCK_MONOTONIC, whichever says older: a clock stepped
    /// backwards must not keep biometrics longer than the limit.
    /// - Returns: how many bundles were deleted.
    @discardableResult
    public func sweepFaceEvidence(retention: Duration, clock: JournalClock = .system) throws -> Int {
        let now = clock.now()
        let seconds = Double(retention.components.seconds) + Double(retention.components.attoseconds) / 1e18
        let nanoseconds = Int64(seconds * 1e9)
        // Most minutes nothing is held: no write transaction then.
        guard try writer.read({ db in try Bool.fetchOne(db, sql: "SELECT EXISTS(SELECT 1 FROM face_evidence WHERE sealed IS NOT NULL)") ?? false }) else {
            return 0
        }
        let deleted = try writer.write { db in
            try db.execute(sql: """
                UPDATE face_evidence SET sealed = NULL, deleted_reason = 'retention', deleted_at = ?
                WHERE sealed IS NOT NULL AND (created_wall < ? OR (created_boot = ? AND created_monotonic_ns < ?))
                """, arguments: [now.wallTime.timeIntervalSince1970, now.wallTime.timeIntervalSince1970 - seconds,
                                 now.bootID, now.monotonicNanoseconds - nanoseconds])
            return db.changesCount
        }
        if deleted > 0 {
            logger.notice("face evidence deleted by the retention limit", metadata: ["bundles": "\(deleted)"])
        }
        return deleted
    }

    /// How much face evidence is held and how much was deleted, by reason.
    public func faceEvidenceCounts() throws -> FaceEvidenceCounts {
        try writer.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT deleted_reason, COUNT(*) FROM face_evidence GROUP BY deleted_reason")
            var counts = FaceEvidenceCounts(held: 0, deletedAfterAcknowledgement: 0, deletedWhenParked: 0, deletedByRetention: 0)
            for row in rows {
                let count: Int = row[1]
                switch row[0] as String? {
                case nil: counts.held = count
                case "acknowledged": counts.deletedAfterAcknowledgement = count
                case "parked": counts.deletedWhenParked = count
                default: counts.deletedByRetention = count
                }
            }
            return counts
        }
    }
}
