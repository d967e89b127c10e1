import Crypto
import Foundation
import GRDB
import Journal
import TestSupport
import Testing

/// Citizen IDs and names are sealed per field under the device key: the journal file never holds
/// them in clear, the hub gets them back, and a missing, open or wrong key stops the kiosk with a
/// technician's error.
@Suite struct PersonalDataTests {
    // Synthetic fixtures with valid check digits (GB 11643).
    static let citizenID = "110101199003074573"
    static let name = "测试甲乙丙"

    /// Every byte SQLite wrote for this journal: the main file and its WAL.
    private func fileBytes(_ path: String) -> Data {
        var bytes = Data()
        for suffix in ["", "-wal"] {
            if let data = FileManager.default.contents(atPath: path + suffix) { bytes.append(data) }
        }
        return bytes
    }

    @Test func idsAndNamesAreSealedInTheFileAndOpenedForTheHub() throws {
        let directory = try TestEnvironment.temporaryDirectory("journal-pii")
        let path = "\(directory)/journal.sqlite"
        let database = try AppDatabase(path: path)
        let entry = try database.record(kind: "qualification.submitted", payload: [
            "submission_id": "s-1", "citizen_id": Self.citizenID, "card_number": "A12345678",
            "holder": ["name": Self.name, "relation": "self"], "card_verified": true,
        ])
        // Nested, too: the holder's name is sealed where it stands.
        let stored = try database.writer.read { db in
            try String.fetchOne(db, sql: "SELECT payload FROM business_transaction WHERE seq = ?", arguments: [entry.seq])
        } ?? ""
        #expect(!stored.contains(Self.citizenID) && !stored.contains(Self.name) && !stored.contains("A12345678"))
        #expect(stored.components(separatedBy: "\"$sealed\"").count - 1 == 3)
        #expect(stored.contains("\"submission_id\":\"s-1\""))
        // Not in the file bytes at all (UTF-8, as SQLite stores text).
        try database.writer.writeWithoutTransaction { db in _ = try db.checkpoint(.full) }
        let bytes = fileBytes(path)
        #expect(bytes.range(of: Data(Self.citizenID.utf8)) == nil)
        #expect(bytes.range(of: Data(Self.name.utf8)) == nil)
        // What the hub gets holds the plaintext again.
        let pending = try #require(try database.pendingEntries(limit: 10).first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(pending.payloadJSON.utf8)) as? [String: Any])
        #expect(object["citizen_id"] as? String == Self.citizenID)
        #expect((object["holder"] as? [String: Any])?["name"] as? String == Self.name)
        #expect(pending.unreadableReason == nil)
        // A payload without personal fields is stored exactly as given.
        let plain = try database.record(kind: "rating.given", payloadJSON: #"{"service":"certificate","level":5}"#)
        #expect(try database.entries(in: plain.seq...plain.seq).first?.payloadJSON == #"{"service":"certificate","level":5}"#)
    }

    @Test func theKeyFileIsCreatedOwnerOnlyAndAWiderModeStopsTheKiosk() throws {
        let directory = try TestEnvironment.temporaryDirectory("journal-key")
        let path = "\(directory)/journal.sqlite"
        let keyPath = AppDatabase.defaultKeyPath(journalPath: path)
        _ = try AppDatabase(path: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: keyPath)
        #expect(attributes[.posixPermissions] as? Int == 0o600)
        #expect(attributes[.size] as? Int == 32)
        #expect(chmod(keyPath, 0o644) == 0)
        #expect(throws: JournalError.deviceKey(.keyFileModeTooOpen(path: keyPath, mode: 0o644))) { try AppDatabase(path: path) }
        #expect(JournalError.deviceKey(.keyFileModeTooOpen(path: keyPath, mode: 0o644)).description.contains("chmod 600"))
        #expect(chmod(keyPath, 0o600) == 0)
        _ = try AppDatabase(path: path)
    }

    @Test func aMissingKeyAfterDataExistsStopsTheKioskAndANewKeyIsNeverMinted() throws {
        let directory = try TestEnvironment.temporaryDirectory("journal-key")
        let path = "\(directory)/journal.sqlite"
        let keyPath = AppDatabase.defaultKeyPath(journalPath: path)
        do {
            let database = try AppDatabase(path: path)
            try database.record(kind: "booking.requested", payload: ["citizen_id": Self.citizenID, "slot_id": 3])
        }
        let saved = try Data(contentsOf: URL(fileURLWithPath: keyPath))
        #expect(unlink(keyPath) == 0)
        #expect(throws: JournalError.deviceKeyMissing(location: keyPath)) { try AppDatabase(path: path) }
        #expect(!FileManager.default.fileExists(atPath: keyPath), "a new key must not replace the lost one")
        // The technician restores the key from the kiosk's backup: everything reads again.
        #expect(FileManager.default.createFile(atPath: keyPath, contents: saved, attributes: [.posixPermissions: 0o600]))
        let restored = try AppDatabase(path: path)
        #expect(try restored.pendingEntries(limit: 5).first?.payloadJSON.contains(Self.citizenID) == true)
    }

    @Test func aDifferentKeyIsRefusedWithATypedError() throws {
        let directory = try TestEnvironment.temporaryDirectory("journal-key")
        let path = "\(directory)/journal.sqlite"
        let right = InMemoryDeviceKeyStore(key: SymmetricKey(size: .bits256))
        do {
            let database = try AppDatabase(path: path, keyStore: right)
            try database.record(kind: "booking.requested", payload: ["citizen_id": Self.citizenID])
        }
        let wrong = InMemoryDeviceKeyStore(key: SymmetricKey(size: .bits256))
        #expect(throws: JournalError.wrongDeviceKey(location: "memory")) { try AppDatabase(path: path, keyStore: wrong) }
        #expect(try AppDatabase(path: path, keyStore: right).pendingEntries(limit: 1).count == 1)
    }

    @Test func aSealedValueMovedToAnotherRowDoesNotOpenAndIsMarkedUnreadable() throws {
        let directory = try TestEnvironment.temporaryDirectory("journal-pii")
        let path = "\(directory)/journal.sqlite"
        let database = try AppDatabase(path: path)
        try database.record(kind: "booking.requested", payload: ["citizen_id": Self.citizenID, "slot_id": 1])
        try database.record(kind: "booking.requested", payload: ["citizen_id": "110101199003075592", "slot_id": 2])
        // Someone with the file copies row 1's sealed ID over row 2's: the associated data binds
        // a sealed value to its seq, so it does not open there.
        try database.writer.write { db in
            try db.execute(sql: "UPDATE business_transaction SET payload = (SELECT payload FROM business_transaction WHERE seq = 1) WHERE seq = 2")
        }
        let entries = try database.pendingEntries(limit: 10)
        #expect(entries.map(\.unreadableReason) == [nil, "personal_data_unreadable"])
        #expect(!entries[1].payloadJSON.contains(Self.citizenID))
    }

    @Test func theReservedKeyIsRefused() throws {
        let path = "\(try TestEnvironment.temporaryDirectory("journal-pii"))/journal.sqlite"
        let database = try AppDatabase(path: path)
        #expect(throws: JournalError.payloadUsesReservedKey(kind: "x.y")) {
            try database.record(kind: "x.y", payload: ["name": "a", "$sealed": "v1:AAAA"])
        }
        #expect(try database.journalledSeqs().isEmpty)
    }
}
