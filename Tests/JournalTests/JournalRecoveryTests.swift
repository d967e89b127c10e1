import Foundation
import GRDB
import HubClient
import Journal
import TestSupport
import Testing

/// F10: a damaged journal file at start-up. The kiosk refuses to start (no new services) and says
/// a technician must act; the README's recovery path (`sqlite3 .dump` into a new file, with the
/// same device key) gives back a sound journal whose unsent items then reach the hub once.
@Suite(.serialized) struct JournalRecoveryTests {
    @Test func aDamagedJournalStopsTheKioskAndTheDocumentedRecoveryWorks() async throws {
        let world = try await SyncWorld.start()
        defer { Task { await world.stop() } }
        let state = try TestEnvironment.temporaryDirectory("recovery-state")
        let path = "\(state)/journal.sqlite"
        let total = 2_000
        do {
            let database = try AppDatabase(path: path)
            for index in 0..<total {
                try database.record(kind: "card.read", payload: ["service": "certificate", "reader": index % 7, "note": String(repeating: "n", count: 200)])
            }
            try database.appendAudit(AuditEvent(.session, "kiosk.started", actor: .system))
            // Everything into the main file, so the damage below hits committed pages.
            try await database.writer.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
        }
        // Damage one page in the middle of the file, as a failing disk would.
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        let size = try handle.seekToEnd()
        let page: UInt64 = 4096
        try handle.seek(toOffset: (size / page / 2) * page + 64)
        var random = SeededGenerator(seed: 0xBAD)
        try handle.write(contentsOf: Data((0..<2_000).map { _ in UInt8.random(in: 0...255, using: &random) }))
        try handle.close()
        #expect(try AppDatabase(path: path).integrityCheck() != ["ok"])
        // The kiosk refuses to start on it and names the technician's job.
        let kiosk = try TestEnvironment.executable("zizhu-kiosk")
        let environment = ["ZIZHU_STORAGE_STATE_DIRECTORY": state]
        let refusal = try await TestEnvironment.runExpectingFailure(kiosk, ["journal", "status"], environment: environment)
        #expect(refusal.contains("damaged") && refusal.contains("technician"), "\(refusal)")
        // README, "Journal recovery": keep the damaged file, dump what is readable into a new one
        // beside the same device key (Debian 12's sqlite3 has no `.recover`: it lacks the
        // sqlite_dbpage table; `.dump` skips damaged pages and ends with ROLLBACK, made COMMIT).
        let sqlite3 = try TestEnvironment.requireProgram("/usr/bin/sqlite3", package: "sqlite3")
        let rescue = try TestEnvironment.temporaryDirectory("recovery-new")
        try await TestEnvironment.run("/bin/sh", ["-c", "\(sqlite3) '\(path)' .dump | sed 's/^ROLLBACK; -- due to errors$/COMMIT;/' | \(sqlite3) '\(rescue)/journal.sqlite'"])
        try FileManager.default.copyItem(atPath: "\(state)/journal-data.key", toPath: "\(rescue)/journal-data.key")
        let recovered = try AppDatabase(path: "\(rescue)/journal.sqlite")
        #expect(try recovered.integrityCheck() == ["ok"])
        let seqs = try recovered.journalledSeqs()
        // Rows on the damaged page may be lost; the rest come back with their original seqs.
        #expect(seqs.count > total * 9 / 10, "only \(seqs.count) of \(total) recovered")
        #expect(Set(seqs).isSubset(of: Set(1...Int64(total + 1))))
        _ = try await TestEnvironment.run(kiosk, ["journal", "status"], environment: ["ZIZHU_STORAGE_STATE_DIRECTORY": rescue])
        // The recovered journal sends what it holds; the hub stores each seq once.
        let sync = try world.sync(recovered)
        let pending = try recovered.backlog().pendingCount
        guard case .delivered(let delivered, 0) = try await sync.drainAll() else {
            Issue.record("the recovered journal did not drain")
            return
        }
        #expect(delivered == pending)
        #expect(try await world.storedCount() == pending)
        // Outbox rows whose business row was on the damaged page are parked for staff, not left
        // pending for ever.
        let lost = try recovered.parkedItems()
        #expect(lost.allSatisfy { $0.reason == "lost_in_recovery" })
        #expect(try recovered.backlog().pendingCount == 0)
        #expect(delivered + lost.count <= total + 1)
        await world.stop()
    }
}
