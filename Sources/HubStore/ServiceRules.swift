import Crypto
import Foundation
import KioskCore

/// Domain days in China Standard Time (UTC+8, no daylight saving): "today" for due dates and
/// slot days is the day in Beijing, wherever the hub's clock is set.
public enum ChinaDay {
    private static let offset: TimeInterval = 8 * 3600

    public static func of(_ date: Date) -> CalendarDate {
        let days = Int(((date.timeIntervalSince1970 + offset) / 86_400).rounded(.down))
        return fromEpochDay(days)
    }

    /// Days since 1970-01-01 (civil-from-days, Howard Hinnant's algorithm).
    public static func epochDay(_ date: CalendarDate) -> Int {
        let y = date.month <= 2 ? date.year - 1 : date.year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (date.month + 9) % 12
        let doy = (153 * mp + 2) / 5 + date.day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public static func fromEpochDay(_ days: Int) -> CalendarDate {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return CalendarDate(year: yoe + era * 400 + (month <= 2 ? 1 : 0), month: month, day: day)
    }

    public static func adding(days: Int, to date: CalendarDate) -> CalendarDate {
        fromEpochDay(epochDay(date) + days)
    }

    /// `YYYY-MM-DD` → date, strictly.
    public static func parse(_ text: String) -> CalendarDate? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              CalendarDate.isValid(year: year, month: month, day: day) else { return nil }
        return CalendarDate(year: year, month: month, day: day)
    }

    /// `YYYYMM` → `YYYY-MM`.
    public static func monthText(_ month: Int) -> String {
        let year = month / 100, number = month % 100
        return "\(year)-\(number < 10 ? "0" : "")\(number)"
    }
}

/// The yearly pension qualification (人社厅发〔2018〕54号 as applied locally): certifying once
/// in the window from the birthday month to the month before the next birthday month counts
/// for that year. A window that closes uncertified suspends payment until certified.
public enum QualificationCycle {
    /// The window that contains `day`: opens on the 1st of the birthday month, due by the last
    /// day of the month before the birthday month a year later.
    public static func window(containing day: CalendarDate, birthMonth: Int) -> (opens: CalendarDate, dueBy: CalendarDate) {
        let openYear = day.month >= birthMonth ? day.year : day.year - 1
        return window(openingIn: openYear, birthMonth: birthMonth)
    }

    public static func window(openingIn year: Int, birthMonth: Int) -> (opens: CalendarDate, dueBy: CalendarDate) {
        let opens = CalendarDate(year: year, month: birthMonth, day: 1)
        let dueMonth = birthMonth == 1 ? 12 : birthMonth - 1
        let dueYear = birthMonth == 1 ? year : year + 1
        return (opens, CalendarDate(year: dueYear, month: dueMonth, day: CalendarDate.daysIn(month: dueMonth, year: dueYear)))
    }

    /// After certifying on `day`: the window it satisfied is done, the next one is the obligation.
    public static func afterPassing(on day: CalendarDate, birthMonth: Int) -> (opens: CalendarDate, dueBy: CalendarDate) {
        let current = window(containing: day, birthMonth: birthMonth)
        return window(openingIn: current.opens.year + 1, birthMonth: birthMonth)
    }

    /// The status as of `today` from what is stored: a `passed` whose next window has opened is
    /// `due`; a `due` past its date is `suspended`. Review states hold until staff decide.
    public static func effective(stored: QualificationStatus, windowOpens: CalendarDate?, dueBy: CalendarDate?, today: CalendarDate) -> QualificationStatus {
        switch stored {
        case .passed, .due:
            if let dueBy, today > dueBy { return .suspended }
            if let windowOpens, today >= windowOpens { return .due }
            return stored == .passed ? .passed : .due
        case .notApplicable, .suspended, .underReview, .homeVisit:
            return stored
        }
    }
}

/// Who may book the retirees' health check (inferred from Zhenjiang / Jinhua practice): retirees
/// aged 65 and over every year, younger retirees every two years.
public enum HealthCheckRule {
    public static func decide(retired: Bool, birthDate: CalendarDate, lastCheck: CalendarDate?, hasBooking: Bool, today: CalendarDate) -> (eligible: Bool, reason: HealthCheckReason) {
        guard retired else { return (false, .notRetired) }
        if hasBooking { return (false, .alreadyBooked) }
        let age = today.year - birthDate.year - ((today.month, today.day) < (birthDate.month, birthDate.day) ? 1 : 0)
        let interval = age >= 65 ? 1 : 2
        if let lastCheck, today.year - lastCheck.year < interval { return (false, .checkedRecently) }
        return (true, .eligible)
    }
}

/// The automatic part of the review: approve without staff only what the kiosk fully proved.
public struct QualificationPolicy: Sendable, Equatable {
    /// When false, every submission waits for staff.
    public var autoApprove: Bool
    /// Evidence is deleted this long after the decision.
    public var evidenceRetention: Duration

    public init(autoApprove: Bool = true, evidenceRetention: Duration = .seconds(30 * 86_400)) {
        self.autoApprove = autoApprove
        self.evidenceRetention = evidenceRetention
    }

    /// Approve when the card was read, the PIN verified, the challenge completed with every step
    /// passed, and the capture raised no quality flag; otherwise staff look.
    public func approvesAutomatically(_ facts: SubmissionFacts) -> Bool {
        autoApprove && facts.cardVerified && facts.pinVerified && facts.challengeComplete
            && !facts.challengeSteps.isEmpty && facts.challengeSteps.allSatisfy(\.passed) && facts.qualityFlags.isEmpty
    }
}

/// Transaction items that change service data, parsed from their payload. A malformed one is
/// refused for good (`invalid_service_item`): the kiosk parks it for staff.
enum ServiceItem: Sendable, Equatable {
    case qualificationSubmitted(QualificationSubmission)
    case bookingRequested(BookingRequest)
    case ratingGiven(RatingGiven)

    static let qualificationKind = "qualification.submitted"
    static let bookingKind = "booking.requested"
    static let ratingKind = "rating.given"
    static let kinds: Set<String> = [qualificationKind, bookingKind, ratingKind]

    struct QualificationSubmission: Sendable, Equatable {
        var submissionID: String
        var card: CardIdentity
        var facts: SubmissionFacts
        var frames: [Data]
    }

    struct BookingRequest: Sendable, Equatable {
        var requestID: String
        var card: CardIdentity
        var slotID: Int64
    }

    struct RatingGiven: Sendable, Equatable {
        var service: String
        var level: Int
        var reason: String?
    }

    enum Reading: Equatable { case notService, item(ServiceItem), invalid(String) }

    static func read(kind: String, payloadJSON: String) -> Reading {
        guard kinds.contains(kind) else { return .notService }
        guard let object = (try? JSONSerialization.jsonObject(with: Data(payloadJSON.utf8))) as? [String: Any] else {
            return .invalid("payload is not a JSON object")
        }
        switch kind {
        case qualificationKind:
            guard let submission = object["submission_id"] as? String, (1...64).contains(submission.count) else { return .invalid("submission_id") }
            guard let card = card(object) else { return .invalid("citizen_id/card_number") }
            guard let cardVerified = object["card_verified"] as? Bool, let pinVerified = object["pin_verified"] as? Bool else {
                return .invalid("card_verified/pin_verified")
            }
            guard let challenge = object["challenge"] as? [String: Any], let complete = challenge["complete"] as? Bool,
                  let stepObjects = challenge["steps"] as? [[String: Any]], stepObjects.count <= 20 else { return .invalid("challenge") }
            var steps: [SubmissionFacts.ChallengeStep] = []
            for step in stepObjects {
                guard let action = step["action"] as? String, (1...32).contains(action.count), let passed = step["passed"] as? Bool else {
                    return .invalid("challenge step")
                }
                steps.append(.init(action: action, passed: passed, elapsedMs: (step["elapsed_ms"] as? NSNumber)?.intValue))
            }
            let flags = object["quality_flags"] as? [String] ?? []
            guard flags.count <= 20, flags.allSatisfy({ (1...32).contains($0.count) }) else { return .invalid("quality_flags") }
            // The frames may already be stripped (a redelivery compared against the stored form).
            var frames: [Data] = []
            if let evidence = object["evidence"] as? [String: Any], let encoded = evidence["frames"] as? [String] {
                guard (evidence["format"] as? String) == "jpeg", (1...5).contains(encoded.count) else { return .invalid("evidence") }
                for text in encoded {
                    guard let frame = Data(base64Encoded: text), frame.starts(with: [0xFF, 0xD8]) else { return .invalid("evidence frame is not a JPEG") }
                    frames.append(frame)
                }
            } else if object["evidence"] != nil, (object["evidence"] as? [String: Any])?["sha256"] == nil {
                return .invalid("evidence")
            }
            return .item(.qualificationSubmitted(.init(
                submissionID: submission, card: card,
                facts: .init(cardVerified: cardVerified, pinVerified: pinVerified, challengeComplete: complete, challengeSteps: steps, qualityFlags: flags),
                frames: frames)))
        case bookingKind:
            guard let request = object["request_id"] as? String, (1...64).contains(request.count) else { return .invalid("request_id") }
            guard let card = card(object) else { return .invalid("citizen_id/card_number") }
            guard let slot = (object["slot_id"] as? NSNumber)?.int64Value, slot > 0 else { return .invalid("slot_id") }
            return .item(.bookingRequested(.init(requestID: request, card: card, slotID: slot)))
        default:
            guard let service = object["service"] as? String, (1...64).contains(service.count) else { return .invalid("service") }
            guard let level = object["level"] as? NSNumber, level.doubleValue == level.doubleValue.rounded(),
                  (1...5).contains(level.intValue) else { return .invalid("level") }
            let reason = object["reason"] as? String
            if let reason, reason.count > 200 { return .invalid("reason") }
            return .item(.ratingGiven(.init(service: service, level: level.intValue, reason: reason?.isEmpty == true ? nil : reason)))
        }
    }

    private static func card(_ object: [String: Any]) -> CardIdentity? {
        guard let id = object["citizen_id"] as? String, let number = object["card_number"] as? String,
              (try? CitizenID(id)) != nil, (1...20).contains(number.count) else { return nil }
        return CardIdentity(citizenID: id, cardNumber: number)
    }

    /// A `qualification.submitted` payload with its frames replaced by their digest, so the
    /// transactions table never holds the images, and a redelivery still compares equal.
    static func strippingEvidence(_ payloadJSON: String) -> String {
        guard var object = (try? JSONSerialization.jsonObject(with: Data(payloadJSON.utf8))) as? [String: Any],
              let evidence = object["evidence"] as? [String: Any], let frames = evidence["frames"] as? [String] else {
            return payloadJSON
        }
        var digest = SHA256()
        for frame in frames { digest.update(data: Data(frame.utf8)) }
        object["evidence"] = ["format": evidence["format"] ?? "jpeg", "frame_count": frames.count,
                              "sha256": digest.finalize().map { String(format: "%02x", $0) }.joined()]
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return payloadJSON }
        return String(decoding: data, as: UTF8.self)
    }
}

/// The hub's key for evidence at rest: AES-256-GCM, one file (mode 0600) the database never holds.
public struct EvidenceKey: Sendable {
    let key: SymmetricKey

    public init(rawBytes: Data) throws(HubStoreError) {
        guard rawBytes.count == 32 else { throw .database("the evidence key must be 32 bytes, not \(rawBytes.count)") }
        key = SymmetricKey(data: rawBytes)
    }

    /// Reads the key file, creating it with a fresh random key (mode 0600) if it does not exist.
    public static func loadOrCreate(path: String) throws(HubStoreError) -> EvidenceKey {
        let manager = FileManager.default
        if !manager.fileExists(atPath: path) {
            let fresh = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty { try? manager.createDirectory(atPath: directory, withIntermediateDirectories: true) }
            guard manager.createFile(atPath: path, contents: fresh, attributes: [.posixPermissions: 0o600]) else {
                throw .database("cannot create the evidence key file \(path)")
            }
        }
        guard let bytes = manager.contents(atPath: path) else { throw .database("cannot read the evidence key file \(path)") }
        return try EvidenceKey(rawBytes: bytes)
    }

    /// The frames as one sealed box (nonce + ciphertext + tag), bound to the submission.
    func seal(_ frames: [Data], submissionID: String) throws(HubStoreError) -> Data {
        var plain = Data()
        for frame in frames {
            var length = UInt32(frame.count).bigEndian
            plain.append(Data(bytes: &length, count: 4))
            plain.append(frame)
        }
        do {
            guard let combined = try AES.GCM.seal(plain, using: key, authenticating: Data(submissionID.utf8)).combined else {
                throw HubStoreError.database("AES-GCM gave no combined box")
            }
            return combined
        } catch {
            throw .database("cannot seal evidence: \(error)")
        }
    }

    func open(_ sealed: Data, submissionID: String) throws(HubStoreError) -> [Data] {
        let plain: Data
        do {
            plain = try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key, authenticating: Data(submissionID.utf8))
        } catch {
            throw .database("evidence does not open with this hub's evidence key (wrong key file, or altered)")
        }
        var frames: [Data] = []
        var index = plain.startIndex
        while index + 4 <= plain.endIndex {
            let length = plain[index..<index + 4].reduce(0) { $0 << 8 | Int($1) }
            index += 4
            guard index + length <= plain.endIndex else { break }
            frames.append(plain[index..<index + length])
            index += length
        }
        return frames
    }
}

/// Booking slip references: `TJ-` and eight Crockford base-32 characters, random.
enum BookingReference {
    static func make() -> String {
        let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
        var generator = SystemRandomNumberGenerator()
        return "TJ-" + String((0..<8).map { _ in alphabet[Int(generator.next() % 32)] })
    }
}

/// What audit rows say about a person.
enum AuditSubject {
    static func person(_ citizenID: String) -> String { Redaction.maskCitizenID(citizenID) }
}

/// A person's row as both engines read it.
struct PersonFacts: Sendable {
    var citizenID: String
    var name: String
    var birthDate: String
    var office: String
    var retired: Bool
    var qualificationStatus: String
    var windowOpens: String?
    var dueBy: String?
    var lastPassed: String?
    var healthLastCheck: String?

    var birthMonth: Int { ChinaDay.parse(birthDate)?.month ?? 1 }

    func qualification(today: CalendarDate) -> QualificationState {
        let stored = QualificationStatus(rawValue: qualificationStatus) ?? .due
        let status = QualificationCycle.effective(stored: stored, windowOpens: windowOpens.flatMap(ChinaDay.parse),
                                                  dueBy: dueBy.flatMap(ChinaDay.parse), today: today)
        return QualificationState(status: status, windowOpens: windowOpens, dueBy: dueBy, lastPassed: lastPassed)
    }

    func healthCheck(hasBooking: Bool, today: CalendarDate) -> (eligible: Bool, reason: HealthCheckReason) {
        HealthCheckRule.decide(retired: retired, birthDate: ChinaDay.parse(birthDate) ?? today,
                               lastCheck: healthLastCheck.flatMap(ChinaDay.parse), hasBooking: hasBooking, today: today)
    }

    /// What the person's row becomes after a decision on `today`.
    func afterDecision(_ decision: ReviewDecision, today: CalendarDate) -> (status: QualificationStatus, opens: String?, dueBy: String?, lastPassed: String?) {
        switch decision {
        case .approve:
            let next = QualificationCycle.afterPassing(on: today, birthMonth: birthMonth)
            return (.passed, next.opens.description, next.dueBy.description, today.description)
        case .reject:
            // The obligation stands: due (or suspended, once its date has passed).
            return (.due, windowOpens, dueBy, lastPassed)
        case .homeVisit:
            return (.homeVisit, windowOpens, dueBy, lastPassed)
        }
    }
}

/// The records a kiosk shows and a 参保证明 prints, from a person's periods.
enum InsuranceRecords {
    static func summaries(_ periods: [SeedPeriod]) -> [InsuranceSummary] {
        InsuranceTypes.all.compactMap { type in
            let ofType = periods.filter { $0.insuranceType == type }.sorted { $0.fromMonth < $1.fromMonth }
            guard let first = ofType.first, let latest = ofType.last else { return nil }
            return InsuranceSummary(
                insuranceType: type, name: InsuranceTypes.names[type] ?? type, status: latest.status,
                firstInsured: ChinaDay.monthText(first.fromMonth),
                currentSince: latest.throughMonth == nil ? ChinaDay.monthText(latest.fromMonth) : nil,
                months: ofType.reduce(0) { $0 + $1.months }, employer: latest.employer)
        }
    }

    /// Newest first, then by type; one page of them.
    static func page(_ periods: [SeedPeriod], page: Int, pageSize: Int) -> [InsurancePeriodRecord] {
        let ordered = periods.sorted { ($0.fromMonth, $1.insuranceType) > ($1.fromMonth, $0.insuranceType) }
        let start = (page - 1) * pageSize
        guard start < ordered.count else { return [] }
        return ordered[start..<min(ordered.count, start + pageSize)].map {
            InsurancePeriodRecord(insuranceType: $0.insuranceType, name: InsuranceTypes.names[$0.insuranceType] ?? $0.insuranceType,
                                  employer: $0.employer, from: ChinaDay.monthText($0.fromMonth),
                                  through: $0.throughMonth.map(ChinaDay.monthText), months: $0.months, status: $0.status)
        }
    }
}

/// Payloads of updates the services send down to kiosks (snake_case JSON).
enum ServiceUpdates {
    static let qualificationResult = "qualification.result"
    static let booking = "health_check.booking"

    static func json(_ object: [String: String?]) -> String {
        let present = object.compactMapValues { $0 }
        let data = (try? JSONSerialization.data(withJSONObject: present, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func qualification(submissionID: String, outcome: String, reason: String?, opens: String?, dueBy: String?) -> String {
        json(["submission_id": submissionID, "outcome": outcome, "reason": reason, "window_opens": opens, "due_by": dueBy])
    }

    static func booking(requestID: String, result: Result<HealthCheckBooking, BookingRefusal>) -> String {
        switch result {
        case .success(let booking):
            return json(["request_id": requestID, "outcome": "confirmed", "reference": booking.reference, "hospital": booking.hospitalName,
                         "date": booking.day, "starts": booking.starts, "ends": booking.ends])
        case .failure(let refusal):
            return json(["request_id": requestID, "outcome": refusal.rawValue])
        }
    }

    static func reviewOutcome(_ decision: ReviewDecision) -> (status: ReviewStatus, reason: String?) {
        switch decision {
        case .approve: return (.approved, nil)
        case .reject(let reason): return (.rejected, reason)
        case .homeVisit(let note): return (.homeVisit, note)
        }
    }
}
