import Foundation
import GRDB
import Journal
import TestSupport
import Testing

@Suite struct OutboxTests {
    @Test func everyTransactionGetsTheNextSeqAndAnOutboxRow() throws {
        let path = "\(try TestEnvironment.temporaryDirectory("journal"))/journal.sqlite"
        let database = try AppDatabase(path: path)
        for copies in 1...25 {
            try database.record(kind: "certificate.printed", payload: ["document": "参保证明", "copies": copies])
        }
        #expect(try database.journalledSeqs() == Array(1...25))
        #expect(try database.pendingEntries(limit: 1000).map(\.seq) == Array(1...25))
        #expect(try database.backlog().pendingCount == 25)
        // Acknowledged items leave the outbox but keep their business row, so seqs never repeat.
        try database.applyAcknowledgements(delivered: 1...25, refused: [])
        let next = try database.record(kind: "rating.given", payload: ["stars": 5])
        #expect(next.seq == 26)
        let backlog = try database.backlog()
        #expect(backlog.pendingCount == 1 && backlog.parkedCount == 0)
        // Wall times are stored as seconds in a REAL: equal to the microsecond.
        #expect(abs((backlog.oldestPendingWallTime ?? .distantPast).timeIntervalSince(next.wallTime)) < 1e-5)
    }

    @Test func aFailedTransactionLeavesNeitherRowNorSeq() throws {
        let path = "\(try TestEnvironment.temporaryDirectory("journal"))/journal.sqlite"
        let database = try AppDatabase(path: path)
        try database.record(kind: "booking.requested", payload: ["slot": "09:30"])
        // A payload that is not a JSON object is refused before anything is written.
        #expect(throws: JournalError.payloadIsNotAJSONObject(kind: "booking.cancelled")) {
            try database.record(kind: "booking.cancelled", payload: ["when": Date()])
        }
        // An outbox insert that fails rolls back the business row written before it in the same
        // transaction: a trigger plays the failing disk.
        try database.writer.write { db in
            try db.execute(sql: "CREATE TEMP TRIGGER fail_outbox BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'disk'); END")
        }
        #expect(throws: DatabaseError.self) { try database.record(kind: "pin.changed", payload: [:]) }
        try database.writer.write { db in try db.execute(sql: "DROP TRIGGER fail_outbox") }
        #expect(try database.journalledSeqs() == [1])
        #expect(try database.record(kind: "pin.changed", payload: [:]).seq == 2)
    }

    @Test func seqsAreGapFreeAcrossReopening() throws {
        let path = "\(try TestEnvironment.temporaryDirectory("journal"))/journal.sqlite"
        do {
            let database = try AppDatabase(path: path)
            for _ in 0..<10 { try database.record(kind: "card.read", payload: ["service": "certificate"]) }
        }
        let reopened = try AppDatabase(path: path)
        try reopened.record(kind: "card.read", payload: ["service": "certificate"])
        #expect(try reopened.journalledSeqs() == Array(1...11))
    }
}
