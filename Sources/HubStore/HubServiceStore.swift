import Foundation

/// The services' data behind the same engines as ``HubStore``: a person's records for the
/// kiosk, the qualification review queue, health-check booking, ratings and the audit of
/// personal queries. ``HubStore`` refines this protocol, so every store has both.
///
/// Every method is one database transaction. Every query about a person writes one
/// `service_audit` row (actor, action, masked ID, outcome) in the same transaction.
public protocol HubServiceStore: Sendable {
    // MARK: Population (seed-demo, or an agency's import)

    /// How many people the hub holds.
    func populationCount() async throws(HubStoreError) -> Int

    /// Inserts people with their periods in one transaction; the caller sends chunks.
    func insertPopulation(_ people: [SeedPerson]) async throws(HubStoreError)

    /// Inserts hospitals and their slots in one transaction.
    func insertHospitals(_ hospitals: [Hospital], slots: [SeedSlot]) async throws(HubStoreError)

    // MARK: Kiosk queries (card holder of the kiosk's session only)

    /// The insurance summary and one page of periods, if the citizen ID and the card number
    /// belong to the same person; `nil` otherwise, without saying which one did not match.
    func insuranceRecords(_ card: CardIdentity, page: Int, pageSize: Int, actor: String, now: Date) async throws(HubStoreError) -> InsuranceRecordsPage?

    /// The pension qualification state as of `now` (China time).
    func qualification(_ card: CardIdentity, actor: String, now: Date) async throws(HubStoreError) -> QualificationState?

    /// Whether the holder may book this year's health check, and the live booking if any.
    func healthCheckEligibility(_ card: CardIdentity, actor: String, now: Date) async throws(HubStoreError) -> HealthCheckEligibility?

    /// Designated hospitals, of one office or all.
    func hospitals(office: String?) async throws(HubStoreError) -> [Hospital]

    /// A hospital's slots on days `from…through` (`YYYY-MM-DD`), with remaining places.
    func healthCheckSlots(hospitalID: String, from: String, through: String) async throws(HubStoreError) -> [HealthCheckSlot]

    /// Takes one place of `slotID` for the holder; never more bookings than capacity, whatever
    /// the concurrency.
    func bookHealthCheck(_ card: CardIdentity, slotID: Int64, actor: String, now: Date) async throws(HubStoreError) -> Result<HealthCheckBooking, BookingRefusal>

    /// Cancels the holder's booking and gives its place back.
    func cancelHealthCheck(reference: String, _ card: CardIdentity, actor: String, now: Date) async throws(HubStoreError) -> Result<HealthCheckBooking, BookingRefusal>

    // MARK: Qualification review queue (staff, through the dashboard)

    /// Reviews with this status (all if `nil`), oldest first.
    func reviews(status: ReviewStatus?, limit: Int) async throws(HubStoreError) -> [QualificationReview]

    func review(id: Int64) async throws(HubStoreError) -> QualificationReview?

    /// The review's JPEG frames, decrypted for staff; `nil` if deleted or unknown. Audited.
    func reviewEvidence(id: Int64, staff: String, now: Date) async throws(HubStoreError) -> [Data]?

    /// A staff decision: sets the person's status and due date and queues the result for the
    /// kiosk that submitted, in one transaction.
    func decideReview(id: Int64, decision: ReviewDecision, staff: String, now: Date) async throws(HubStoreError) -> Result<QualificationReview, ReviewDecisionRefusal>

    /// Deletes the evidence of reviews decided before `decidedBefore`; each deletion audited.
    /// Returns how many were deleted.
    func purgeEvidence(decidedBefore: Date, now: Date) async throws(HubStoreError) -> Int

    // MARK: Ratings and audit

    /// Per office and service: count, average and the five levels' counts, since `since`.
    func ratingSummaries(office: String?, since: Date?) async throws(HubStoreError) -> [RatingSummary]

    /// The newest audit entries first.
    func serviceAudit(limit: Int) async throws(HubStoreError) -> [ServiceAuditEntry]
}

/// The two identifiers a kiosk reads from the card in its reader; both must match one person.
public struct CardIdentity: Sendable, Equatable {
    public var citizenID: String
    public var cardNumber: String

    public init(citizenID: String, cardNumber: String) {
        self.citizenID = citizenID.uppercased()
        self.cardNumber = cardNumber.uppercased()
    }
}

/// One person as seeded or imported.
public struct SeedPerson: Sendable, Equatable {
    public var citizenID: String
    public var cardNumber: String
    public var name: String
    public var sex: String
    public var birthDate: String
    public var office: String
    public var retired: Bool
    public var qualificationStatus: String
    public var qualificationWindowOpens: String?
    public var qualificationDueBy: String?
    public var qualificationLastPassed: String?
    public var healthLastCheck: String?
    public var periods: [SeedPeriod]

    public init(citizenID: String, cardNumber: String, name: String, sex: String, birthDate: String, office: String, retired: Bool,
                qualificationStatus: String, qualificationWindowOpens: String?, qualificationDueBy: String?,
                qualificationLastPassed: String?, healthLastCheck: String?, periods: [SeedPeriod]) {
        self.citizenID = citizenID
        self.cardNumber = cardNumber
        self.name = name
        self.sex = sex
        self.birthDate = birthDate
        self.office = office
        self.retired = retired
        self.qualificationStatus = qualificationStatus
        self.qualificationWindowOpens = qualificationWindowOpens
        self.qualificationDueBy = qualificationDueBy
        self.qualificationLastPassed = qualificationLastPassed
        self.healthLastCheck = healthLastCheck
        self.periods = periods
    }
}

/// One insurance period: AAE140 type, employer (none for 城乡居民 insurance), months `YYYYMM`.
public struct SeedPeriod: Sendable, Equatable {
    public var insuranceType: String
    public var employer: String?
    public var fromMonth: Int
    /// `nil` while the period runs.
    public var throughMonth: Int?
    public var months: Int
    /// AAC031: 参保缴费 (contributing), 暂停缴费 (paused), 终止缴费 (ended).
    public var status: String

    public init(insuranceType: String, employer: String?, fromMonth: Int, throughMonth: Int?, months: Int, status: String) {
        self.insuranceType = insuranceType
        self.employer = employer
        self.fromMonth = fromMonth
        self.throughMonth = throughMonth
        self.months = months
        self.status = status
    }
}

public struct SeedSlot: Sendable, Equatable {
    public var hospitalID: String
    public var day: String
    public var starts: String
    public var ends: String
    public var capacity: Int

    public init(hospitalID: String, day: String, starts: String, ends: String, capacity: Int) {
        self.hospitalID = hospitalID
        self.day = day
        self.starts = starts
        self.ends = ends
        self.capacity = capacity
    }
}

/// AAE140 insurance types and their names as a 参保证明 prints them.
public enum InsuranceTypes {
    public static let names: [String: String] = [
        "110": "企业职工基本养老保险", "170": "城乡居民基本养老保险", "210": "失业保险",
        "310": "职工基本医疗保险", "410": "工伤保险", "510": "生育保险",
    ]
    public static let all = ["110", "170", "210", "310", "410", "510"]
}

/// Per insurance type: what the 参保证明 prints.
public struct InsuranceSummary: Sendable, Equatable, Codable {
    public var insuranceType: String
    public var name: String
    /// The latest period's AAC031 status.
    public var status: String
    /// `YYYY-MM` of the first period.
    public var firstInsured: String
    /// `YYYY-MM` of the period running now, if one runs.
    public var currentSince: String?
    public var months: Int
    /// The latest period's employer.
    public var employer: String?
}

public struct InsurancePeriodRecord: Sendable, Equatable, Codable {
    public var insuranceType: String
    public var name: String
    public var employer: String?
    /// `YYYY-MM`.
    public var from: String
    /// `YYYY-MM`, or `nil` while the period runs.
    public var through: String?
    public var months: Int
    public var status: String
}

public struct InsuranceRecordsPage: Sendable, Equatable {
    /// The holder's name and ID as recorded (the certificate prints them; the kiosk masks on screen).
    public var name: String
    public var citizenID: String
    public var summary: [InsuranceSummary]
    public var periods: [InsurancePeriodRecord]
    public var page: Int
    public var pageSize: Int
    public var totalPeriods: Int
}

/// The qualification state as a kiosk shows it.
public struct QualificationState: Sendable, Equatable {
    public var status: QualificationStatus
    public var windowOpens: String?
    public var dueBy: String?
    public var lastPassed: String?
}

public enum QualificationStatus: String, Sendable, Equatable, CaseIterable, Codable {
    /// Not receiving a pension: nothing to certify.
    case notApplicable = "not_applicable"
    /// Certified for the current window.
    case passed
    /// The window is open and not certified yet.
    case due
    /// The window closed without certification: payment suspended until certified.
    case suspended
    /// A kiosk submission waits for staff.
    case underReview = "under_review"
    /// Staff asked for a home visit.
    case homeVisit = "home_visit"
}

public struct HealthCheckEligibility: Sendable, Equatable {
    public var eligible: Bool
    public var reason: HealthCheckReason
    public var cohortYear: Int
    public var lastCheck: String?
    public var booking: HealthCheckBooking?
}

public enum HealthCheckReason: String, Sendable, Equatable, CaseIterable {
    /// ≥ 65: every year; < 65: every two years.
    case eligible
    case notRetired = "not_retired"
    case checkedRecently = "checked_recently"
    case alreadyBooked = "already_booked"
}

public struct Hospital: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var address: String
    public var office: String

    public init(id: String, name: String, address: String, office: String) {
        self.id = id
        self.name = name
        self.address = address
        self.office = office
    }
}

public struct HealthCheckSlot: Sendable, Equatable {
    public var id: Int64
    public var hospitalID: String
    public var day: String
    public var starts: String
    public var ends: String
    public var capacity: Int
    public var remaining: Int
}

public struct HealthCheckBooking: Sendable, Equatable {
    /// What the booking slip prints, e.g. `TJ-7KQ2M9XD`.
    public var reference: String
    public var hospitalID: String
    public var hospitalName: String
    public var day: String
    public var starts: String
    public var ends: String
    public var status: String
}

/// Why a booking or a cancellation was refused; `rawValue` is the API's word.
public enum BookingRefusal: String, Error, Sendable, Equatable, CaseIterable {
    case unknownPerson = "unknown_person"
    case unknownSlot = "unknown_slot"
    case slotFull = "slot_full"
    case slotPast = "slot_past"
    case notEligible = "not_eligible"
    case alreadyBooked = "already_booked"
    case unknownBooking = "unknown_booking"
    case alreadyCancelled = "already_cancelled"
}

public enum ReviewStatus: String, Sendable, Equatable, CaseIterable, Codable {
    case pending
    case approved
    case rejected
    case homeVisit = "home_visit"
}

public enum ReviewDecision: Sendable, Equatable {
    case approve
    /// The reason is shown to the citizen at the kiosk; required.
    case reject(reason: String)
    case homeVisit(note: String?)
}

public enum ReviewDecisionRefusal: String, Error, Sendable, Equatable {
    case unknownReview = "unknown_review"
    case alreadyDecided = "already_decided"
    case reasonRequired = "reason_required"
}

/// A queued submission as staff see it (the citizen ID masked; evidence apart).
public struct QualificationReview: Sendable, Equatable {
    public var id: Int64
    public var deviceID: String
    public var seq: Int64
    public var submissionID: String
    public var maskedCitizenID: String
    public var submittedAt: Date
    public var facts: SubmissionFacts
    public var evidenceFrames: Int
    public var evidenceAvailable: Bool
    public var status: ReviewStatus
    /// `policy` for automatic decisions, else the staff account.
    public var decidedBy: String?
    public var decidedAt: Date?
    public var reason: String?
    public var evidenceDeletedAt: Date?
}

/// What a submission states besides the evidence; stored as JSON in `facts`.
public struct SubmissionFacts: Sendable, Equatable, Codable {
    public var cardVerified: Bool
    public var pinVerified: Bool
    public var challengeComplete: Bool
    public var challengeSteps: [ChallengeStep]
    public var qualityFlags: [String]

    public struct ChallengeStep: Sendable, Equatable, Codable {
        public var action: String
        public var passed: Bool
        public var elapsedMs: Int?

        enum CodingKeys: String, CodingKey {
            case action, passed
            case elapsedMs = "elapsed_ms"
        }
    }

    enum CodingKeys: String, CodingKey {
        case cardVerified = "card_verified"
        case pinVerified = "pin_verified"
        case challengeComplete = "challenge_complete"
        case challengeSteps = "challenge_steps"
        case qualityFlags = "quality_flags"
    }
}

public struct RatingSummary: Sendable, Equatable, Codable {
    public var office: String
    public var service: String
    public var count: Int
    public var average: Double
    /// Counts of levels 1…5.
    public var levels: [Int]
    /// Up to five of the newest reasons given.
    public var recentReasons: [String]

    enum CodingKeys: String, CodingKey {
        case office, service, count, average, levels
        case recentReasons = "recent_reasons"
    }
}

public struct ServiceAuditEntry: Sendable, Equatable {
    public var at: Date
    /// A kiosk's device ID, a staff account, or `policy` / `retention`.
    public var actor: String
    public var action: String
    /// A masked citizen ID, a review ID or a booking reference; never a full ID.
    public var subject: String
    public var outcome: String
}
