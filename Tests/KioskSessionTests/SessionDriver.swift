import CertificateVerification
import Foundation
import KioskCore
import KioskSession
import Synchronization
import TextConsole
import ZizhuConfiguration

/// Effects for tests: device events the test pushes, and answers it scripts. Every call is
/// recorded so a test can check what the session asked for (and what it never asked).
final class ScriptedSessionEffects: SessionEffects {
    struct Script: Sendable {
        var card: CardReadOutcome = .failed(.unreadable)
        var records: RecordsAnswer = .failed(.offline)
        var printResults: [CertificatePrintResult] = [.printed(code: "TEST-CODE")]
        var pinChange: PINChangeOutcome = .changed
        var journal: JournalWriteOutcome = .saved
        var qualification: QualificationAnswer = .failed(.offline)
        var pinCheck: PINCheckOutcome = .verified
        /// The face check's events, in order; the last should be `.finished`.
        var liveness: [LivenessEvent] = []
        var submission: SubmissionOutcome = .saved(hubOnline: true)
        var bookingOptions: BookingOptionsAnswer = .failed(.offline)
        var slots: [SlotsAnswer] = []
        var bookings: [BookingOutcome] = []
        var operatorCode: OperatorCodeOutcome = .accepted(account: "operator")
        var staffStatus = StaffStatusReport(cardReaderReady: true, printer: .paperOut, cameraReady: false, hubOnline: false,
                                            freeDiskMegabytes: 812, pending: 3, oldestPendingMinutes: 42,
                                            parked: ["rating.given: invalid-level"], softwareVersion: "1.0.0-test",
                                            recentEvents: ["09:15 printer.paper_out"])
        var staffActions: [StaffActionOutcome] = []
        var outOfService = false
    }

    enum Call: Equatable, Sendable {
        case readCard, records, print(CertificateRequest), rating(ServiceRating), staff(StaffCallReason), changePIN(old: [Int], new: [Int])
        case qualificationStatus, verifyPIN([Int]), startLiveness, stopLiveness, staffReview
        case bookingOptions, slots(String), book(Int64)
        case operatorCode([Int]), staffStatus, staffAction(StaffAction, account: String)
    }

    private let state = Mutex<(script: Script, calls: [Call])>((Script(), []))
    private let events: AsyncStream<DeviceEvent>
    private let eventSink: AsyncStream<DeviceEvent>.Continuation

    init() {
        (events, eventSink) = AsyncStream.makeStream()
    }

    func script(_ change: (inout Script) -> Void) { state.withLock { change(&$0.script) } }
    var calls: [Call] { state.withLock { $0.calls } }
    func push(_ event: DeviceEvent) { eventSink.yield(event) }

    private func record(_ call: Call) -> Script {
        state.withLock { $0.calls.append(call); return $0.script }
    }

    func nextDeviceEvent() async -> DeviceEvent {
        // One waiter at a time (the session keeps exactly one outstanding).
        for await event in events { return event }
        return .cardRemoved
    }

    func readCard() async -> CardReadOutcome { record(.readCard).card }
    func insuranceRecords(for holder: CardHolder) async -> RecordsAnswer { record(.records).records }

    func printCertificate(_ request: CertificateRequest) async -> CertificatePrintResult {
        state.withLock { state in
            state.calls.append(.print(request))
            return state.script.printResults.isEmpty ? .printed(code: "TEST-CODE") : state.script.printResults.removeFirst()
        }
    }

    func recordRating(_ rating: ServiceRating) async -> JournalWriteOutcome { record(.rating(rating)).journal }
    func callStaff(_ reason: StaffCallReason) async -> JournalWriteOutcome { record(.staff(reason)).journal }
    func changePIN(old: [Int], new: [Int]) async -> PINChangeOutcome { record(.changePIN(old: old, new: new)).pinChange }

    func qualificationStatus(for holder: CardHolder) async -> QualificationAnswer { record(.qualificationStatus).qualification }
    func verifyPIN(_ digits: [Int]) async -> PINCheckOutcome { record(.verifyPIN(digits)).pinCheck }
    func startLivenessCheck(for holder: CardHolder) async -> LivenessEvent {
        _ = record(.startLiveness)
        return await nextLivenessEvent()
    }

    func nextLivenessEvent() async -> LivenessEvent {
        state.withLock { state in
            state.script.liveness.isEmpty ? .finished(.fallback(reason: "no script")) : state.script.liveness.removeFirst()
        }
    }

    func stopLivenessCheck() async { _ = record(.stopLiveness) }
    func submitForStaffReview(_ holder: CardHolder) async -> SubmissionOutcome { record(.staffReview).submission }

    func bookingOptions(for holder: CardHolder) async -> BookingOptionsAnswer { record(.bookingOptions).bookingOptions }

    func slots(at hospital: Hospital) async -> SlotsAnswer {
        state.withLock { state in
            state.calls.append(.slots(hospital.id))
            return state.script.slots.isEmpty ? .failed(.offline) : state.script.slots.removeFirst()
        }
    }

    func checkOperatorCode(_ digits: [Int]) async -> OperatorCodeOutcome { record(.operatorCode(digits)).operatorCode }
    func staffStatus() async -> StaffStatusReport { record(.staffStatus).staffStatus }
    func isOutOfService() async -> Bool { state.withLock { $0.script.outOfService } }

    func staffAction(_ action: StaffAction, by account: String) async -> StaffActionOutcome {
        state.withLock { state in
            state.calls.append(.staffAction(action, account: account))
            if action == .signOut { return .signedOut }
            return state.script.staffActions.isEmpty ? .failed("no script") : state.script.staffActions.removeFirst()
        }
    }

    func book(_ slot: HealthCheckSlot, at hospital: Hospital, for holder: CardHolder) async -> BookingOutcome {
        state.withLock { state in
            state.calls.append(.book(slot.id))
            return state.script.bookings.isEmpty ? .failed(.offline) : state.script.bookings.removeFirst()
        }
    }
}

/// Runs the session the way ProgramRunner does, minus the terminal: messages from effects come
/// back one at a time when the test asks for them, timers wait until the test fires them, and
/// taps must hit a button that is on the screen and enabled.
final class SessionDriver {
    typealias Program = KioskSessionProgram
    private(set) var state: ProgramState<Program>
    let effects: ScriptedSessionEffects
    /// Timers started and not cancelled, by id.
    private(set) var timers: [String: Program.Message] = [:]
    /// Every spoken script, in order.
    private(set) var spoken: [[String]] = []
    private let results: AsyncStream<Program.Message>
    private let resultSink: AsyncStream<Program.Message>.Continuation

    init(health: KioskHealth = KioskHealth(cardReader: true, printer: true, camera: false, hub: true),
         timing: SessionTiming = SessionTiming(), columns: Int = 120, rows: Int = 22, outOfService: Bool = false) async throws {
        effects = ScriptedSessionEffects()
        effects.script { $0.outOfService = outOfService }
        let program = KioskSessionProgram(effects: effects, texts: try Self.texts(), catalogue: try Self.catalogue(),
                                          office: "西湖区文新街道社保自助大厅", timing: timing)
        (results, resultSink) = AsyncStream.makeStream()
        let (state, commands) = ProgramState.start(program, columns: columns, rows: rows)
        self.state = state
        perform(commands)
        effects.push(.health(health))
        // The health event and whether staff left the kiosk out of service (two effects of start).
        try await next()
        try await next()
    }

    static func assetsDirectory() -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("assets").path
    }

    static func texts() throws -> SessionTexts {
        let texts = try AssetLoader(directory: assetsDirectory()).screenTexts()
        try texts.require(SessionTexts.requiredKeys)
        return SessionTexts(texts.texts)
    }

    static func catalogue() throws -> ServiceCatalogue { try AssetLoader(directory: assetsDirectory()).serviceCatalogue() }

    var model: Program.Model { state.model }
    var page: Program.Page { state.model.page }
    var frame: Frame<Program.Target> { state.frame }
    var screenText: String { frame.buffer.text.joined(separator: "\n") }

    private func perform(_ commands: [Command<Program.Message>]) {
        for command in commands {
            switch command {
            case .startTimer(let id, _, let message): timers[id] = message
            case .cancelTimer(let id): timers[id] = nil
            case .speakScreen: spoken.append(state.frame.speech)
            case .speak(let lines): spoken.append(lines)
            case .run(let effect):
                let sink = resultSink
                Task { if let message = await effect() { sink.yield(message) } }
            case .stopSpeaking, .setSpeech, .quit: break
            }
        }
    }

    func send(_ message: Program.Message) {
        perform(state.receive(message))
    }

    /// Processes the next message an effect returned (waiting up to 30 s for it).
    func next() async throws {
        let message = try await withThrowingTaskGroup(of: Program.Message?.self) { group in
            group.addTask { [results] in
                for await message in results { return message }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: .seconds(30))
                return nil
            }
            let first = try await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let message else { throw DriverError.noMessage(page: "\(page)") }
        send(message)
    }

    /// Pushes a device event and processes it.
    func device(_ event: DeviceEvent) async throws {
        effects.push(event)
        try await next()
    }

    /// Taps a button on the current frame; fails if it is not there or not enabled.
    func tap(_ target: Program.Target) throws {
        guard state.frame.regions.contains(where: { $0.target == target }) else {
            throw DriverError.notOnScreen("\(target)", page: "\(page)", screen: screenText)
        }
        send(.tapped(target))
    }

    /// Fires a running timer.
    func fire(_ id: String) throws {
        guard let message = timers.removeValue(forKey: id) else { throw DriverError.noTimer(id, page: "\(page)") }
        send(message)
    }

    func hasTimer(_ id: String) -> Bool { timers[id] != nil }

    enum DriverError: Error, CustomStringConvertible {
        case noMessage(page: String)
        case notOnScreen(String, page: String, screen: String)
        case noTimer(String, page: String)

        var description: String {
            switch self {
            case .noMessage(let page): return "no effect answered within 30 s on \(page)"
            case .notOnScreen(let target, let page, let screen): return "\(target) is not a tappable button on \(page):\n\(screen)"
            case .noTimer(let id, let page): return "no timer \(id) running on \(page)"
            }
        }
    }
}
