import Foundation
import GRDB
import HubClient
import Journal
import TestSupport
import Testing

/// kill -9 of the kiosk process while it journals and while it sends: afterwards every
/// acknowledged transaction is in the journal, the journal has no gaps, and once sent, every
/// journalled transaction is at the hub exactly once.
@Suite(.serialized) struct KillNineTests {
    /// The seqs a killed `journal write-loop` printed, i.e. whose commit had returned.
    private func acknowledgedSeqs(_ log: String) -> [Int64] {
        log.split(separator: "\n").compactMap { Int64($0) }
    }

    @Test func killedWhileJournallingLosesNoAcknowledgedTransaction() async throws {
        let world = try await SyncWorld.start()
        defer { Task { await world.stop() } }
        let directory = try TestEnvironment.temporaryDirectory("kill9-write")
        var random = SeededGenerator(seed: 0x2026_1123)
        var acknowledged: Set<Int64> = []
        let iterations = 30
        for iteration in 0..<iterations {
            let writer = try ManagedProcess(
                name: "journal writer", executable: TestEnvironment.executable("zizhu-kiosk"),
                arguments: ["journal", "write-loop", "--journal", world.journalPath],
                logPath: "\(directory)/writer-\(iteration).log")
            // Wait until it has committed something, then kill it at a random moment.
            try await TestEnvironment.waitUntil("the writer's first commit", timeout: .seconds(20)) {
                !acknowledgedSeqs(writer.log()).isEmpty || !writer.isRunning
            }
            try await Task.sleep(for: .milliseconds(Int.random(in: 0...80, using: &random)))
            await writer.kill9()
            let printed = acknowledgedSeqs(writer.log())
            #expect(!printed.isEmpty, "writer printed nothing: \(writer.log())")
            acknowledged.formUnion(printed)
            let database = try AppDatabase(path: world.journalPath)
            #expect(try database.integrityCheck() == ["ok"])
            let seqs = try database.journalledSeqs()
            #expect(seqs == Array(1...Int64(seqs.count)), "a gap in the journal after kill \(iteration)")
            #expect(acknowledged.isSubset(of: Set(seqs)), "an acknowledged seq is missing after kill \(iteration)")
            // Business row and outbox row are written together: every journalled seq is pending.
            #expect(try database.backlog().pendingCount == seqs.count)
        }
        let database = try AppDatabase(path: world.journalPath)
        let total = try database.journalledSeqs().count
        let sync = try world.sync(database)
        #expect(try await sync.drainAll() == .delivered(delivered: total, parked: 0))
        #expect(try await world.expectExactlyOnce(database, count: total))
        await world.stop()
    }

    @Test func killedWhileSendingNeitherLosesNorDoublesAnything() async throws {
        let world = try await SyncWorld.start()
        defer { Task { await world.stop() } }
        let stateDirectory = try TestEnvironment.temporaryDirectory("kill9-sync")
        let environment = ["ZIZHU_STORAGE_STATE_DIRECTORY": stateDirectory, "ZIZHU_HUB_URL": world.hub.url]
        let kiosk = try TestEnvironment.executable("zizhu-kiosk")
        let code = try await TestEnvironment.run(TestEnvironment.executable("zizhuctl"),
                                                 ["hub", "enroll-code", "--office", "测试街道", "--database", world.hubDatabase])
            .trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try await TestEnvironment.run(kiosk, ["enroll", world.hub.url, code], environment: environment)
        let deviceID = try String(contentsOfFile: "\(stateDirectory)/hub-device-id", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let journalPath = "\(stateDirectory)/journal.sqlite"
        let total = 3_000
        do {
            let database = try AppDatabase(path: journalPath)
            for index in 0..<total {
                try database.record(kind: "card.read", payload: ["service": "certificate", "reader": index % 40])
            }
        }
        var random = SeededGenerator(seed: 0x5EED)
        var kills = 0
        for iteration in 0..<25 {
            let sender = try ManagedProcess(
                name: "journal sync", executable: kiosk, arguments: ["journal", "sync", "--batch-size", "40"],
                environment: environment, logPath: "\(stateDirectory)/sync-\(iteration).log")
            try await Task.sleep(for: .milliseconds(Int.random(in: 30...400, using: &random)))
            if sender.isRunning { kills += 1 }
            await sender.kill9()
            let database = try AppDatabase(path: journalPath)
            #expect(try database.integrityCheck() == ["ok"])
            #expect(try database.journalledSeqs().count == total)
            if try database.backlog().pendingCount == 0 { break }
        }
        #expect(kills > 0, "no sender was killed mid-way; the test proved nothing")
        // A last sender finishes the job.
        let output = try await TestEnvironment.run(kiosk, ["journal", "sync"], environment: environment)
        #expect(output.contains("nothing waiting"), "\(output)")
        let database = try AppDatabase(path: journalPath)
        let check = SyncWorld(hub: world.hub, hubDatabase: world.hubDatabase, deviceID: deviceID,
                              key: try KioskKey.loadOrCreate(at: "\(stateDirectory)/hub-identity.key"), journalPath: journalPath)
        #expect(try await check.expectExactlyOnce(database, count: total))
        await world.stop()
    }
}
