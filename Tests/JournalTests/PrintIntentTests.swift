import Foundation
import GRDB
import Journal
import TestSupport
import Testing

/// The print intent journalled before a certificate goes to CUPS: its personal fields sealed, and
/// ended by `certificate.printed` or `certificate.voided` in the same transaction that removes it.
@Suite struct PrintIntentTests {
    static let canonical = Data("张三|330102198001011213".utf8).base64EncodedString()

    static func payload(_ serial: String) -> [String: any Sendable] {
        ["serial": serial, "attempt": 1, "verification_code": "ABCD2345", "canonical_form": canonical, "signature": "c2ln", "types": ["110"]]
    }

    private func database(_ name: String) throws -> AppDatabase {
        try AppDatabase(path: "\(try TestEnvironment.temporaryDirectory(name))/journal.sqlite")
    }

    @Test func anIntentIsSealedAndEndsAsPrintedWithItsPayloadInOneStep() throws {
        let database = try database("intent-printed")
        try database.recordPrintIntent(serial: "K1-1", payload: Self.payload("K1-1"))
        let stored = try database.writer.read { db in try String.fetchOne(db, sql: "SELECT payload FROM print_intent") } ?? ""
        #expect(!stored.contains(Self.canonical) && stored.contains("\"$sealed\"") && stored.contains("\"serial\":\"K1-1\""))
        let intents = try database.printIntents()
        #expect(intents.map(\.serial) == ["K1-1"])
        #expect(intents.first?.payloadJSON.contains(Self.canonical) == true)

        let entry = try #require(try database.resolvePrintIntent(serial: "K1-1", as: .printed))
        #expect(entry.kind == "certificate.printed")
        #expect(try database.printIntents().isEmpty)
        let sent = try database.pendingEntries(limit: 10)
        #expect(sent.map(\.kind) == ["certificate.printed"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(sent[0].payloadJSON.utf8)) as? [String: Any])
        #expect(object["canonical_form"] as? String == Self.canonical && object["serial"] as? String == "K1-1")
        // In the business row the canonical form is sealed again, under its seq.
        let business = try database.writer.read { db in try String.fetchOne(db, sql: "SELECT payload FROM business_transaction") } ?? ""
        #expect(!business.contains(Self.canonical))
        // Resolved once: a second resolution finds nothing and journals nothing.
        #expect(try database.resolvePrintIntent(serial: "K1-1", as: .printed) == nil)
        #expect(try database.journalledSeqs() == [1])
    }

    @Test func aVoidedIntentJournalsTheSerialOnly() throws {
        let database = try database("intent-voided")
        try database.recordPrintIntent(serial: "K1-2", payload: Self.payload("K1-2"))
        let entry = try #require(try database.resolvePrintIntent(serial: "K1-2", as: .voided))
        #expect(entry.kind == "certificate.voided" && entry.payloadJSON == #"{"serial":"K1-2"}"#)
        #expect(try database.printIntents().isEmpty)
    }

    @Test func aDroppedIntentLeavesNoFactAndARetryReplacesTheIntent() throws {
        let database = try database("intent-dropped")
        try database.recordPrintIntent(serial: "K1-3", payload: Self.payload("K1-3"))
        try database.recordPrintIntent(serial: "K1-3", payload: Self.payload("K1-3"))
        #expect(try database.printIntents().count == 1)
        try database.dropPrintIntent(serial: "K1-3")
        #expect(try database.printIntents().isEmpty && (try database.journalledSeqs()).isEmpty)
    }
}
