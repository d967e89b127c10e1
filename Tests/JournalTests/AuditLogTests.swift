import Crypto
import Foundation
import GRDB
import HubClient
import Journal
import TestSupport
import Testing

/// The audit log is append-only and hash-chained: the kiosk's code cannot change it, and a change
/// made behind its back (sqlite3 on the file) is found at the first broken link.
@Suite(.serialized) struct AuditLogTests {
    private func sampleLog(_ database: AppDatabase) throws {
        try database.appendAudit(AuditEvent(.session, "kiosk.started", actor: .system, detail: ["software_version": "0.1.0"]))
        try database.appendAudit(AuditEvent(.staffLogin, "login", actor: .staff("s0123")))
        try database.appendAudit(AuditEvent(.session, "started", actor: .citizen, detail: ["trigger": "card_inserted"]))
        try database.appendAudit(AuditEvent(.service, "certificate.printed", actor: .citizen, detail: ["service": "certificate"]))
        try database.appendAudit(AuditEvent(.deviceFault, "printer.paper_out", actor: .system, succeeded: false, detail: ["device": "printer"]))
        try database.appendAudit(AuditEvent(.configuration, "configuration.changed", actor: .technician,
                                            detail: ["digest": AuditEvent.digest(Data("hub.url: x".utf8))]))
    }

    private func sqlite3(_ path: String, _ sql: String) async throws {
        try await TestEnvironment.run(try TestEnvironment.requireProgram("/usr/bin/sqlite3", package: "sqlite3"), [path, sql])
    }

    @Test func aChainOfEntriesVerifiesAndEachEntryNamesItsPredecessor() throws {
        let path = "\(try TestEnvironment.temporaryDirectory("audit"))/journal.sqlite"
        let database = try AppDatabase(path: path)
        try sampleLog(database)
        let entries = try database.auditEntries()
        #expect(entries.map(\.index) == Array(1...6))
        #expect(entries.first?.previousHash == String(repeating: "0", count: 64))
        for (previous, entry) in zip(entries, entries.dropFirst()) { #expect(entry.previousHash == previous.hash) }
        #expect(try database.verifyAuditChain() == .intact(entries: 6, head: entries[5].hash))
        #expect(try database.auditEntries(last: 2).map(\.index) == [5, 6])
        // Each entry travels to the hub as an outbox item of kind audit.<category>.
        let kinds = try database.pendingEntries(limit: 10).map(\.kind)
        #expect(kinds == ["audit.session", "audit.staff_login", "audit.session", "audit.service", "audit.device_fault", "audit.configuration"])
    }

    @Test func theKiosksOwnCodeCannotChangeOrDeleteAnEntry() throws {
        let path = "\(try TestEnvironment.temporaryDirectory("audit"))/journal.sqlite"
        let database = try AppDatabase(path: path)
        try sampleLog(database)
        #expect(throws: DatabaseError.self) {
            try database.writer.write { db in try db.execute(sql: "UPDATE audit_entry SET succeeded = 1 WHERE idx = 5") }
        }
        #expect(throws: DatabaseError.self) {
            try database.writer.write { db in try db.execute(sql: "DELETE FROM audit_entry WHERE idx = 2") }
        }
        #expect(try database.verifyAuditChain() == .intact(entries: 6, head: try database.auditEntries().last?.hash ?? ""))
    }

    @Test func anEntryEditedWithSqlite3IsFoundAtItsIndex() async throws {
        let path = "\(try TestEnvironment.temporaryDirectory("audit"))/journal.sqlite"
        try sampleLog(try AppDatabase(path: path))
        // The device fault becomes a success: the entry's own hash no longer matches.
        try await sqlite3(path, "DROP TRIGGER audit_entry_no_update; UPDATE audit_entry SET succeeded = 1 WHERE idx = 5;")
        #expect(try AppDatabase(path: path).verifyAuditChain() == .broken(index: 5, reason: .contentAltered))
    }

    @Test func anEntryRewrittenConsistentlyBreaksTheNextLink() async throws {
        let path = "\(try TestEnvironment.temporaryDirectory("audit"))/journal.sqlite"
        let database = try AppDatabase(path: path)
        try sampleLog(database)
        // A careful tamperer changes entry 3's action, recomputes its hash with the documented
        // encoding and fixes the hub's copy too. Entry 4 still names the original hash.
        let original = try #require(try database.auditEntries().first { $0.index == 3 })
        var fields = ["zizhu-audit-v1", "3", "session", "ended", original.actorCode, "success"]
        for key in original.detail.keys.sorted() { fields += [key, original.detail[key] ?? ""] }
        fields += [String(original.wallTimeMilliseconds), original.bootID, String(original.monotonicNanoseconds),
                   String(original.journalSeq), original.previousHash]
        let canonical = Data(fields.map { "\($0.utf8.count):\($0)" }.joined().utf8)
        let forged = SHA256.hash(data: canonical).map { String(format: "%02x", $0) }.joined()
        try await sqlite3(path, """
            DROP TRIGGER audit_entry_no_update;
            UPDATE audit_entry SET action = 'ended', hash = '\(forged)' WHERE idx = 3;
            UPDATE business_transaction SET payload = replace(replace(payload, '"action":"started"', '"action":"ended"'), '\(original.hash)', '\(forged)')
              WHERE seq = \(original.journalSeq);
            """)
        #expect(try AppDatabase(path: path).verifyAuditChain() == .broken(index: 4, reason: .previousHashMismatch))
    }

    @Test func aDeletedEntryIsFoundWhereItIsMissing() async throws {
        let path = "\(try TestEnvironment.temporaryDirectory("audit"))/journal.sqlite"
        try sampleLog(try AppDatabase(path: path))
        try await sqlite3(path, "DROP TRIGGER audit_entry_no_delete; DELETE FROM audit_entry WHERE idx = 2;")
        #expect(try AppDatabase(path: path).verifyAuditChain() == .broken(index: 2, reason: .missingEntry))
    }

    @Test func removingTheLastEntriesAndRenumberingStillBreaksTheChain() async throws {
        let path = "\(try TestEnvironment.temporaryDirectory("audit"))/journal.sqlite"
        try sampleLog(try AppDatabase(path: path))
        // Drop entry 2 and shift the rest down so the indexes have no gap: entry 3 (now 2) names
        // a predecessor that is not entry 1.
        try await sqlite3(path, """
            DROP TRIGGER audit_entry_no_delete; DROP TRIGGER audit_entry_no_update;
            DELETE FROM audit_entry WHERE idx = 2; UPDATE audit_entry SET idx = idx - 1 WHERE idx > 2;
            """)
        #expect(try AppDatabase(path: path).verifyAuditChain() == .broken(index: 2, reason: .previousHashMismatch))
    }

    @Test func theHubsCopyMustMatchTheChain() async throws {
        let path = "\(try TestEnvironment.temporaryDirectory("audit"))/journal.sqlite"
        try sampleLog(try AppDatabase(path: path))
        try await sqlite3(path, "UPDATE business_transaction SET payload = replace(payload, 'paper_out', 'ready') WHERE kind = 'audit.device_fault';")
        #expect(try AppDatabase(path: path).verifyAuditChain() == .broken(index: 5, reason: .outboxCopyDiffers))
    }

    @Test func entriesThatCouldHoldPersonalDataAreRefusedUnwritten() throws {
        let path = "\(try TestEnvironment.temporaryDirectory("audit"))/journal.sqlite"
        let database = try AppDatabase(path: path)
        #expect(throws: JournalError.auditEntryMayHoldPersonalData(field: "detail.holder")) {
            try database.appendAudit(AuditEvent(.service, "certificate.printed", actor: .citizen, detail: ["holder": "110101199003074573"]))
        }
        #expect(throws: JournalError.auditEntryMayHoldPersonalData(field: "detail.who")) {
            try database.appendAudit(AuditEvent(.session, "started", actor: .citizen, detail: ["who": "测试甲乙丙"]))
        }
        #expect(throws: JournalError.auditEntryMayHoldPersonalData(field: "actor")) {
            try database.appendAudit(AuditEvent(.staffLogin, "login", actor: .staff("王小明")))
        }
        #expect(throws: JournalError.auditEntryMayHoldPersonalData(field: "detail.phone")) {
            try database.appendAudit(AuditEvent(.service, "called", actor: .citizen, detail: ["phone": "tel 13800138000"]))
        }
        #expect(try database.auditEntries().isEmpty)
        #expect(try database.journalledSeqs().isEmpty)
        // Digests of configuration never trip the guard (base64url, not long digit runs).
        for index in 0..<200 {
            #expect(!AuditEvent.digest(Data("config \(index)".utf8)).contains(where: { $0 == "+" || $0 == "/" }))
        }
        try database.appendAudit(AuditEvent(.configuration, "configuration.changed", actor: .technician,
                                            detail: ["digest": AuditEvent.digest(Data("x".utf8))]))
    }

    @Test func auditEntriesReachTheHubOnceLikeAnyOtherItem() async throws {
        let world = try await SyncWorld.start()
        defer { Task { await world.stop() } }
        let database = try AppDatabase(path: world.journalPath)
        try sampleLog(database)
        try database.record(kind: "certificate.printed", payload: ["document": "参保证明"])
        let sync = try world.sync(database)
        #expect(try await sync.drainAll() == .delivered(delivered: 7, parked: 0))
        #expect(try await world.expectExactlyOnce(database, count: 7))
        await world.stop()
    }
}
