import CertificateVerification
import KioskCore
import TextConsole

/// The kiosk's whole citizen session as one pure state machine (model, message, update, view) on
/// TextConsole: attract screen, card in, holder confirmation, the service menu, each service, the
/// ending with its reminders, and the idle warning. Devices, the journal and the hub are reached
/// only through ``SessionEffects`` calls returned as commands, so tests drive every flow with
/// plain values and a scripted effects object.
public struct KioskSessionProgram: ConsoleProgram {
    public let effects: any SessionEffects
    public let texts: SessionTexts
    public let catalogue: ServiceCatalogue
    /// The hall's name, shown on the attract screen.
    public let office: String
    public let timing: SessionTiming

    /// Services this session knows how to run; catalogue entries outside it are not offered.
    public static let implementedServices: Set<String> = [
        "print-certificate", "query-records", "pension-qualification", "health-check-booking", "change-pin", "rate-service",
        "call-staff",
    ]
    public static let pinLength = 6

    public init(effects: any SessionEffects, texts: SessionTexts, catalogue: ServiceCatalogue, office: String,
                timing: SessionTiming = SessionTiming()) {
        self.effects = effects
        self.texts = texts
        self.catalogue = catalogue
        self.office = office
        self.timing = timing
    }

    // MARK: Model

    public enum RecordsPurpose: Hashable, Sendable {
        case certificate, query
    }

    public enum PINStep: Hashable, Sendable {
        case old, new, repeatNew
    }

    public enum Notice: Hashable, Sendable {
        case cardPulled, goodbye
    }

    public enum Page: Equatable, Sendable {
        case attract(notice: Notice?)
        case readingCard
        case cardProblem(CardProblem)
        case confirmHolder
        case menu(page: Int)
        /// The service needs the hub and the hub cannot be reached.
        case offline(serviceID: String)
        case loadingRecords(RecordsPurpose)
        case hubProblem(HubProblem)
        case chooseType
        case choosePeriod
        case certificateConfirm
        case printing
        case printed(code: String)
        case printFailed(citizenMessage: String, tryAgain: Bool)
        case records(page: Int)
        case ratingSatisfied
        case ratingLevel(satisfied: Bool)
        case ratingReason(ServiceRating.Level)
        case savingRating
        case ratingThanks
        case staffCalled
        case journalRefused(citizenMessage: String)
        case pinEntry(PINStep, mismatch: Bool)
        case pinChanging
        case pinResult(PINChangeOutcome)
        /// The session is over; the card must come out. `loud` after a timeout with the card left.
        case takeCard(loud: Bool)
        // Pension qualification: status, card + PIN, then the face check or staff review.
        case qualificationLoading
        /// The status and due date, when the hub could say (nil offline).
        case qualificationIntro
        case qualificationPIN
        case verifyingPIN
        case qualificationPINResult(PINCheckOutcome)
        case qualificationMethod
        case livenessCheck(LivenessScreen)
        case livenessFallback(reason: String)
        case submittingQualification
        /// Submitted, never "passed": the hub's reviewers (or its policy) decide.
        case qualificationSubmitted(staffReview: Bool, hubOnline: Bool)
        // Health check booking: hospital, day, time, confirm, slip.
        case bookingLoading
        case bookingNotEligible(NotEligibleReason)
        case chooseHospital(page: Int)
        case slotsLoading
        case chooseDay(page: Int)
        case chooseSlot
        case bookingConfirm
        case booking
        case booked(reference: String, slipPrinted: Bool)
        /// Offline: the request is saved and sent later; the hub decides.
        case bookingSaved
        case bookingSlotFull
        // Staff mode: operator code, menu, status, action results.
        /// The code pad; `problem` says why the last code did not open staff mode.
        case staffCode(problem: OperatorCodeOutcome?)
        case staffChecking
        case staffMenu
        case staffBusy
        case staffStatus(StaffStatusReport, page: Int)
        case staffResult(StaffActionOutcome)
    }

    public struct Model: Equatable, Sendable {
        public var page: Page = .attract(notice: nil)
        public var sizeMode: SizeMode = .normal
        public var health: KioskHealth
        public var cardPresent = false
        /// The card holder of this session; cleared when the session ends.
        public var holder: CardHolder?
        public var records: [InsuranceRecord] = []
        public var recordsAsOf: YearMonth?
        /// nil: every type the person has.
        public var chosenType: InsuranceType?
        public var chosenPeriod: RecordPeriod = .last12Months
        public var printAttempt = 0
        /// Whether paper came out in this session (the ending then reminds to take it).
        public var paperPrinted = false
        /// The last service used, for the rating.
        public var lastService: String?
        /// PIN digits being entered; only their count is ever shown or spoken.
        public var pinDigits: [Int] = []
        /// The new PIN, held between its two entries only.
        public var newPIN: [Int] = []
        public var idleSecondsLeft: Int?
        /// The hub's answer about the holder's qualification, when it gave one.
        public var qualification: QualificationStatus?
        public var hospitals: [Hospital] = []
        public var hospital: Hospital?
        public var slots: [HealthCheckSlot] = []
        public var day: String?
        public var slot: HealthCheckSlot?
        /// The booking runs on the kiosk's last known hospitals and places (the hub is away).
        public var bookingOffline = false
        /// Set while staff mode is open (the operator's account); cleared with the session.
        public var staffAccount: String?
        /// Staff put the kiosk out of service: no card is read until they put it back.
        public var outOfService = false

        public init(health: KioskHealth) {
            self.health = health
        }

        /// The kiosk itself is working (reading, printing, waiting on the hub or the card): no
        /// idle warning may run (accessibility A21).
        public var isBusy: Bool {
            switch page {
            case .readingCard, .loadingRecords, .printing, .pinChanging, .savingRating, .qualificationLoading, .verifyingPIN,
                 .livenessCheck, .submittingQualification, .bookingLoading, .slotsLoading, .booking, .staffChecking, .staffBusy:
                return true
            default: return false
            }
        }

        /// The session's personal data leaves memory (values are dropped; PIN arrays emptied).
        mutating func clearSession() {
            holder = nil
            records = []
            recordsAsOf = nil
            chosenType = nil
            chosenPeriod = .last12Months
            printAttempt = 0
            paperPrinted = false
            lastService = nil
            pinDigits = []
            newPIN = []
            idleSecondsLeft = nil
            qualification = nil
            hospitals = []
            hospital = nil
            slots = []
            day = nil
            slot = nil
            bookingOffline = false
            staffAccount = nil
        }
    }

    public enum Target: Hashable, Sendable {
        case help, repeatSpeech, back, confirm, retry, staffHelp, stayInSession, finish
        case size(SizeMode)
        case service(String)
        case insuranceType(InsuranceType?)
        case period(RecordPeriod)
        case previousPage, nextPage
        case satisfied(Bool)
        case level(ServiceRating.Level)
        case reason(String?)
        case pinKey(PINKey)
        case faceCheck, staffReview
        case hospital(Hospital)
        case day(String)
        case slot(HealthCheckSlot)
        case staffLogin, staffStatus
        case staffAction(StaffAction)
    }

    public enum Message: Sendable {
        case tapped(Target)
        case key(Key)
        case device(DeviceEvent)
        case cardRead(CardReadOutcome)
        case recordsLoaded(RecordsAnswer, RecordsPurpose)
        case certificatePrinted(CertificatePrintResult)
        case ratingSaved(JournalWriteOutcome)
        case staffCalled(JournalWriteOutcome)
        case pinChanged(PINChangeOutcome)
        case qualificationLoaded(QualificationAnswer)
        case pinChecked(PINCheckOutcome)
        case liveness(LivenessEvent)
        case qualificationSubmitted(SubmissionOutcome)
        case bookingOptionsLoaded(BookingOptionsAnswer)
        case slotsLoaded(SlotsAnswer)
        case bookingDone(BookingOutcome)
        case operatorCodeChecked(OperatorCodeOutcome)
        case staffStatusLoaded(StaffStatusReport)
        case staffActionDone(StaffActionOutcome)
        /// At start: whether staff left the kiosk out of service.
        case serviceStateLoaded(outOfService: Bool)
        case idleWarning
        case countdownTick
        case takeCardReminder
        case returnToAttract
    }

    // MARK: Program

    public func start() -> (Model, [Command<Message>]) {
        // Until the first health event, assume nothing works: services are offered only once
        // the device supervisor has said they can be.
        let model = Model(health: KioskHealth(cardReader: false, printer: false, camera: false, hub: false))
        let effects = self.effects
        return (model, [.speakScreen, watchDevices, .run { .serviceStateLoaded(outOfService: await effects.isOutOfService()) }])
    }

    public func sizeMode(_ model: Model) -> SizeMode { model.sizeMode }

    public func message(tapped target: Target) -> Message { .tapped(target) }

    public func message(key: Key) -> Message? { .key(key) }

    /// The one outstanding wait for device events; re-armed after each event.
    private var watchDevices: Command<Message> {
        let effects = self.effects
        return .run { .device(await effects.nextDeviceEvent()) }
    }

    var restartIdleTimer: Command<Message> { .startTimer(id: "idle", after: timing.idleAfter, message: .idleWarning) }

    /// Entering a screen: say it, and (unless the kiosk is busy) start counting idle time again.
    func entered(_ model: Model, _ more: [Command<Message>] = []) -> (Model, [Command<Message>]) {
        var commands: [Command<Message>] = [.speakScreen]
        commands += model.isBusy ? [.cancelTimer(id: "idle")] : [restartIdleTimer]
        return (model, commands + more)
    }

    public func update(_ model: Model, _ message: Message) -> (Model, [Command<Message>]) {
        if let staff = staffUpdate(message, model) { return staff }
        var model = model
        switch message {
        case .device(let event):
            let (next, commands) = handle(event, model)
            return (next, commands + [watchDevices])

        case .cardRead(let outcome):
            guard model.page == .readingCard else { return (model, []) }
            switch outcome {
            case .holder(let holder):
                model.holder = holder
                model.page = .confirmHolder
            case .failed(.removed):
                // Pulled while being read: home with the notice, which then clears like any other.
                return goHome(model, notice: .cardPulled)
            case .failed(let problem):
                model.page = .cardProblem(problem)
            }
            return entered(model)

        case .recordsLoaded(let answer, let purpose):
            guard model.page == .loadingRecords(purpose), model.holder != nil else { return (model, []) }
            switch answer {
            case .records(let records, let asOf):
                model.records = records
                model.recordsAsOf = asOf
                switch purpose {
                case .certificate:
                    model.page = records.isEmpty ? .hubProblem(.notFound) : .chooseType
                case .query:
                    model.page = .records(page: 0)
                }
            case .failed(let problem):
                model.page = .hubProblem(problem)
            }
            return entered(model)

        case .certificatePrinted(let result):
            guard model.page == .printing else { return (model, []) }
            switch result {
            case .printed(let code):
                model.paperPrinted = true
                model.page = .printed(code: code)
            case .notPrinted(let citizenMessage, let tryAgain):
                model.page = .printFailed(citizenMessage: citizenMessage, tryAgain: tryAgain)
            case .refused(let citizenMessage):
                model.page = .journalRefused(citizenMessage: citizenMessage)
            }
            return entered(model)

        case .ratingSaved(let outcome):
            guard model.page == .savingRating else { return (model, []) }
            switch outcome {
            case .saved: model.page = .ratingThanks
            case .refused(let citizenMessage): model.page = .journalRefused(citizenMessage: citizenMessage)
            }
            return entered(model)

        case .staffCalled(let outcome):
            // A call for a card left behind happens on the ending screen; stay there.
            if case .takeCard = model.page { return (model, []) }
            switch outcome {
            case .saved: model.page = .staffCalled
            case .refused(let citizenMessage): model.page = .journalRefused(citizenMessage: citizenMessage)
            }
            return entered(model)

        case .pinChanged(let outcome):
            guard model.page == .pinChanging else { return (model, []) }
            model.page = .pinResult(outcome)
            if outcome == .blocked {
                return entered(model, [callStaff(.pinBlocked)])
            }
            return entered(model)

        case .qualificationLoaded(let answer):
            guard model.page == .qualificationLoading else { return (model, []) }
            if case .status(let status) = answer { model.qualification = status }
            model.page = .qualificationIntro
            return entered(model)

        case .pinChecked(let outcome):
            guard model.page == .verifyingPIN else { return (model, []) }
            switch outcome {
            case .verified: model.page = .qualificationMethod
            default: model.page = .qualificationPINResult(outcome)
            }
            return entered(model, outcome == .blocked ? [callStaff(.pinBlocked)] : [])

        case .liveness(let event):
            switch (model.page, event) {
            case (.livenessCheck, .screen(let screen)):
                // The check speaks its own prompts (timed to its windows): no screen speech here.
                model.page = .livenessCheck(screen)
                return (model, [watchLiveness])
            case (.livenessCheck, .finished(.submitted(let outcome))), (.qualificationMethod, .finished(.submitted(let outcome))):
                return submitted(outcome, staffReview: false, model)
            case (.livenessCheck, .finished(.fallback(let reason))), (.qualificationMethod, .finished(.fallback(let reason))):
                model.page = .livenessFallback(reason: reason)
                return entered(model)
            default:
                return (model, [])
            }

        case .qualificationSubmitted(let outcome):
            guard model.page == .submittingQualification else { return (model, []) }
            return submitted(outcome, staffReview: true, model)

        case .bookingOptionsLoaded(let answer):
            guard model.page == .bookingLoading else { return (model, []) }
            switch answer {
            case .hospitals(let hospitals) where !hospitals.isEmpty:
                model.hospitals = hospitals
                model.bookingOffline = false
                model.page = .chooseHospital(page: 0)
            case .offlineHospitals(let hospitals) where !hospitals.isEmpty:
                model.hospitals = hospitals
                model.bookingOffline = true
                model.page = .chooseHospital(page: 0)
            case .hospitals: model.page = .hubProblem(.notFound)
            case .offlineHospitals, .failed(.offline):
                // Nothing known to book from: say plainly when to come back.
                model.page = .offline(serviceID: "health-check-booking")
            case .notEligible(let reason): model.page = .bookingNotEligible(reason)
            case .failed(let problem): model.page = .hubProblem(problem)
            }
            return entered(model)

        case .slotsLoaded(let answer):
            guard model.page == .slotsLoading else { return (model, []) }
            switch answer {
            case .slots(let slots):
                model.slots = slots.filter { $0.remaining > 0 }
                model.page = .chooseDay(page: 0)
            case .failed(let problem):
                model.page = .hubProblem(problem)
            }
            return entered(model)

        case .bookingDone(let outcome):
            guard model.page == .booking else { return (model, []) }
            switch outcome {
            case .booked(let reference, let slipPrinted):
                model.paperPrinted = model.paperPrinted || slipPrinted
                model.page = .booked(reference: reference, slipPrinted: slipPrinted)
            case .savedForLater: model.page = .bookingSaved
            case .slotFull: model.page = .bookingSlotFull
            case .notEligible(let reason): model.page = .bookingNotEligible(reason)
            case .failed(let problem): model.page = .hubProblem(problem)
            }
            return entered(model)

        case .idleWarning:
            // A21: never while the kiosk works; the attract and ending screens have their own rules.
            switch model.page {
            case .attract, .takeCard: return (model, [])
            default: break
            }
            if model.isBusy { return (model, []) }
            model.idleSecondsLeft = timing.warningSeconds
            return (model, [.speakScreen, .startTimer(id: "countdown", after: .seconds(1), message: .countdownTick)])

        case .countdownTick:
            guard let left = model.idleSecondsLeft else { return (model, []) }
            if left > 1 {
                model.idleSecondsLeft = left - 1
                return (model, [.startTimer(id: "countdown", after: .seconds(1), message: .countdownTick)])
            }
            // Time is up: the session's data goes (A20). A card still in the reader gets a louder
            // reminder and staff are told, since someone may have walked away from it. Staff mode
            // left open signs out (audited).
            let signOut = signOutCommand(model)
            model.clearSession()
            if model.cardPresent {
                model.page = .takeCard(loud: true)
                return (model, [.cancelTimer(id: "countdown"), .cancelTimer(id: "idle"), .speakScreen, takeCardReminder,
                                callStaff(.cardLeftInReader)] + signOut)
            }
            let (home, commands) = goHome(model, notice: nil)
            return (home, commands + signOut)

        case .takeCardReminder:
            guard case .takeCard = model.page, model.cardPresent else { return (model, []) }
            return (model, [.speakScreen, takeCardReminder])

        case .operatorCodeChecked, .staffStatusLoaded, .staffActionDone, .serviceStateLoaded:
            return (model, [])

        case .returnToAttract:
            guard case .attract(let notice) = model.page, notice != nil else { return (model, []) }
            model.page = .attract(notice: nil)
            return (model, [])

        case .tapped(let target):
            return act(on: target, model)

        case .key(let key):
            guard let target = target(for: key, model) else { return (model, []) }
            return act(on: target, model)
        }
    }

    private var watchLiveness: Command<Message> {
        let effects = self.effects
        return .run { .liveness(await effects.nextLivenessEvent()) }
    }

    private func submitted(_ outcome: SubmissionOutcome, staffReview: Bool, _ model: Model) -> (Model, [Command<Message>]) {
        var model = model
        switch outcome {
        case .saved(let hubOnline): model.page = .qualificationSubmitted(staffReview: staffReview, hubOnline: hubOnline)
        case .refused(let citizenMessage): model.page = .journalRefused(citizenMessage: citizenMessage)
        }
        return entered(model)
    }

    private var takeCardReminder: Command<Message> {
        .startTimer(id: "take-card", after: timing.takeCardReminderEvery, message: .takeCardReminder)
    }

    private func callStaff(_ reason: StaffCallReason) -> Command<Message> {
        let effects = self.effects
        return .run { .staffCalled(await effects.callStaff(reason)) }
    }

    /// Back to the attract screen with everything of the session forgotten, the size mode too (A03).
    func goHome(_ model: Model, notice: Notice?) -> (Model, [Command<Message>]) {
        var model = model
        let signOut = signOutCommand(model)
        model.clearSession()
        model.sizeMode = .normal
        model.page = .attract(notice: notice)
        var commands: [Command<Message>] = [.cancelTimer(id: "countdown"), .cancelTimer(id: "idle"), .cancelTimer(id: "take-card"),
                                            .speakScreen]
        if notice != nil {
            commands.append(.startTimer(id: "notice", after: timing.noticeShownFor, message: .returnToAttract))
        }
        return (model, commands + signOut)
    }

    private func handle(_ event: DeviceEvent, _ model: Model) -> (Model, [Command<Message>]) {
        var model = model
        switch event {
        case .health(let health):
            model.health = health
            return (model, [])
        case .cardInserted:
            model.cardPresent = true
            guard case .attract = model.page else { return (model, []) }
            // Out of service: the screen says so and where to go; say it again, read nothing.
            if model.outOfService { return (model, [.speakScreen]) }
            model.clearSession()
            model.page = .readingCard
            let effects = self.effects
            return entered(model, [.cancelTimer(id: "notice"), .run { .cardRead(await effects.readCard()) }])
        case .cardRemoved:
            model.cardPresent = false
            switch model.page {
            case .attract, .staffCode, .staffChecking, .staffMenu, .staffBusy, .staffStatus, .staffResult:
                // Staff mode needs no card.
                return (model, [])
            case .takeCard:
                return goHome(model, notice: .goodbye)
            case .printing, .savingRating, .submittingQualification:
                // The work in hand needs no card: let it finish; its result screen then ends.
                return (model, [])
            case .livenessCheck:
                // The check belongs to the card holder: stop it; nothing is submitted.
                let effects = self.effects
                let (home, commands) = goHome(model, notice: .cardPulled)
                return (home, commands + [.run { await effects.stopLivenessCheck(); return nil }])
            case .readingCard:
                // The read fails with `.removed` and ends the session there.
                return (model, [])
            default:
                // Pulled mid-service: nothing half-done is kept; say what happened (the card is
                // needed for every card service, and the PIN state lives on the card).
                return goHome(model, notice: .cardPulled)
            }
        }
    }

    /// The physical keypad mirrors the touch targets (A19).
    private func target(for key: Key, _ model: Model) -> Target? {
        if model.idleSecondsLeft != nil { return .stayInSession }
        switch key {
        case .character(let character):
            guard model.page.takesPIN, character.isASCII, let digit = character.wholeNumberValue else { return nil }
            return .pinKey(.digit(digit))
        case .backspace:
            return model.page.takesPIN ? .pinKey(.correct) : nil
        case .enter: return .confirm
        case .escape: return .back
        case .function(1): return .help
        case .function(2): return .repeatSpeech
        case .left, .pageUp: return .previousPage
        case .right, .pageDown: return .nextPage
        default: return nil
        }
    }

    private func act(on target: Target, _ model: Model) -> (Model, [Command<Message>]) {
        var model = model
        if model.idleSecondsLeft != nil {
            // While the warning shows only its button counts (the layout offers no other target).
            guard target == .stayInSession else { return (model, []) }
            model.idleSecondsLeft = nil
            return (model, [.cancelTimer(id: "countdown"), .speakScreen, restartIdleTimer])
        }
        switch target {
        case .help:
            return (model, [.speak([texts["session.help"], texts["session.help_spoken"]])] + (model.isBusy ? [] : [restartIdleTimer]))
        case .repeatSpeech:
            return (model, [.speakScreen] + (model.isBusy ? [] : [restartIdleTimer]))
        default:
            break
        }

        if let staff = staffAct(on: target, model) { return staff }
        switch (model.page, target) {
        // Attract
        case (.attract, .size(let mode)):
            model.sizeMode = mode
            return entered(model)
        case (.attract, .staffHelp):
            return (model, [callStaff(.citizenAsked)])

        // Card
        case (.confirmHolder, .confirm):
            model.page = .menu(page: 0)
            return entered(model)
        case (.confirmHolder, .back), (.cardProblem, .back), (.cardProblem, .finish):
            return endSession(model)
        case (.cardProblem, .staffHelp), (.hubProblem, .staffHelp), (.printFailed, .staffHelp), (.pinResult, .staffHelp),
             (.journalRefused, .staffHelp), (.offline, .staffHelp):
            return (model, [callStaff(.citizenAsked)])

        // Menu
        case (.menu(let page), .confirm) where page + 1 < menuPageCount(model):
            model.page = .menu(page: page + 1)
            return entered(model)
        case (.menu(let page), .back) where page > 0:
            model.page = .menu(page: page - 1)
            return entered(model)
        case (.menu, .back), (.menu, .finish):
            return endSession(model)
        case (.menu, .service(let id)):
            return startService(id, model)

        // Certificate and records
        case (.offline, .back), (.offline, .confirm), (.hubProblem, .back), (.hubProblem, .confirm),
             (.staffCalled, .back), (.staffCalled, .confirm), (.journalRefused, .back), (.journalRefused, .confirm):
            return backToMenu(model)
        case (.chooseType, .insuranceType(let type)):
            model.chosenType = type
            model.page = .choosePeriod
            return entered(model)
        case (.chooseType, .back):
            return backToMenu(model)
        case (.choosePeriod, .period(let period)):
            model.chosenPeriod = period
            model.page = .certificateConfirm
            return entered(model)
        case (.choosePeriod, .back):
            model.page = .chooseType
            return entered(model)
        case (.certificateConfirm, .back):
            model.page = .choosePeriod
            return entered(model)
        case (.certificateConfirm, .confirm), (.printFailed(_, true), .retry), (.printFailed(_, true), .confirm):
            return printCertificate(model)
        case (.printFailed, .back), (.printFailed(_, false), .confirm):
            return backToMenu(model)
        case (.printed, .confirm):
            return backToMenu(model)
        case (.printed, .back), (.printed, .finish):
            return endSession(model)
        case (.records(let page), .nextPage):
            model.page = .records(page: min(page + 1, max(0, recordRows(model).count - 1) / recordsPerPage(model)))
            return entered(model)
        case (.records(let page), .previousPage):
            model.page = .records(page: max(page - 1, 0))
            return entered(model)
        case (.records, .back), (.records, .confirm):
            return backToMenu(model)

        // Rating
        case (.ratingSatisfied, .satisfied(let satisfied)):
            model.page = .ratingLevel(satisfied: satisfied)
            return entered(model)
        case (.ratingSatisfied, .back), (.ratingThanks, .back), (.ratingThanks, .confirm):
            return model.holder == nil ? goHome(model, notice: nil) : backToMenu(model)
        case (.ratingLevel, .back):
            model.page = .ratingSatisfied
            return entered(model)
        case (.ratingLevel, .level(let level)):
            // A dissatisfied citizen is asked why (optional); the answer is what staff can act on.
            if level.rawValue <= ServiceRating.Level.dissatisfied.rawValue {
                model.page = .ratingReason(level)
                return entered(model)
            }
            return saveRating(model, level: level, reason: nil)
        case (.ratingReason(let level), .reason(let reason)):
            return saveRating(model, level: level, reason: reason)
        case (.ratingReason(let level), .confirm):
            return saveRating(model, level: level, reason: nil)
        case (.ratingReason, .back):
            model.page = .ratingLevel(satisfied: false)
            return entered(model)

        // PIN change
        case (.pinEntry, .pinKey(.digit(let digit))):
            if model.pinDigits.count < Self.pinLength { model.pinDigits.append(digit) }
            return (model, [restartIdleTimer])
        case (.pinEntry, .pinKey(.correct)):
            _ = model.pinDigits.popLast()
            return (model, [restartIdleTimer])
        case (.pinEntry, .pinKey(.clear)):
            model.pinDigits = []
            return (model, [restartIdleTimer])
        case (.pinEntry(let step, _), .confirm):
            guard model.pinDigits.count == Self.pinLength else { return (model, []) }
            return advancePIN(step, model)
        case (.pinEntry, .back):
            model.pinDigits = []
            model.newPIN = []
            return backToMenu(model)
        case (.pinResult(.wrongPIN), .retry), (.pinResult(.wrongPIN), .confirm):
            model.page = .pinEntry(.old, mismatch: false)
            return entered(model)
        case (.pinResult, .back), (.pinResult, .confirm):
            return backToMenu(model)

        // Pension qualification
        case (.qualificationIntro, .confirm):
            model.pinDigits = []
            model.page = .qualificationPIN
            return entered(model)
        case (.qualificationIntro, .back), (.qualificationSubmitted, .back), (.qualificationSubmitted, .confirm):
            return backToMenu(model)
        case (.qualificationPIN, .pinKey(.digit(let digit))):
            if model.pinDigits.count < Self.pinLength { model.pinDigits.append(digit) }
            return (model, [restartIdleTimer])
        case (.qualificationPIN, .pinKey(.correct)):
            _ = model.pinDigits.popLast()
            return (model, [restartIdleTimer])
        case (.qualificationPIN, .pinKey(.clear)):
            model.pinDigits = []
            return (model, [restartIdleTimer])
        case (.qualificationPIN, .confirm):
            guard model.pinDigits.count == Self.pinLength else { return (model, []) }
            let digits = model.pinDigits
            model.pinDigits = []
            model.page = .verifyingPIN
            let effects = self.effects
            return entered(model, [.run { .pinChecked(await effects.verifyPIN(digits)) }])
        case (.qualificationPIN, .back):
            model.pinDigits = []
            model.page = .qualificationIntro
            return entered(model)
        case (.qualificationPINResult(.wrongPIN), .retry), (.qualificationPINResult(.wrongPIN), .confirm):
            model.page = .qualificationPIN
            return entered(model)
        case (.qualificationPINResult, .back), (.qualificationPINResult, .confirm):
            return backToMenu(model)
        case (.qualificationMethod, .faceCheck) where model.health.camera:
            guard let holder = model.holder else { return (model, []) }
            model.page = .livenessCheck(LivenessScreen(title: texts["session.liveness_starting"], nonce: "", main: texts["session.reading_card_wait"],
                                                       detail: nil, progress: nil))
            let effects = self.effects
            return entered(model, [.run { .liveness(await effects.startLivenessCheck(for: holder)) }])
        case (.qualificationMethod, .staffReview), (.livenessFallback, .staffReview), (.livenessFallback, .confirm):
            guard let holder = model.holder else { return (model, []) }
            model.page = .submittingQualification
            let effects = self.effects
            return entered(model, [.run { .qualificationSubmitted(await effects.submitForStaffReview(holder)) }])
        case (.qualificationMethod, .back), (.livenessFallback, .back):
            return backToMenu(model)
        case (.livenessCheck, .staffReview):
            // The check ends as a fallback and says so; the staff-review screen follows.
            let effects = self.effects
            return (model, [.run { await effects.stopLivenessCheck(); return nil }])

        // Health check booking
        case (.chooseHospital, .hospital(let hospital)):
            model.hospital = hospital
            model.page = .slotsLoading
            let effects = self.effects
            return entered(model, [.run { .slotsLoaded(await effects.slots(at: hospital)) }])
        case (.chooseHospital(let page), .confirm) where (page + 1) * Self.choicesPerPage < model.hospitals.count:
            model.page = .chooseHospital(page: page + 1)
            return entered(model)
        case (.chooseHospital(let page), .back) where page > 0:
            model.page = .chooseHospital(page: page - 1)
            return entered(model)
        case (.chooseHospital, .back), (.bookingNotEligible, .back), (.bookingNotEligible, .confirm), (.booked, .confirm),
             (.bookingSaved, .confirm):
            return backToMenu(model)
        case (.chooseDay, .day(let day)):
            model.day = day
            model.page = .chooseSlot
            return entered(model)
        case (.chooseDay(let page), .confirm) where (page + 1) * Self.choicesPerPage < bookingDays(model).count:
            model.page = .chooseDay(page: page + 1)
            return entered(model)
        case (.chooseDay(let page), .back) where page > 0:
            model.page = .chooseDay(page: page - 1)
            return entered(model)
        case (.chooseDay, .back):
            model.page = .chooseHospital(page: 0)
            return entered(model)
        case (.chooseSlot, .slot(let slot)):
            model.slot = slot
            model.page = .bookingConfirm
            return entered(model)
        case (.chooseSlot, .back):
            model.page = .chooseDay(page: 0)
            return entered(model)
        case (.bookingConfirm, .back):
            model.page = .chooseSlot
            return entered(model)
        case (.bookingConfirm, .confirm):
            guard let holder = model.holder, let hospital = model.hospital, let slot = model.slot else { return (model, []) }
            model.page = .booking
            let effects = self.effects
            return entered(model, [.run { .bookingDone(await effects.book(slot, at: hospital, for: holder)) }])
        case (.bookingSlotFull, .confirm), (.bookingSlotFull, .back):
            guard let hospital = model.hospital else { return backToMenu(model) }
            model.page = .slotsLoading
            let effects = self.effects
            return entered(model, [.run { .slotsLoaded(await effects.slots(at: hospital)) }])
        case (.booked, .back), (.booked, .finish), (.bookingSaved, .back), (.bookingSaved, .finish):
            return endSession(model)

        // Ending
        case (.takeCard, .confirm), (.takeCard, .back):
            // The card is still in: say it again.
            return (model, [.speakScreen])

        default:
            return (model, [])
        }
    }

    private func backToMenu(_ model: Model) -> (Model, [Command<Message>]) {
        var model = model
        guard model.holder != nil else { return goHome(model, notice: nil) }
        model.page = .menu(page: 0)
        return entered(model)
    }

    /// The citizen is done (or the card cannot be used): forget the session, ask for the card.
    private func endSession(_ model: Model) -> (Model, [Command<Message>]) {
        var model = model
        let paper = model.paperPrinted
        model.clearSession()
        model.paperPrinted = paper
        guard model.cardPresent else { return goHome(model, notice: .goodbye) }
        model.page = .takeCard(loud: false)
        return (model, [.cancelTimer(id: "idle"), .speakScreen, takeCardReminder])
    }

    private func startService(_ id: String, _ model: Model) -> (Model, [Command<Message>]) {
        var model = model
        guard let entry = offeredServices(model).first(where: { $0.0.id == id }) else { return (model, []) }
        if case .unavailable = entry.1 {
            // The hub is the only missing piece for these: say so plainly.
            if entry.0.needs.contains(.hub) && !model.health.hub {
                model.page = .offline(serviceID: id)
                return entered(model)
            }
            return (model, [.speak([texts["session.unavailable_title"]])])
        }
        // The rating is for the service used before it; asking for help is not a service to rate.
        if id != "rate-service" && id != "call-staff" { model.lastService = id }
        let effects = self.effects
        switch id {
        case "print-certificate", "query-records":
            guard let holder = model.holder else { return (model, []) }
            let purpose: RecordsPurpose = id == "print-certificate" ? .certificate : .query
            model.page = .loadingRecords(purpose)
            model.chosenType = nil
            model.printAttempt = 0
            return entered(model, [.run { .recordsLoaded(await effects.insuranceRecords(for: holder), purpose) }])
        case "pension-qualification":
            guard let holder = model.holder else { return (model, []) }
            model.qualification = nil
            // Offline the check still runs and is sent later; the status just cannot be shown.
            guard model.health.hub else {
                model.page = .qualificationIntro
                return entered(model)
            }
            model.page = .qualificationLoading
            return entered(model, [.run { .qualificationLoaded(await effects.qualificationStatus(for: holder)) }])
        case "health-check-booking":
            guard let holder = model.holder else { return (model, []) }
            // Offline the effects answer from the kiosk's last known hospitals and places, and a
            // booking becomes a request the hub decides on later (or say when to come back).
            model.hospitals = []
            model.hospital = nil
            model.slot = nil
            model.page = .bookingLoading
            return entered(model, [.run { .bookingOptionsLoaded(await effects.bookingOptions(for: holder)) }])
        case "change-pin":
            model.pinDigits = []
            model.newPIN = []
            model.page = .pinEntry(.old, mismatch: false)
            return entered(model)
        case "rate-service":
            model.page = .ratingSatisfied
            return entered(model)
        case "call-staff":
            return (model, [callStaff(.citizenAsked)])
        default:
            return (model, [])
        }
    }

    /// The records the certificate prints: the chosen type (or all) over the chosen period.
    public func certificateRecords(_ model: Model) -> [InsuranceRecord] {
        guard let asOf = model.recordsAsOf else { return [] }
        return model.records
            .filter { model.chosenType == nil || $0.type == model.chosenType }
            .map { $0.narrowed(to: model.chosenPeriod, asOf: asOf) }
    }

    private func printCertificate(_ model: Model) -> (Model, [Command<Message>]) {
        var model = model
        guard let holder = model.holder else { return (model, []) }
        model.printAttempt += 1
        model.page = .printing
        let request = CertificateRequest(holder: holder, records: certificateRecords(model), attempt: model.printAttempt)
        let effects = self.effects
        return entered(model, [.run { .certificatePrinted(await effects.printCertificate(request)) }])
    }

    private func saveRating(_ model: Model, level: ServiceRating.Level, reason: String?) -> (Model, [Command<Message>]) {
        var model = model
        model.page = .savingRating
        let rating = ServiceRating(serviceID: model.lastService ?? "kiosk", level: level, reason: reason)
        let effects = self.effects
        return entered(model, [.run { .ratingSaved(await effects.recordRating(rating)) }])
    }

    private func advancePIN(_ step: PINStep, _ model: Model) -> (Model, [Command<Message>]) {
        var model = model
        let entered = model.pinDigits
        model.pinDigits = []
        switch step {
        case .old:
            // The old PIN is kept only until the card has checked it, in `newPIN`'s place later.
            model.newPIN = entered
            model.page = .pinEntry(.new, mismatch: false)
            return self.entered(model)
        case .new:
            model.newPIN += entered
            model.page = .pinEntry(.repeatNew, mismatch: false)
            return self.entered(model)
        case .repeatNew:
            let old = Array(model.newPIN.prefix(Self.pinLength))
            let new = Array(model.newPIN.dropFirst(Self.pinLength))
            guard new == entered else {
                // The two new PINs differ: enter the new one again (the old one is still held).
                model.newPIN = old
                model.page = .pinEntry(.new, mismatch: true)
                return self.entered(model)
            }
            model.newPIN = []
            model.page = .pinChanging
            let effects = self.effects
            return self.entered(model, [.run { .pinChanged(await effects.changePIN(old: old, new: new)) }])
        }
    }

    // MARK: Services on offer

    /// The catalogue's services this session runs, with their availability now.
    public func offeredServices(_ model: Model) -> [(ServiceEntry, ServiceAvailability)] {
        catalogue.availability(under: model.health).filter { Self.implementedServices.contains($0.0.id) }
    }

    static let servicesPerMenuPage = 4
    /// Large choices per screen (A11).
    static let choicesPerPage = 4

    /// The days with places left, in order.
    func bookingDays(_ model: Model) -> [String] {
        var days: [String] = []
        for slot in model.slots where slot.remaining > 0 && !days.contains(slot.date) { days.append(slot.date) }
        return days.sorted()
    }

    func menuPageCount(_ model: Model) -> Int {
        max(1, (offeredServices(model).count + Self.servicesPerMenuPage - 1) / Self.servicesPerMenuPage)
    }

    func recordsPerPage(_ model: Model) -> Int { model.sizeMode == .large ? 3 : 5 }

    func recordRows(_ model: Model) -> [Text] {
        model.records.flatMap { record in
            record.periods.reversed().map { period in
                let values = ["from": period.from.description, "through": period.through.description,
                              "type": record.type.chineseName, "months": "\(period.months)", "employer": period.employer ?? ""]
                return Text(texts["session.record_row", values], spoken: texts["session.record_row_spoken", values])
            }
        }
    }
}

extension KioskSessionProgram.Page {
    /// Pages with the PIN pad, where the keypad's digits count.
    var takesPIN: Bool {
        switch self {
        case .pinEntry, .qualificationPIN, .staffCode: return true
        default: return false
        }
    }
}

/// How long the session waits, all on the runtime's clock (tests inject one).
public struct SessionTiming: Sendable {
    /// Without input this long, the idle warning starts (A20).
    public var idleAfter: Duration
    /// The warning's countdown; it must outlast its own spoken text (A20: ≥ 35 s on a kiosk).
    public var warningSeconds: Int
    /// How often the ending screen repeats 请取走社保卡 while the card stays in.
    public var takeCardReminderEvery: Duration
    /// How long a notice (card pulled, goodbye) stays on the attract screen.
    public var noticeShownFor: Duration

    public init(idleAfter: Duration = .seconds(90), warningSeconds: Int = 40, takeCardReminderEvery: Duration = .seconds(15),
                noticeShownFor: Duration = .seconds(8)) {
        self.idleAfter = idleAfter
        self.warningSeconds = warningSeconds
        self.takeCardReminderEvery = takeCardReminderEvery
        self.noticeShownFor = noticeShownFor
    }
}
