import Foundation
import GRDB
@testable import Journal
import TestSupport
import Testing

/// Deterministic fuzzing of what the journal parses back from its own file: sealed payloads and
/// evidence bundles damaged at random never crash the reader; each row either reads back whole
/// or is marked unreadable (and would be parked).
@Suite struct JournalFuzzTests {
    @Test func damagedSealedRowsAreMarkedUnreadableNeverCrash() throws {
        let path = "\(try TestEnvironment.temporaryDirectory("journal-fuzz"))/journal.sqlite"
        let database = try AppDatabase(path: path)
        let frame = Data([0xFF, 0xD8]) + Data((0..<300).map { UInt8($0 % 251) })
        for index in 0..<20 {
            try database.record(kind: "qualification.submitted",
                                payload: ["citizen_id": "110101199003074573", "name": "测试甲乙丙", "submission_id": "s-\(index)", "nested": ["phone": "x"]],
                                evidence: FaceEvidence(frames: [frame], challengeLog: Data("log \(index)".utf8)))
        }
        var random = SeededGenerator(seed: 0xF022)
        for round in 0..<300 {
            let seq = Int64.random(in: 1...20, using: &random)
            try database.writer.write { db in
                if Bool.random(using: &random) {
                    var payload = Array(try String.fetchOne(db, sql: "SELECT payload FROM business_transaction WHERE seq = ?", arguments: [seq])?.utf8 ?? "".utf8)
                    guard !payload.isEmpty else { return }
                    for _ in 0..<Int.random(in: 1...4, using: &random) {
                        payload[Int.random(in: 0..<payload.count, using: &random)] = UInt8.random(in: 0x20...0x7e, using: &random)
                    }
                    try db.execute(sql: "UPDATE business_transaction SET payload = ? WHERE seq = ?", arguments: [String(decoding: payload, as: UTF8.self), seq])
                } else {
                    var sealed = [UInt8](try Data.fetchOne(db, sql: "SELECT sealed FROM face_evidence WHERE seq = ?", arguments: [seq]) ?? Data())
                    guard !sealed.isEmpty else { return }
                    sealed[Int.random(in: 0..<sealed.count, using: &random)] ^= UInt8.random(in: 1...255, using: &random)
                    if round % 7 == 0 { sealed.removeLast(Int.random(in: 0...min(40, sealed.count), using: &random)) }
                    try db.execute(sql: "UPDATE face_evidence SET sealed = ? WHERE seq = ?", arguments: [Data(sealed), seq])
                }
            }
            for entry in try database.pendingEntries(limit: 50) where entry.unreadableReason == nil {
                // A damaged byte outside the sealed values can leave text that is not JSON: the
                // sync parks that row as corrupted_in_journal (CorruptedJournalRowTests). What
                // does parse never holds a forged plaintext: AES-GCM opens a damaged value to
                // nothing, so an ID that reads back is the one written.
                if let object = try? JSONSerialization.jsonObject(with: Data(entry.payloadJSON.utf8)) as? [String: Any],
                   let id = object["citizen_id"] as? String {
                    #expect(id == "110101199003074573")
                }
            }
        }
    }

    @Test func evidenceBundlesRoundTripAndGarbageIsRefused() throws {
        var random = SeededGenerator(seed: 0xB0B)
        for _ in 0..<200 {
            let frames = (0..<Int.random(in: 1...5, using: &random)).map { _ in
                Data([0xFF, 0xD8]) + Data((0..<Int.random(in: 0...500, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) })
            }
            let evidence = FaceEvidence(frames: frames, challengeLog: Data((0..<Int.random(in: 0...100, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }))
            let encoded = try evidence.encoded()
            #expect(FaceEvidence.decode(encoded) == evidence)
            // Truncated, extended or flipped bundles decode to nil or to some bundle; never a crash.
            var damaged = [UInt8](encoded)
            switch Int.random(in: 0..<3, using: &random) {
            case 0: damaged.removeLast(Int.random(in: 1...damaged.count, using: &random))
            case 1: damaged += [UInt8.random(in: 0...255, using: &random)]
            default: damaged[Int.random(in: 0..<damaged.count, using: &random)] ^= 0xFF
            }
            _ = FaceEvidence.decode(Data(damaged))
            _ = FaceEvidence.decode(Data((0..<Int.random(in: 0...64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }))
        }
    }
}
