import CertificateVerification
import KioskCore

/// Everything the kiosk session asks of the world: devices, the journal and the hub. The session
/// itself is pure (``KioskSessionProgram``); the runtime runs these calls as `Command.run` effects
/// and feeds their results back as messages. `zizhu-kiosk` implements it with the real card
/// reader, printer, journal and hub; tests use ``ScriptedSessionEffects``.
///
/// No call may throw: every failure comes back as a value that says who must act.
public protocol SessionEffects: QualificationEffects, BookingEffects, StaffEffects {
    /// Waits for the next change of the card reader or of the kiosk's health, and returns it.
    /// The session always keeps exactly one of these calls outstanding.
    func nextDeviceEvent() async -> DeviceEvent
    /// Reads the holder of the card now in the reader.
    func readCard() async -> CardReadOutcome
    /// The holder's insurance records from the hub (the kiosk asks only about its current card).
    func insuranceRecords(for holder: CardHolder) async -> RecordsAnswer
    /// Issues, signs, prints and journals a certificate; journals the attempt whatever happens.
    func printCertificate(_ request: CertificateRequest) async -> CertificatePrintResult
    /// Journals a rating (好差评) for the hub.
    func recordRating(_ rating: ServiceRating) async -> JournalWriteOutcome
    /// Alerts staff (journalled, so the hub and the hall's staff see it) and says why.
    func callStaff(_ reason: StaffCallReason) async -> JournalWriteOutcome
    /// Changes the card's PIN: the old PIN is checked by the card itself. The digits are wiped
    /// by the implementation after use and never leave the call.
    func changePIN(old: [Int], new: [Int]) async -> PINChangeOutcome
}

/// A change the session must react to.
public enum DeviceEvent: Equatable, Sendable {
    case cardInserted
    case cardRemoved
    case health(KioskHealth)
}

/// Why a card cannot be used, in the terms the citizen is told.
public enum CardProblem: Equatable, Sendable {
    case expired
    case notASocialSecurityCard
    case removed
    /// The chip answered nonsense: the counter must look at the card.
    case unreadable
    /// The reader itself failed: a technician must act; the citizen goes to the counter.
    case readerFault
}

public enum CardReadOutcome: Equatable, Sendable {
    case holder(CardHolder)
    case failed(CardProblem)
}

/// Why the hub could not answer.
public enum HubProblem: Equatable, Sendable {
    /// No connection (or no answer in time): come back later.
    case offline
    /// The hub does not know this person/card: the counter must help.
    case notFound
    /// The hub refused or failed: staff must look.
    case failed(String)
}

public enum RecordsAnswer: Equatable, Sendable {
    /// The records, and the month they are current to (the hub's "today").
    case records([InsuranceRecord], asOf: YearMonth)
    case failed(HubProblem)
}

/// Which months a certificate or a query covers.
public enum RecordPeriod: Hashable, Sendable, CaseIterable {
    case last12Months, last24Months, all

    public var months: Int? {
        switch self {
        case .last12Months: return 12
        case .last24Months: return 24
        case .all: return nil
        }
    }
}

/// What the citizen asked to print.
public struct CertificateRequest: Equatable, Sendable {
    public let holder: CardHolder
    /// The records, already narrowed to the chosen types and period.
    public let records: [InsuranceRecord]
    /// 1 for the first print; a reprint after a failure prints the same certificate again.
    public let attempt: Int

    public init(holder: CardHolder, records: [InsuranceRecord], attempt: Int) {
        self.holder = holder
        self.records = records
        self.attempt = attempt
    }
}

public enum CertificatePrintResult: Equatable, Sendable {
    /// On paper and journalled; `code` is the verification code printed on it.
    case printed(code: String)
    /// Not on paper. `citizenMessage` says what happened in plain words; `tryAgain` says whether
    /// a retry can help (paper replaced, say) or the citizen should go to the counter.
    case notPrinted(citizenMessage: String, tryAgain: Bool)
    /// Nothing was printed because the journal could not take the transaction (disk reserve,
    /// damaged journal): the kiosk must not take new requests.
    case refused(citizenMessage: String)
}

/// A 好差评 rating: five levels and an optional reason, for the service just used.
public struct ServiceRating: Equatable, Sendable {
    public enum Level: Int, CaseIterable, Sendable {
        case veryDissatisfied = 1, dissatisfied, basicallySatisfied, satisfied, verySatisfied
    }

    public let serviceID: String
    public let level: Level
    public let reason: String?

    public init(serviceID: String, level: Level, reason: String?) {
        self.serviceID = serviceID
        self.level = level
        self.reason = reason
    }
}

public enum StaffCallReason: String, Equatable, Sendable {
    /// The citizen pressed 人工帮助 / 呼叫工作人员.
    case citizenAsked = "citizen-asked"
    /// The session timed out with the card still in the reader.
    case cardLeftInReader = "card-left-in-reader"
    /// The PIN is blocked.
    case pinBlocked = "pin-blocked"
    /// Too many wrong operator codes on the staff pad.
    case operatorCodeLockout = "operator-code-lockout"
}

public enum JournalWriteOutcome: Equatable, Sendable {
    case saved
    /// The journal refused (disk reserve reached, journal damaged); the text is for the citizen.
    case refused(citizenMessage: String)
}

public enum PINChangeOutcome: Equatable, Sendable {
    case changed
    case wrongPIN(triesLeft: Int)
    case blocked
    case failed(CardProblem)
}

// MARK: Pension qualification (养老金领取资格认证)

/// Adds what the yearly qualification check needs. Kept apart so a kiosk without a camera still
/// offers card + PIN with staff review (face is never the only way).
public protocol QualificationEffects: Sendable {
    /// The person's qualification status from the hub.
    func qualificationStatus(for holder: CardHolder) async -> QualificationAnswer
    /// Checks the PIN on the card (the card counts the tries); the digits are wiped after use.
    func verifyPIN(_ digits: [Int]) async -> PINCheckOutcome
    /// Starts the face check for this holder and returns its first event; later events come from
    /// ``nextLivenessEvent()``. Ends with `.finished`.
    func startLivenessCheck(for holder: CardHolder) async -> LivenessEvent
    func nextLivenessEvent() async -> LivenessEvent
    /// The citizen chose card + PIN instead: the running check stops and finishes as a fallback.
    func stopLivenessCheck() async
    /// Journals a submission for staff review without face evidence (card + PIN only).
    func submitForStaffReview(_ holder: CardHolder) async -> SubmissionOutcome
}

public struct QualificationStatus: Equatable, Sendable {
    public enum State: String, Equatable, Sendable {
        case notApplicable = "not_applicable", passed, due, suspended, underReview = "under_review", homeVisit = "home_visit"
    }

    public let state: State
    /// When the window to certify in opens, and the last day, if the hub says.
    public let windowOpens: String?
    public let dueBy: String?

    public init(state: State, windowOpens: String?, dueBy: String?) {
        self.state = state
        self.windowOpens = windowOpens
        self.dueBy = dueBy
    }
}

public enum QualificationAnswer: Equatable, Sendable {
    case status(QualificationStatus)
    case failed(HubProblem)
}

public enum PINCheckOutcome: Equatable, Sendable {
    case verified
    case wrongPIN(triesLeft: Int)
    case blocked
    case failed(CardProblem)
}

/// What the face check shows now, from the liveness state machine (the texts are its own).
public struct LivenessScreen: Equatable, Sendable {
    public var title: String
    public var nonce: String
    public var main: String
    public var detail: String?
    public var progress: String?

    public init(title: String, nonce: String, main: String, detail: String?, progress: String?) {
        self.title = title
        self.nonce = nonce
        self.main = main
        self.detail = detail
        self.progress = progress
    }
}

public enum LivenessEvent: Equatable, Sendable {
    case screen(LivenessScreen)
    case finished(LivenessOutcome)
}

public enum LivenessOutcome: Equatable, Sendable {
    /// The evidence is journalled for the hub's review queue; the hub decides, not the kiosk.
    case submitted(SubmissionOutcome)
    /// The check could not be completed (camera, attempts, the citizen's choice); `reason` is
    /// what to tell the citizen. Card + PIN with staff review follows.
    case fallback(reason: String)
}

public enum SubmissionOutcome: Equatable, Sendable {
    /// Journalled; `hubOnline` says whether it is being sent now or when the network is back.
    case saved(hubOnline: Bool)
    case refused(citizenMessage: String)
}

// MARK: Retiree health check booking (退休人员免费体检预约)

public protocol BookingEffects: Sendable {
    /// Whether the holder may book, and the designated hospitals if so.
    func bookingOptions(for holder: CardHolder) async -> BookingOptionsAnswer
    /// A hospital's slots from today over the next two weeks, with places remaining.
    func slots(at hospital: Hospital) async -> SlotsAnswer
    /// Books a place (the hub never overbooks), prints the slip and journals the fact.
    func book(_ slot: HealthCheckSlot, at hospital: Hospital, for holder: CardHolder) async -> BookingOutcome
}

public struct Hospital: Equatable, Hashable, Sendable {
    public let id: String
    public let name: String
    public let address: String

    public init(id: String, name: String, address: String) {
        self.id = id
        self.name = name
        self.address = address
    }
}

public struct HealthCheckSlot: Equatable, Hashable, Sendable {
    public let id: Int64
    /// YYYY-MM-DD.
    public let date: String
    /// HH:MM.
    public let starts: String
    public let ends: String
    public let remaining: Int

    public init(id: Int64, date: String, starts: String, ends: String, remaining: Int) {
        self.id = id
        self.date = date
        self.starts = starts
        self.ends = ends
        self.remaining = remaining
    }
}

public enum NotEligibleReason: String, Equatable, Sendable {
    case notRetired = "not_retired", checkedRecently = "checked_recently", alreadyBooked = "already_booked"
}

public enum BookingOptionsAnswer: Equatable, Sendable {
    case hospitals([Hospital])
    /// The hub cannot be reached: the hospitals the kiosk last heard of. A booking is then a
    /// request, saved and sent later; the hub checks eligibility and places when it gets it.
    case offlineHospitals([Hospital])
    case notEligible(NotEligibleReason)
    case failed(HubProblem)
}

public enum SlotsAnswer: Equatable, Sendable {
    case slots([HealthCheckSlot])
    case failed(HubProblem)
}

public enum BookingOutcome: Equatable, Sendable {
    /// Booked; `slipPrinted` says whether the slip came out (the reference is on screen anyway).
    case booked(reference: String, slipPrinted: Bool)
    /// The hub could not be reached: the request is journalled and goes to the hub with the
    /// next sync, which books it if the person may and the place is still free.
    case savedForLater
    /// Someone took the last place first: choose another slot.
    case slotFull
    case notEligible(NotEligibleReason)
    case failed(HubProblem)
}
