import Foundation
import HubAPI
import Journal
import Logging
import ServiceLifecycle
import Synchronization

/// Whether the hub is reachable and how much waits to be sent: what the UI and heartbeats show.
public struct SyncStatus: Sendable, Equatable {
    public enum Connectivity: String, Sendable, Equatable {
        /// No delivery tried yet since start.
        case unknown
        /// The last delivery or heartbeat reached the hub.
        case online
        /// The hub could not be reached; work is kept and sent later.
        case offline
    }

    public var connectivity: Connectivity
    public var backlog: OutboxBacklog
    /// When the hub last took a batch.
    public var lastDelivery: Date?

    public init(connectivity: Connectivity, backlog: OutboxBacklog, lastDelivery: Date?) {
        self.connectivity = connectivity
        self.backlog = backlog
        self.lastDelivery = lastDelivery
    }
}

/// Capped exponential backoff with "equal" jitter: `min(initial·2ⁿ⁻¹, cap)`, then ×(0.5…1).
public struct SyncBackoff: Sendable, Equatable {
    public var initial: Duration
    public var cap: Duration

    public init(initial: Duration = .milliseconds(250), cap: Duration = .seconds(300)) {
        self.initial = initial
        self.cap = cap
    }

    /// The wait before retry number `attempt` (1-based); `unit` in 0…1 is the jitter draw.
    public func delay(attempt: Int, unit: Double) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        let raw = min(initial * (1 << exponent), cap)
        return max(raw * (0.5 * (1 + min(max(unit, 0), 1))), initial)
    }
}

/// What one pass over the outbox did.
public enum DrainOutcome: Sendable, Equatable {
    /// The outbox has nothing pending.
    case idle
    /// A batch reached the hub; `delivered` acknowledged, `parked` refused for good.
    case delivered(delivered: Int, parked: Int)
    /// The outcome is unknown (timeout, 5xx, lost connection): the same seqs go again later.
    case retryLater(String)
    /// The hub refused the whole request (401/403/400): a technician must act; sending waits.
    case refusedByHub(status: Int, reason: String)
}

/// Drains the journal's outbox to the hub in seq order, in batches, and applies the per-item
/// answer in one local transaction. Holds no delivery state in memory: after a restart it reads
/// the pending rows again and sends them with the same seqs, which the hub dedupes.
public final class OutboxSync: Service, Sendable {
    let database: AppDatabase
    let connection: HubConnection
    private let deviceID: String
    /// Items per batch; halved when the hub answers 413 (its limit may be lower than ours).
    private let batchSize: Atomic<Int>
    private let backoff: SyncBackoff
    private let idlePoll: Duration
    private let logger: Logger
    private let health: (@Sendable () async -> HeartbeatHealth)?
    private let heartbeatInterval: Duration
    private let state: Mutex<(status: SyncStatus, continuations: [UUID: AsyncStream<SyncStatus>.Continuation])>

    public init(database: AppDatabase, connection: HubConnection, deviceID: String, batchSize: Int = 500,
                backoff: SyncBackoff = SyncBackoff(), idlePoll: Duration = .seconds(2),
                heartbeatInterval: Duration = .seconds(60), health: (@Sendable () async -> HeartbeatHealth)? = nil, logger: Logger) {
        self.health = health
        self.heartbeatInterval = heartbeatInterval
        self.database = database
        self.connection = connection
        self.deviceID = deviceID
        self.batchSize = Atomic(max(1, batchSize))
        self.backoff = backoff
        self.idlePoll = idlePoll
        self.logger = logger
        let backlog = (try? database.backlog()) ?? OutboxBacklog(pendingCount: 0, oldestPendingWallTime: nil, parkedCount: 0)
        state = Mutex((SyncStatus(connectivity: .unknown, backlog: backlog, lastDelivery: nil), [:]))
    }

    /// The latest status.
    public var status: SyncStatus { state.withLock { $0.status } }

    /// Every status change from now on, starting with the current one; for the UI.
    public func statusUpdates() -> AsyncStream<SyncStatus> {
        let (stream, continuation) = AsyncStream.makeStream(of: SyncStatus.self, bufferingPolicy: .bufferingNewest(1))
        let id = UUID()
        state.withLock { state in
            continuation.yield(state.status)
            state.continuations[id] = continuation
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.continuations.removeValue(forKey: id) }
        }
        return stream
    }

    func publish(_ change: (inout SyncStatus) -> Void) {
        let backlog = try? database.backlog()
        state.withLock { state in
            change(&state.status)
            if let backlog { state.status.backlog = backlog }
            for continuation in state.continuations.values { continuation.yield(state.status) }
        }
    }

    /// Payload bytes one batch may carry: a face-evidence item is up to ~700 KiB of base64, and
    /// the hub reads at most 1 MiB of body by default, so big items go in batches of their own.
    public static let batchPayloadBudget = 768 << 10

    /// Sends one batch of the oldest pending items and applies the hub's answer.
    public func drainOnce() async throws -> DrainOutcome {
        var entries = try database.pendingEntries(limit: batchSize.load(ordering: .relaxed))
        var budget = Self.batchPayloadBudget
        if let cut = entries.indices.first(where: { index in
            budget -= entries[index].payloadJSON.utf8.count
            return budget < 0 && index > 0
        }) {
            entries.removeSubrange(cut...)
        }
        guard !entries.isEmpty else {
            publish { _ in }
            return .idle
        }
        // A row whose payload no longer decodes (a damaged page, a bad write by a bug) would block
        // every later seq for ever: park it for a technician and send the rest.
        var items: [Components.Schemas.TransactionItem] = []
        var corrupted: [(seq: Int64, reason: String)] = []
        for entry in entries {
            if let reason = entry.unreadableReason {
                corrupted.append((entry.seq, reason))
            } else if let item = try? Self.transactionItem(entry) {
                items.append(item)
            } else {
                corrupted.append((entry.seq, "corrupted_in_journal"))
            }
        }
        if !corrupted.isEmpty {
            try database.applyAcknowledgements(delivered: [], refused: corrupted)
            for item in corrupted {
                logger.error("journal row unreadable; parked for a technician", metadata: ["seq": "\(item.seq)"])
            }
            publish { _ in }
            if items.isEmpty { return .delivered(delivered: 0, parked: corrupted.count) }
        }
        let result: Components.Schemas.BatchResult
        do {
            result = try await connection.submit(.init(deviceId: deviceID, items: items))
        } catch {
            try? database.countAttempt(seqs: entries.map(\.seq))
            switch error {
            case .refused(status: 413, reason: _, message: _) where items.count == 1:
                // One item alone is too large for this hub: it never will fit; staff must look.
                let seq = items[0].seq
                try database.applyAcknowledgements(delivered: [], refused: [(seq, "too_large_for_hub")])
                logger.error("hub refused a journal item as too large; parked for staff", metadata: ["seq": "\(seq)"])
                publish { $0.connectivity = .online }
                return .delivered(delivered: 0, parked: 1 + corrupted.count)
            case .refused(status: 413, reason: let reason, message: _):
                batchSize.store(max(1, items.count / 2), ordering: .relaxed)
                publish { $0.connectivity = .online }
                return .retryLater(reason)
            case .refused(status: 503, reason: let reason, message: _):
                publish { $0.connectivity = .online }
                return .retryLater(reason)
            case .refused(let status, let reason, _):
                publish { $0.connectivity = .online }
                return .refusedByHub(status: status, reason: reason)
            case .unexpectedStatus(let status) where status < 500:
                publish { $0.connectivity = .online }
                return .refusedByHub(status: status, reason: "unexpected_status")
            case .unreachable:
                // The transport's description quotes the whole request (payloads included), so
                // it is neither returned nor logged.
                publish { $0.connectivity = .offline }
                return .retryLater("hub unreachable (no connection or no answer in time)")
            case .unexpectedStatus(let status):
                publish { $0.connectivity = .offline }
                return .retryLater("status \(status)")
            case .invalidURL(let why), .invalidCertificate(let why):
                return .refusedByHub(status: 0, reason: why)
            }
        }
        let sent = Set(entries.map(\.seq))
        // Accepted and duplicates (stored outcome) are both settled at the hub; a conflict keeps the
        // hub's stored item, so it too is settled, but staff must be told (logged below).
        let refused = result.rejected.filter { sent.contains($0.seq) }.map { (seq: $0.seq, reason: $0.reason.rawValue) }
        let refusedSeqs = Set(refused.map(\.seq))
        let delivered = Set(result.accepted + result.duplicates).intersection(sent).subtracting(refusedSeqs)
        try database.applyAcknowledgements(delivered: delivered.sorted(), refused: refused)
        if !result.conflicts.isEmpty {
            logger.error("hub holds different content for re-sent seqs; staff must check this kiosk's journal",
                         metadata: ["conflicts": "\(result.conflicts.count)", "first_seq": "\(result.conflicts.min() ?? 0)"])
        }
        for item in refused {
            logger.warning("hub refused a journal item; parked for staff", metadata: ["seq": "\(item.seq)", "reason": "\(item.reason)"])
        }
        publish {
            $0.connectivity = .online
            $0.lastDelivery = Date()
        }
        return .delivered(delivered: delivered.count, parked: refused.count + corrupted.count)
    }

    /// Drains until the outbox is empty or the hub cannot take more now.
    public func drainAll() async throws -> DrainOutcome {
        var total = 0, parked = 0
        while true {
            switch try await drainOnce() {
            case .idle: return total + parked == 0 ? .idle : .delivered(delivered: total, parked: parked)
            case .delivered(let delivered, let newlyParked):
                total += delivered
                parked += newlyParked
                // A batch the hub answered without settling anything would loop for ever.
                if delivered + newlyParked == 0 { return .retryLater("hub settled no item of the batch") }
            case let other: return other
            }
        }
    }

    public func run() async throws {
        var failures = 0
        var generator = SystemRandomNumberGenerator()
        let clock = ContinuousClock()
        var nextHeartbeat = clock.now
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            if let health, clock.now >= nextHeartbeat {
                do {
                    _ = try await sendHeartbeat(await health())
                    nextHeartbeat = clock.now + heartbeatInterval
                } catch {
                    // Retried at the next pass; the backlog is still journalled either way.
                    logger.info("heartbeat not delivered", metadata: ["error": "\(Self.shortDescription(error))"])
                    nextHeartbeat = clock.now + min(heartbeatInterval, .seconds(10))
                }
            }
            if status.connectivity != .offline {
                do { try await pullUpdates() } catch {
                    logger.info("hub updates not fetched", metadata: ["error": "\(Self.shortDescription(error))"])
                }
            }
            let outcome: DrainOutcome
            do {
                outcome = try await drainAll()
            } catch {
                // The local journal failed (disk, corruption): keep the service alive and say so.
                logger.error("journal unreadable while syncing; a technician must check the disk", metadata: ["error": "\(error)"])
                outcome = .retryLater("journal error")
            }
            let wait: Duration
            switch outcome {
            case .idle, .delivered:
                failures = 0
                wait = idlePoll
            case .retryLater(let why):
                failures += 1
                wait = backoff.delay(attempt: failures, unit: Double.random(in: 0...1, using: &generator))
                logger.info("hub delivery postponed", metadata: ["why": "\(why)", "retry_in": "\(wait)"])
            case .refusedByHub(let status, let reason):
                failures += 1
                wait = max(backoff.delay(attempt: failures, unit: Double.random(in: 0...1, using: &generator)), .seconds(30))
                logger.error("hub refused this kiosk's deliveries; a technician must act",
                             metadata: ["status": "\(status)", "reason": "\(reason)"])
            }
            // A graceful shutdown must not wait out a backoff of up to the cap.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
        }
        state.withLock { state in
            for continuation in state.continuations.values { continuation.finish() }
            state.continuations.removeAll()
        }
    }

    /// An error for the log without the request it may quote.
    static func shortDescription(_ error: any Error) -> String {
        if let error = error as? HubConnectionError, case .unreachable = error { return "hub unreachable" }
        return String(String(describing: error).prefix(200))
    }

    /// A journal entry as the hub contract carries it.
    public static func transactionItem(_ entry: JournalEntry) throws -> Components.Schemas.TransactionItem {
        let payload = try JSONDecoder().decode(Components.Schemas.TransactionItem.PayloadPayload.self, from: Data(entry.payloadJSON.utf8))
        return .init(seq: entry.seq, wallTime: entry.wallTime, bootId: entry.bootID, monotonicNs: entry.monotonicNanoseconds,
                     kind: entry.kind, payload: payload)
    }
}

/// Device health a heartbeat carries besides the outbox; the kiosk's device survey fills it.
public struct HeartbeatHealth: Sendable {
    public var softwareVersion: String
    public var cardReader: Components.Schemas.Heartbeat.CardReaderPayload
    public var printer: Components.Schemas.Heartbeat.PrinterPayload
    public var camera: Components.Schemas.Heartbeat.CameraPayload

    public init(softwareVersion: String, cardReader: Components.Schemas.Heartbeat.CardReaderPayload,
                printer: Components.Schemas.Heartbeat.PrinterPayload, camera: Components.Schemas.Heartbeat.CameraPayload) {
        self.softwareVersion = softwareVersion
        self.cardReader = cardReader
        self.printer = printer
        self.camera = camera
    }
}

extension OutboxSync {
    /// Sends a heartbeat with `health` and the journal's backlog (count, oldest item's age).
    public func sendHeartbeat(_ health: HeartbeatHealth, now: Date = Date()) async throws -> Components.Schemas.HeartbeatReceipt {
        let backlog = try database.backlog()
        let stamp = JournalClock.system.now()
        let oldestAge = backlog.oldestPendingWallTime.map { Int64(max(0, now.timeIntervalSince($0))) }
        let free = DiskReserve.statvfsFreeBytes(database.path).map { Int64(clamping: $0) } ?? 0
        let heartbeat = Components.Schemas.Heartbeat(
            wallTime: stamp.wallTime, bootId: stamp.bootID, monotonicNs: stamp.monotonicNanoseconds,
            softwareVersion: health.softwareVersion, cardReader: health.cardReader, printer: health.printer, camera: health.camera,
            diskFreeBytes: free,
            outbox: .init(pending: Int64(backlog.pendingCount), oldestAgeSeconds: oldestAge, parked: Int64(backlog.parkedCount),
                          parkedItems: try database.parkedItems(limit: 20).map { .init(seq: $0.seq, kind: Self.atMost64($0.kind), reason: Self.atMost64($0.reason)) }))
        do {
            let receipt = try await connection.heartbeat(heartbeat)
            publish { $0.connectivity = .online }
            return receipt
        } catch {
            if case .unreachable = error { publish { $0.connectivity = .offline } }
            throw error
        }
    }

    /// The first 64 code points: the contract's `maxLength` counts code points, not characters.
    static func atMost64(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.prefix(64)))
    }

    /// Fetches the hub's updates after the stored cursor, page by page, each page stored with
    /// its cursor in one local transaction.
    /// - Returns: how many updates arrived.
    @discardableResult
    public func pullUpdates() async throws -> Int {
        var received = 0
        while true {
            let cursor = try database.hubUpdatesCursor()
            let page = try await connection.updates(after: cursor)
            let updates = try page.updates.map { update in
                let data = try JSONEncoder().encode(update.payload)
                return HubUpdate(cursor: update.cursor, kind: update.kind, payloadJSON: String(decoding: data, as: UTF8.self), createdAt: update.createdAt)
            }
            try database.applyHubUpdates(updates, nextCursor: max(page.nextCursor, cursor))
            received += updates.count
            if updates.isEmpty || page.nextCursor <= cursor { return received }
        }
    }
}
