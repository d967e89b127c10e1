@testable import SocialSecurityCard
import Synchronization
import TestSupport
import Testing

/// Collects monitor events from a background task so tests can wait for them.
final class EventLog: Sendable {
    private let events = Mutex<[ReaderEvent]>([])
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)

    init(_ stream: AsyncStream<ReaderEvent>) {
        let task = Task {
            for await event in stream { self.append(event) }
        }
        self.task.withLock { $0 = task }
    }

    private func append(_ event: ReaderEvent) {
        events.withLock { $0.append(event) }
    }

    var all: [ReaderEvent] { events.withLock { $0 } }

    func waitFor(_ description: String, timeout: Duration = .seconds(10), _ matches: @escaping @Sendable (ReaderEvent) -> Bool) async throws {
        try await TestEnvironment.waitUntil(description, timeout: timeout) { self.all.contains(where: matches) }
    }

    func clear() { events.withLock { $0.removeAll() } }

    func stop() { task.withLock { $0?.cancel() } }
}

/// Reader events from a real pcscd, with zizhu-cardsim inserting and removing a card.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct ReaderMonitorTests {
    var fast: ReaderMonitorTiming {
        var timing = ReaderMonitorTiming()
        timing.statusWait = .milliseconds(200)
        timing.reconnectInitial = .milliseconds(100)
        timing.reconnectMaximum = .milliseconds(800)
        return timing
    }

    @Test func reportsInsertAndRemove() async throws {
        let timing = fast
        try await PrivatePCSCD.with { pcscd in
            let log = EventLog(ReaderMonitor.events(timing: timing))
            defer { log.stop() }
            let reader = pcscd.readerName
            try await log.waitFor("the reader") { $0 == .readerAttached(reader) }
            let card = try pcscd.startCardSimulator(arguments: CardSimulatorArguments.blank(in: pcscd))
            try await log.waitFor("card inserted") {
                if case .cardInserted(reader, let atr) = $0 { return atr.first == 0x3B }
                return false
            }
            await card.stop()
            try await log.waitFor("card removed") { $0 == .cardRemoved(reader: reader) }
        }
    }

    @Test func survivesPcscdRestarting() async throws {
        let timing = fast
        try await PrivatePCSCD.with { pcscd in
            let log = EventLog(ReaderMonitor.events(timing: timing))
            defer { log.stop() }
            try await log.waitFor("the reader") { $0 == .readerAttached(pcscd.readerName) }
            let restarted = try await pcscd.crashAndRestart(after: .milliseconds(500))
            try await log.waitFor("pcscd gone") { $0 == .serviceUnavailable }
            try await log.waitFor("pcscd back") { $0 == .serviceRestored }
            // After the restart the reader is reported again and cards work as before.
            log.clear()
            let card = try restarted.startCardSimulator(arguments: CardSimulatorArguments.blank(in: restarted))
            try await log.waitFor("card inserted after restart") {
                if case .cardInserted(restarted.readerName, _) = $0 { return true }
                return false
            }
            await card.stop()
            await restarted.process.stop()
            // No busy loop while pcscd is down: at most one "unavailable" per outage.
            #expect(log.all.filter { $0 == .serviceUnavailable }.count <= 1)
        }
    }
}

/// Arguments for zizhu-cardsim in these tests.
enum CardSimulatorArguments {
    /// A chip with no applications, with a control socket of its own (never the system default).
    static func blank(in pcscd: PrivatePCSCD) -> [String] {
        ["--blank", "--control", "\(pcscd.directory)/cardsim.sock"]
    }
}
