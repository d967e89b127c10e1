import Foundation
import GRDB
import HubClient
import Journal
import TestSupport
import Testing

/// Face evidence is sealed in its own table, sent inside its qualification item, and deleted as
/// soon as the hub acknowledges (or refuses) it, and by the retention limit in any case.
@Suite(.serialized) struct FaceEvidenceTests {
    static let marker = Data("ZIZHU-TEST-FRAME-MARKER".utf8)

    /// JPEG-looking frames (SOI marker first) with a marker the test can look for in the file.
    static func evidence(frames: Int = 3, frameBytes: Int = 4_096) -> FaceEvidence {
        var generator = SeededGenerator(seed: 0xFACE)
        let bundle = (0..<frames).map { index -> Data in
            var frame = Data([0xFF, 0xD8, 0xFF, 0xE0]) + marker + Data("-\(index)".utf8)
            frame += Data((0..<frameBytes).map { _ in UInt8.random(in: 0...255, using: &generator) })
            return frame + Data([0xFF, 0xD9])
        }
        return FaceEvidence(frames: bundle, challengeLog: Data(#"{"steps":[{"action":"blink","passed":true}]}"#.utf8))
    }

    /// A qualification as hubdata's review queue takes it (synthetic citizen ID, valid check digit).
    static let submission: [String: any Sendable] = [
        "submission_id": "3f1d2a9e-0000-4000-8000-000000000001", "citizen_id": "110101199003074573", "card_number": "A12345678",
        "card_verified": true, "pin_verified": true, "quality_flags": [String](),
        "challenge": ["complete": true, "steps": [["action": "blink", "passed": true, "elapsed_ms": 1200] as [String: any Sendable]]] as [String: any Sendable],
    ]

    private func bytesOnDisk(_ path: String) -> Data {
        ["", "-wal"].reduce(into: Data()) { bytes, suffix in bytes += FileManager.default.contents(atPath: path + suffix) ?? Data() }
    }

    @Test func evidenceIsSealedOnDiskSentWithItsItemAndDeletedOnAcknowledgement() async throws {
        let world = try await SyncWorld.start()
        defer { Task { await world.stop() } }
        let database = try AppDatabase(path: world.journalPath)
        let evidence = Self.evidence()
        let entry = try database.record(kind: "qualification.submitted", payload: Self.submission, evidence: evidence)
        #expect(bytesOnDisk(world.journalPath).range(of: Self.marker) == nil, "frames must never be in the file in clear")
        #expect(try database.faceEvidenceCounts() == FaceEvidenceCounts(held: 1, deletedAfterAcknowledgement: 0, deletedWhenParked: 0, deletedByRetention: 0))
        // What the sync sends: the frames and log in the item's `evidence`.
        let pending = try #require(try database.pendingEntries(limit: 5).first)
        #expect(pending.seq == entry.seq && pending.unreadableReason == nil)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(pending.payloadJSON.utf8)) as? [String: Any])
        let sent = try #require(object["evidence"] as? [String: Any])
        #expect(sent["format"] as? String == "jpeg")
        #expect((sent["frames"] as? [String])?.compactMap { Data(base64Encoded: $0) } == evidence.frames)
        #expect((sent["challenge_log"] as? String).flatMap { Data(base64Encoded: $0) } == evidence.challengeLog)
        let sync = try world.sync(database)
        #expect(try await sync.drainAll() == .delivered(delivered: 1, parked: 0))
        #expect(try database.faceEvidenceCounts() == FaceEvidenceCounts(held: 0, deletedAfterAcknowledgement: 1, deletedWhenParked: 0, deletedByRetention: 0))
        let sealed = try await database.writer.read { db in try Data.fetchOne(db, sql: "SELECT sealed FROM face_evidence WHERE seq = ?", arguments: [entry.seq]) }
        #expect(sealed == nil)
        #expect(try await world.storedCount() == 1)
        await world.stop()
    }

    @Test func evidenceOfAnItemTheHubRefusesIsDeletedWhenParked() async throws {
        let world = try await SyncWorld.start()
        defer { Task { await world.stop() } }
        let database = try AppDatabase(path: world.journalPath)
        try database.record(kind: "Not A Kind", payload: ["submission_id": "x"], evidence: Self.evidence(frames: 1))
        let sync = try world.sync(database)
        #expect(try await sync.drainAll() == .delivered(delivered: 0, parked: 1))
        #expect(try database.faceEvidenceCounts().deletedWhenParked == 1)
        #expect(try database.faceEvidenceCounts().held == 0)
        await world.stop()
    }

    @Test func retentionDeletesEvidenceByWallClockOrByMonotonicAge() throws {
        let path = "\(try TestEnvironment.temporaryDirectory("evidence"))/journal.sqlite"
        let database = try AppDatabase(path: path)
        let day: TimeInterval = 86_400
        // Four days old by the wall clock.
        let old = try database.record(kind: "qualification.submitted", payload: Self.submission, evidence: Self.evidence(frames: 1),
                                      clock: .shifted(by: -4 * day))
        // Fresh by the wall clock, but four days old by CLOCK_MONOTONIC in this boot: the wall
        // clock was stepped forward since. The older reading wins.
        let steppedClock = JournalClock {
            let now = JournalClock.system.now()
            return .init(wallTime: now.wallTime, bootID: now.bootID, monotonicNanoseconds: now.monotonicNanoseconds - Int64(4 * day * 1e9))
        }
        let stepped = try database.record(kind: "qualification.submitted", payload: Self.submission, evidence: Self.evidence(frames: 1),
                                          clock: steppedClock)
        let fresh = try database.record(kind: "qualification.submitted", payload: Self.submission, evidence: Self.evidence(frames: 1))
        #expect(try database.sweepFaceEvidence(retention: .seconds(72 * 3600)) == 2)
        #expect(try database.faceEvidenceCounts() == FaceEvidenceCounts(held: 1, deletedAfterAcknowledgement: 0, deletedWhenParked: 0, deletedByRetention: 2))
        // The expired items still go to the hub, saying their evidence expired; the fresh one carries it.
        let payloads = try Dictionary(uniqueKeysWithValues: database.pendingEntries(limit: 10).map { entry in
            (entry.seq, try #require(try JSONSerialization.jsonObject(with: Data(entry.payloadJSON.utf8)) as? [String: Any]))
        })
        for seq in [old.seq, stepped.seq] {
            #expect(payloads[seq]?["evidence"] == nil)
            #expect(payloads[seq]?["evidence_expired"] as? Bool == true)
        }
        #expect(payloads[fresh.seq]?["evidence"] != nil)
        // The maintenance service sweeps with its configured limit.
        JournalMaintenance(database: database, faceEvidenceRetention: .zero).runOnce()
        #expect(try database.faceEvidenceCounts().held == 0)
    }

    @Test func bundlesTheHubWouldRefuseAreRefusedUnwritten() throws {
        let path = "\(try TestEnvironment.temporaryDirectory("evidence"))/journal.sqlite"
        let database = try AppDatabase(path: path)
        let huge = Self.evidence(frames: 2, frameBytes: 200 << 10)
        #expect(throws: JournalError.self) { try database.record(kind: "qualification.submitted", payload: Self.submission, evidence: huge) }
        #expect(throws: JournalError.faceEvidenceMalformed("6 frames; 1 to 5 are sent")) {
            try database.record(kind: "qualification.submitted", payload: Self.submission, evidence: Self.evidence(frames: 6, frameBytes: 10))
        }
        #expect(throws: JournalError.faceEvidenceMalformed("a frame is not a JPEG")) {
            try database.record(kind: "qualification.submitted", payload: Self.submission,
                                evidence: FaceEvidence(frames: [Data("not a jpeg".utf8)], challengeLog: Data()))
        }
        #expect(try database.journalledSeqs().isEmpty)
        #expect(try database.faceEvidenceCounts().held == 0)
    }

    @Test func damagedEvidenceParksItsItemInsteadOfBlockingTheRest() async throws {
        let world = try await SyncWorld.start()
        defer { Task { await world.stop() } }
        let database = try AppDatabase(path: world.journalPath)
        try database.record(kind: "qualification.submitted", payload: Self.submission, evidence: Self.evidence(frames: 1))
        try database.record(kind: "rating.given", payload: ["service": "certificate", "level": 5])
        try await TestEnvironment.run(try TestEnvironment.requireProgram("/usr/bin/sqlite3", package: "sqlite3"),
                                      [world.journalPath, "UPDATE face_evidence SET sealed = CAST('v1:AAAA' AS BLOB) WHERE seq = 1"])
        let sync = try world.sync(database)
        #expect(try await sync.drainAll() == .delivered(delivered: 1, parked: 1))
        #expect(try database.parkedItems() == [ParkedItem(seq: 1, kind: "qualification.submitted", reason: "face_evidence_unreadable")])
        await world.stop()
    }
}
