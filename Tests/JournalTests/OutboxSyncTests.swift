import Foundation
import Glibc
import HubAPI
import HubClient
import HubStore
import Journal
import Logging
import TestSupport
import Testing

/// The outbox against a real `zizhu-hub` on loopback: the fault matrix rows that need a network.
@Suite(.serialized) struct OutboxSyncTests {
    private func recordServices(_ database: AppDatabase, count: Int, clock: JournalClock = .system) throws {
        for index in 0..<count {
            try database.record(kind: "certificate.printed", payload: ["document": "参保证明", "copies": index % 3 + 1], clock: clock)
        }
    }

    @Test func aBacklogReachesTheHubOnceInBatches() async throws {
        let world = try await SyncWorld.start()
        defer { Task { await world.stop() } }
        let database = try AppDatabase(path: world.journalPath)
        try recordServices(database, count: 1_234)
        let sync = try world.sync(database, batchSize: 200)
        #expect(try await sync.drainAll() == .delivered(delivered: 1_234, parked: 0))
        #expect(try await sync.drainAll() == .idle)
        #expect(sync.status.connectivity == .online)
        #expect(sync.status.backlog.pendingCount == 0)
        #expect(try await world.expectExactlyOnce(database, count: 1_234))
        await world.stop()
    }

    @Test func hubDownKeepsEverythingAndAResumedSenderDeliversIt() async throws {
        let world = try await SyncWorld.start()
        defer { Task { await world.stop() } }
        let database = try AppDatabase(path: world.journalPath)
        try recordServices(database, count: 3)
        // Nothing listens on this port: the hub is down.
        let downPort = try FreePort.next()
        let offline = try world.sync(database, to: "http://127.0.0.1:\(downPort)", timeout: .seconds(2))
        guard case .retryLater = try await offline.drainOnce() else {
            Issue.record("a hub that is down must mean retry later")
            return
        }
        #expect(offline.status.connectivity == .offline)
        #expect(offline.status.backlog.pendingCount == 3)
        #expect(offline.status.backlog.oldestPendingWallTime != nil)
        // A new sender over the same journal file (a kiosk restart) picks up exactly where it was.
        let reopened = try AppDatabase(path: world.journalPath)
        try recordServices(reopened, count: 2)
        let online = try world.sync(reopened)
        #expect(try await online.drainAll() == .delivered(delivered: 5, parked: 0))
        #expect(try await world.expectExactlyOnce(reopened, count: 5))
        await world.stop()
    }

    @Test func anAnswerLostAfterTheHubCommittedIsRetriedWithTheSameSeqs() async throws {
        let world = try await SyncWorld.start()
        defer { Task { await world.stop() } }
        let proxy = try ResponseDroppingProxy(upstreamPort: world.hub.port)
        defer { proxy.stop() }
        let database = try AppDatabase(path: world.journalPath)
        try recordServices(database, count: 40)
        let sync = try world.sync(database, to: proxy.url, batchSize: 25)
        proxy.setMode(.dropResponses)
        guard case .retryLater = try await sync.drainOnce() else {
            Issue.record("a lost answer must mean retry later")
            return
        }
        #expect(proxy.droppedResponses >= 1)
        // The hub has the first batch, the kiosk does not know it.
        #expect(try await world.storedCount() == 25)
        #expect(try database.backlog().pendingCount == 40)
        proxy.setMode(.forward)
        #expect(try await sync.drainAll() == .delivered(delivered: 40, parked: 0))
        #expect(try await world.expectExactlyOnce(database, count: 40))
        await world.stop()
    }

    @Test func anItemTheHubRefusesIsParkedAndTheRestDelivered() async throws {
        let world = try await SyncWorld.start()
        defer { Task { await world.stop() } }
        let database = try AppDatabase(path: world.journalPath)
        try recordServices(database, count: 2)
        try database.record(kind: "Not A Kind", payload: ["x": 1])
        try recordServices(database, count: 2)
        let sync = try world.sync(database)
        #expect(try await sync.drainAll() == .delivered(delivered: 4, parked: 1))
        #expect(try database.parkedItems() == [ParkedItem(seq: 3, kind: "Not A Kind", reason: "invalid_kind")])
        #expect(try database.backlog() == OutboxBacklog(pendingCount: 0, oldestPendingWallTime: nil, parkedCount: 1))
        // A parked item is never sent again.
        #expect(try await sync.drainAll() == .idle)
        await world.stop()
    }

    @Test func aClockSteppedBackwardsDoesNotReorderOrLoseItems() async throws {
        let world = try await SyncWorld.start()
        defer { Task { await world.stop() } }
        let database = try AppDatabase(path: world.journalPath)
        try recordServices(database, count: 5)
        try recordServices(database, count: 5, clock: .shifted(by: -3 * 86_400))
        try recordServices(database, count: 5)
        let entries = try database.pendingEntries(limit: 100)
        #expect(entries.map(\.seq) == Array(1...15))
        #expect(entries[5].wallTime < entries[4].wallTime)
        let sync = try world.sync(database)
        #expect(try await sync.drainAll() == .delivered(delivered: 15, parked: 0))
        #expect(try await world.expectExactlyOnce(database, count: 15))
        await world.stop()
    }

    @Test func statusUpdatesFollowTheBacklog() async throws {
        let world = try await SyncWorld.start()
        defer { Task { await world.stop() } }
        let database = try AppDatabase(path: world.journalPath)
        try recordServices(database, count: 7)
        let sync = try world.sync(database)
        var updates = sync.statusUpdates().makeAsyncIterator()
        #expect(await updates.next()?.backlog.pendingCount == 7)
        _ = try await sync.drainAll()
        let latest = await updates.next()
        #expect(latest?.connectivity == .online)
        #expect(latest?.backlog.pendingCount == 0)
        await world.stop()
    }

    @Test func backoffGrowsIsCappedAndJittered() {
        let backoff = SyncBackoff(initial: .milliseconds(100), cap: .seconds(2))
        #expect(backoff.delay(attempt: 1, unit: 1) == .milliseconds(100))
        #expect(backoff.delay(attempt: 4, unit: 1) == .milliseconds(800))
        #expect(backoff.delay(attempt: 4, unit: 0) == .milliseconds(400))
        #expect(backoff.delay(attempt: 30, unit: 1) == .seconds(2))
        #expect(backoff.delay(attempt: 30, unit: 0) == .seconds(1))
        #expect(backoff.delay(attempt: 1, unit: 0) == .milliseconds(100))
    }
}

@Suite(.serialized) struct HeartbeatAndUpdatesTests {
    @Test func aHeartbeatCarriesTheBacklog() async throws {
        let world = try await SyncWorld.start()
        defer { Task { await world.stop() } }
        let database = try AppDatabase(path: world.journalPath)
        for _ in 0..<4 { try database.record(kind: "rating.given", payload: ["stars": 4]) }
        let sync = try world.sync(database)
        let receipt = try await sync.sendHeartbeat(HeartbeatHealth(softwareVersion: "test", cardReader: .ready, printer: .ready, camera: .missing))
        #expect(!receipt.clockSkewFlagged)
        let stored = try await HubDatabase(location: world.hubDatabase).withStore(logger: Logger(label: "test")) { store in
            try await store.heartbeats(deviceID: world.deviceID, limit: 5)
        }
        #expect(stored.count == 1)
        // The report is stored as the kiosk sent it: the outbox part says four are pending.
        #expect(stored.first?.reportJSON.replacingOccurrences(of: " ", with: "").contains("\"pending\":4") == true)
        await world.stop()
    }

    @Test func updatesAreStoredOnceWithTheirCursor() async throws {
        let world = try await SyncWorld.start()
        defer { Task { await world.stop() } }
        let database = try AppDatabase(path: world.journalPath)
        let sync = try world.sync(database)
        // Enrollment publishes a `kiosk.enrolled` update; the hub operator publishes more.
        let first = try await sync.pullUpdates()
        #expect(first >= 1)
        let cursor = try database.hubUpdatesCursor()
        #expect(cursor > 0)
        #expect(try await sync.pullUpdates() == 0)
        #expect(try database.hubUpdatesCursor() == cursor)
        #expect(try database.hubUpdates(kind: "kiosk.enrolled").count == 1)
        await world.stop()
    }
}

@Suite(.serialized) struct CorruptedJournalRowTests {
    @Test func aCorruptedRowIsParkedAndDoesNotBlockTheRest() async throws {
        let world = try await SyncWorld.start()
        defer { Task { await world.stop() } }
        let database = try AppDatabase(path: world.journalPath)
        for _ in 0..<5 { try database.record(kind: "card.read", payload: ["service": "certificate"]) }
        // Damage seq 2's payload behind the journal's back.
        try await TestEnvironment.run(try TestEnvironment.requireProgram("/usr/bin/sqlite3", package: "sqlite3"),
                                      [world.journalPath, "UPDATE business_transaction SET payload = '{not json' WHERE seq = 2"])
        let sync = try world.sync(database)
        #expect(try await sync.drainAll() == .delivered(delivered: 4, parked: 1))
        #expect(try database.parkedItems() == [ParkedItem(seq: 2, kind: "card.read", reason: "corrupted_in_journal")])
        #expect(try await world.storedCount() == 4)
        await world.stop()
    }
}

@Suite(.serialized) struct SlowHubTests {
    /// A hub that accepts the connection and never answers: the request times out, the outcome is
    /// unknown, nothing is marked sent, and the same seqs later reach the real hub once.
    @Test func aHubThatNeverAnswersTimesOutAndNothingIsLost() async throws {
        let world = try await SyncWorld.start()
        defer { Task { await world.stop() } }
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(listener >= 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && listen(listener, 16) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        try #require(listening)
        let silentURL = "http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))"
        let database = try AppDatabase(path: world.journalPath)
        for _ in 0..<6 { try database.record(kind: "card.read", payload: ["service": "records"]) }
        let slow = try world.sync(database, to: silentURL, timeout: .milliseconds(500))
        let clock = ContinuousClock()
        let start = clock.now
        guard case .retryLater = try await slow.drainOnce() else {
            Issue.record("a hub that never answers must mean retry later")
            return
        }
        // The 500 ms timeout ended the wait, not some default far longer (the bound is loose on
        // purpose: a loaded CI machine is slow, and speed belongs in benchmarks).
        #expect(clock.now - start < .seconds(30))
        #expect(try database.backlog().pendingCount == 6)
        #expect(try await world.storedCount() == 0)
        let sync = try world.sync(database)
        #expect(try await sync.drainAll() == .delivered(delivered: 6, parked: 0))
        #expect(try await world.expectExactlyOnce(database, count: 6))
        await world.stop()
    }
}
