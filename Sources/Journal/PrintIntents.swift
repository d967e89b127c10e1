import Foundation
import GRDB

/// A certificate about to go to the printer: journalled before CUPS gets the job, so a kiosk
/// killed while it prints still knows, on its next start, which certificate might be on paper.
/// `payloadJSON` is the `certificate.printed` fact the kiosk journals once the paper is out.
public struct PrintIntent: Sendable, Equatable {
    public let serial: String
    /// The would-be `certificate.printed` payload, personal fields opened.
    public let payloadJSON: String
    public let createdAt: Date
}

/// How a print intent ended.
public enum PrintIntentResolution: Sendable, Equatable {
    /// The paper is out: `certificate.printed` with the intent's payload, so the hub learns the code.
    case printed
    /// It will never be on paper (the job was cancelled, or CUPS never had it):
    /// `certificate.voided` with the serial only. It voids this print, not the serial: an earlier
    /// print of the same certificate (a reprint keeps the serial and code) stays valid.
    case voided
}

extension AppDatabase {
    /// The business kinds a print intent ends in.
    public static let certificatePrintedKind = "certificate.printed"
    public static let certificateVoidedKind = "certificate.voided"

    static func registerPrintIntentMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("2026-12-create-print-intents") { db in
            // One row per certificate between "about to print" and "printed or certainly not".
            // The payload's personal fields (the canonical form) are sealed as in business rows.
            try db.create(table: "print_intent") { table in
                table.primaryKey("serial", .text).notNull()
                table.column("payload", .text).notNull()
                table.column("created_at", .double).notNull()
            }
        }
    }

    static func intentScope(_ serial: String) -> String { "intent:\(serial)" }

    /// Journals the intent to print certificate `serial` (replacing an earlier one for the same
    /// serial: a retry prints the same certificate). Call it before the job goes to CUPS.
    /// - Throws: ``JournalError/payloadIsNotAJSONObject(kind:)``, ``JournalError/diskReserveReached(freeBytes:)``,
    ///   or GRDB's error; then nothing may be printed.
    public func recordPrintIntent(serial: String, payload: [String: any Sendable]) throws {
        let kind = Self.certificatePrintedKind
        guard JSONSerialization.isValidJSONObject(payload),
              let data = try? JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys, .withoutEscapingSlashes]),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { throw JournalError.payloadIsNotAJSONObject(kind: kind) }
        let stored = try sealer.sealPersonalFields(object, scope: Self.intentScope(serial), kind: kind) ?? String(decoding: data, as: UTF8.self)
        try reserveCheckForTransaction()
        try writer.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO print_intent(serial, payload, created_at) VALUES (?, ?, ?)",
                           arguments: [serial, stored, Date().timeIntervalSince1970])
        }
    }

    /// The intents still open, oldest first, with personal fields opened.
    /// - Throws: ``JournalError/personalDataUnreadable(seq:)`` (seq 0) when a sealed field does not open.
    public func printIntents() throws -> [PrintIntent] {
        let rows = try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT serial, payload, created_at FROM print_intent ORDER BY created_at, serial")
        }
        return try rows.map { row in
            let serial: String = row[0]
            let payload = try sealer.openPersonalFields(row[1], scope: Self.intentScope(serial), seq: 0)
            return PrintIntent(serial: serial, payloadJSON: payload, createdAt: Date(timeIntervalSince1970: row[2]))
        }
    }

    /// Ends the intent for `serial` with its business fact, in one transaction: either both the
    /// fact (with its outbox row) and the intent's removal are in the file, or neither.
    /// - Returns: the journalled entry, or `nil` when no intent for `serial` is open (already resolved).
    @discardableResult
    public func resolvePrintIntent(serial: String, as resolution: PrintIntentResolution, clock: JournalClock = .system) throws -> JournalEntry? {
        try reserveCheckForTransaction()
        let stamp = clock.now()
        return try writer.write { db -> JournalEntry? in
            guard let stored = try String.fetchOne(db, sql: "SELECT payload FROM print_intent WHERE serial = ?", arguments: [serial]) else {
                return nil
            }
            let seq = try Self.nextSeq(db)
            let kind: String
            let payloadJSON: String
            let storedJSON: String
            switch resolution {
            case .printed:
                kind = Self.certificatePrintedKind
                payloadJSON = try sealer.openPersonalFields(stored, scope: Self.intentScope(serial), seq: seq)
                guard let object = try? JSONSerialization.jsonObject(with: Data(payloadJSON.utf8)) as? [String: Any] else {
                    throw JournalError.payloadIsNotAJSONObject(kind: kind)
                }
                storedJSON = try sealer.sealPersonalFields(object, seq: seq, kind: kind) ?? payloadJSON
            case .voided:
                kind = Self.certificateVoidedKind
                let data = try JSONSerialization.data(withJSONObject: ["serial": serial], options: [.sortedKeys, .withoutEscapingSlashes])
                payloadJSON = String(decoding: data, as: UTF8.self)
                storedJSON = payloadJSON
            }
            try Self.insertTransaction(db, seq: seq, kind: kind, payloadJSON: storedJSON, stamp: stamp)
            try db.execute(sql: "DELETE FROM print_intent WHERE serial = ?", arguments: [serial])
            return JournalEntry(seq: seq, kind: kind, payloadJSON: payloadJSON, wallTime: stamp.wallTime,
                                bootID: stamp.bootID, monotonicNanoseconds: stamp.monotonicNanoseconds)
        }
    }

    /// Drops the intent for `serial` without a business fact: the job certainly did not print
    /// (CUPS refused it, or it ended cancelled) and the citizen may try again.
    public func dropPrintIntent(serial: String) throws {
        try writer.write { db in
            try db.execute(sql: "DELETE FROM print_intent WHERE serial = ?", arguments: [serial])
        }
    }
}
