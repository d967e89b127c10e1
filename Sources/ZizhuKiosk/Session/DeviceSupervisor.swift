import KioskCore
import KioskSession
import Logging
import SocialSecurityCard
import Synchronization
import ZizhuConfiguration

/// Watches the devices for the session: card insertions and removals as pcscd reports them
/// (``ReaderMonitor``, event-driven, so a card shows on screen at once), and the kiosk's health
/// (reader, printer, hub) by a survey every `refresh`. Everything arrives on one stream of
/// ``DeviceEvent``s; only changes are sent.
final class DeviceSupervisor: Sendable {
    private let events: AsyncStream<DeviceEvent>
    private let sink: AsyncStream<DeviceEvent>.Continuation
    private let state = Mutex<State>(State())
    private let survey: DeviceSurvey
    private let refresh: Duration
    private let logger: Logger

    private struct State {
        var reader: String?
        var readers: Set<String> = []
        var cardPresent = false
        var lastHealth: KioskHealth?
        var lastReport: DeviceReport?
        var tasks: [Task<Void, Never>] = []
    }

    init(survey: DeviceSurvey, refresh: Duration, logger: Logger) {
        self.survey = survey
        self.refresh = refresh
        self.logger = logger
        (events, sink) = AsyncStream.makeStream(bufferingPolicy: .unbounded)
    }

    /// The reader the current card is in (the configured one, or the first with a card).
    var cardReader: String? { state.withLock { $0.reader } }

    /// The last survey, for heartbeats.
    var lastReport: DeviceReport? { state.withLock { $0.lastReport } }

    func start() {
        let cards = Task { [self] in
            for await event in ReaderMonitor.events() {
                handle(event)
            }
        }
        let health = Task { [self] in
            while !Task.isCancelled {
                await surveyOnce()
                try? await Task.sleep(for: refresh)
            }
        }
        state.withLock { $0.tasks = [cards, health] }
    }

    func stop() {
        for task in state.withLock({ $0.tasks }) { task.cancel() }
        sink.finish()
    }

    /// The next change; waits as long as nothing changes.
    func next() async -> DeviceEvent {
        for await event in events { return event }
        // Stopped: nothing more will come; park the session's watcher until it is cancelled.
        try? await Task.sleep(for: .seconds(86_400 * 365))
        return .health(KioskHealth(cardReader: false, printer: false, camera: false, hub: false))
    }

    private func wanted(_ reader: String) -> Bool {
        survey.settings.cardReader.map { reader.hasPrefix($0) } ?? true
    }

    private func handle(_ event: ReaderEvent) {
        var out: [DeviceEvent] = []
        state.withLock { state in
            switch event {
            case .readerAttached(let name) where wanted(name):
                state.readers.insert(name)
            case .readerDetached(let name):
                state.readers.remove(name)
                if state.reader == name && state.cardPresent {
                    state.cardPresent = false
                    out.append(.cardRemoved)
                }
            case .cardInserted(let reader, _) where wanted(reader):
                state.reader = reader
                if !state.cardPresent {
                    state.cardPresent = true
                    out.append(.cardInserted)
                }
            case .cardRemoved(let reader) where reader == state.reader:
                if state.cardPresent {
                    state.cardPresent = false
                    out.append(.cardRemoved)
                }
            case .serviceUnavailable:
                state.readers = []
                if state.cardPresent {
                    state.cardPresent = false
                    out.append(.cardRemoved)
                }
            default:
                break
            }
        }
        for event in out {
            logger.info("card", metadata: ["card.event": .string(event == .cardInserted ? "inserted" : "removed")])
            sink.yield(event)
        }
    }

    /// Surveys now rather than at the next round (staff replaced the paper, or asked for the
    /// status), publishing any change to the session, and returns the report.
    func surveyNow() async -> DeviceReport {
        await surveyOnce()
    }

    @discardableResult
    private func surveyOnce() async -> DeviceReport {
        let report = await survey.run()
        let health = report.health
        let changed = state.withLock { state -> Bool in
            state.lastReport = report
            guard state.lastHealth != health else { return false }
            state.lastHealth = health
            return true
        }
        if changed {
            logger.info("device health", metadata: [
                "card.reader": .stringConvertible(health.cardReader), "printer": .stringConvertible(health.printer),
                "camera": .stringConvertible(health.camera), "hub": .stringConvertible(health.hub),
            ])
            sink.yield(.health(health))
        }
        return report
    }
}
