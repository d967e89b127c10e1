import Foundation
import HubAPI
import HubClient
import HubStore
import Journal
import Logging
import TestSupport
import Testing

/// Fault-matrix rows on the wire, against a real hub on loopback: batches the hub finds too big
/// (413), an item too big to send at all, a batch corrupted in transit (F9), and parked items in
/// the heartbeat.
@Suite(.serialized) struct SyncFaultTests {
    private func record(_ database: AppDatabase, count: Int) throws {
        for index in 0..<count { try database.record(kind: "card.read", payload: ["service": "certificate", "reader": index % 12]) }
    }

    @Test func a413MakesTheClientHalveItsBatchUntilTheHubTakesIt() async throws {
        let world = try await SyncWorld.start(hubEnvironment: ["ZIZHU_LIMITS_MAX_BATCH_ITEMS": "10"])
        defer { Task { await world.stop() } }
        let database = try AppDatabase(path: world.journalPath)
        try record(database, count: 95)
        let sync = try world.sync(database, batchSize: 100)
        // 95 pending: 95 → 413, 47 → 413, 23 → 413, 11 → 413, then batches of 5 go through.
        var outcomes: [DrainOutcome] = []
        for _ in 0..<40 {
            let outcome = try await sync.drainOnce()
            outcomes.append(outcome)
            if outcome == .idle { break }
        }
        #expect(outcomes.prefix(4).allSatisfy { if case .retryLater("batch_too_large") = $0 { true } else { false } }, "\(outcomes)")
        #expect(outcomes.count > 4 && outcomes[4] == .delivered(delivered: 5, parked: 0), "\(outcomes)")
        #expect(outcomes.last == .idle)
        #expect(try database.backlog().pendingCount == 0)
        #expect(try await world.expectExactlyOnce(database, count: 95, chunk: 10))
        await world.stop()
    }

    @Test func anItemTooLargeForTheHubEvenAloneIsParkedAndTheRestDelivered() async throws {
        let world = try await SyncWorld.start(hubEnvironment: ["ZIZHU_LIMITS_MAX_BODY_BYTES": "4096"])
        defer { Task { await world.stop() } }
        let database = try AppDatabase(path: world.journalPath)
        try record(database, count: 3)
        try database.record(kind: "certificate.printed", payload: ["document": "参保证明", "note": String(repeating: "x", count: 6_000)])
        try record(database, count: 2)
        let sync = try world.sync(database)
        var delivered = 0, parked = 0
        for _ in 0..<40 {
            switch try await sync.drainOnce() {
            case .delivered(let newlyDelivered, let newlyParked):
                delivered += newlyDelivered
                parked += newlyParked
            case .idle: break
            default: continue
            }
            if try database.backlog().pendingCount == 0 { break }
        }
        #expect(delivered == 5 && parked == 1)
        #expect(try database.parkedItems() == [ParkedItem(seq: 4, kind: "certificate.printed", reason: "too_large_for_hub")])
        #expect(try await world.storedCount() == 5)
        await world.stop()
    }

    @Test func aBatchCorruptedInTransitChangesNothingAndIsDeliveredOnceLater() async throws {
        let world = try await SyncWorld.start()
        defer { Task { await world.stop() } }
        let proxy = try ResponseDroppingProxy(upstreamPort: world.hub.port)
        defer { proxy.stop() }
        let database = try AppDatabase(path: world.journalPath)
        try record(database, count: 30)
        let sync = try world.sync(database, to: proxy.url)
        proxy.setMode(.corruptRequests)
        let outcome = try await sync.drainOnce()
        // The body no longer matches its signed digest: the hub refuses the request whole.
        guard case .refusedByHub(let status, _) = outcome else {
            Issue.record("a corrupted batch must be refused by the hub, got \(outcome)")
            return
        }
        #expect(status == 401 || status == 400)
        #expect(try await world.storedCount() == 0)
        #expect(try database.backlog() == OutboxBacklog(pendingCount: 30, oldestPendingWallTime: try database.backlog().oldestPendingWallTime, parkedCount: 0))
        proxy.setMode(.forward)
        #expect(try await sync.drainAll() == .delivered(delivered: 30, parked: 0))
        #expect(try await world.expectExactlyOnce(database, count: 30))
        await world.stop()
    }

    @Test func aHeartbeatNamesTheParkedItemsForTheDashboard() async throws {
        let world = try await SyncWorld.start()
        defer { Task { await world.stop() } }
        let database = try AppDatabase(path: world.journalPath)
        try record(database, count: 2)
        try database.record(kind: "Not A Kind", payload: ["x": 1])
        let sync = try world.sync(database)
        #expect(try await sync.drainAll() == .delivered(delivered: 2, parked: 1))
        _ = try await sync.sendHeartbeat(HeartbeatHealth(softwareVersion: "test", cardReader: .ready, printer: .ready, camera: .missing))
        let stored = try await HubDatabase(location: world.hubDatabase).withStore(logger: Logger(label: "test")) { store in
            try await store.heartbeats(deviceID: world.deviceID, limit: 1)
        }
        let report = try #require(stored.first?.reportJSON)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.utf8)) as? [String: Any])
        let outbox = try #require(object["outbox"] as? [String: Any])
        #expect((outbox["parked"] as? NSNumber)?.intValue == 1)
        let items = try #require(outbox["parked_items"] as? [[String: Any]])
        #expect(items.count == 1)
        #expect(items.first?["kind"] as? String == "Not A Kind")
        #expect(items.first?["reason"] as? String == "invalid_kind")
        #expect((items.first?["seq"] as? NSNumber)?.intValue == 3)
        await world.stop()
    }
}
