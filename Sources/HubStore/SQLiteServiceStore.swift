import Foundation
import GRDB
import KioskCore

/// ``HubServiceStore`` on the embedded engine. Kiosk queries write their audit row, so they go
/// through the group commit like every other kiosk write.
extension SQLiteHubStore {
    // MARK: Population

    public func populationCount() async throws(HubStoreError) -> Int {
        try await read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM people") ?? 0 }
    }

    public func insertPopulation(_ people: [SeedPerson]) async throws(HubStoreError) {
        try await write { db in
            let person = try db.cachedStatement(sql: """
                INSERT INTO people (citizen_id, card_number, name, sex, birth_date, office, retired, qualification_status,
                  qualification_window_opens, qualification_due_by, qualification_last_passed, health_last_check)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let period = try db.cachedStatement(sql: """
                INSERT INTO insurance_periods (citizen_id, insurance_type, employer, from_month, through_month, months, status)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            for p in people {
                try person.execute(arguments: [p.citizenID, p.cardNumber, p.name, p.sex, p.birthDate, p.office, p.retired, p.qualificationStatus,
                                               p.qualificationWindowOpens, p.qualificationDueBy, p.qualificationLastPassed, p.healthLastCheck])
                for r in p.periods {
                    try period.execute(arguments: [p.citizenID, r.insuranceType, r.employer, r.fromMonth, r.throughMonth, r.months, r.status])
                }
            }
        }
    }

    public func insertHospitals(_ hospitals: [Hospital], slots: [SeedSlot]) async throws(HubStoreError) {
        try await write { db in
            for h in hospitals {
                try db.execute(sql: "INSERT INTO hospitals (id, name, address, office) VALUES (?, ?, ?, ?)", arguments: [h.id, h.name, h.address, h.office])
            }
            let slot = try db.cachedStatement(sql: "INSERT INTO health_slots (hospital_id, day, starts, ends, capacity, remaining) VALUES (?, ?, ?, ?, ?, ?)")
            for s in slots { try slot.execute(arguments: [s.hospitalID, s.day, s.starts, s.ends, s.capacity, s.capacity]) }
        }
    }

    // MARK: Kiosk queries

    public func insuranceRecords(_ card: CardIdentity, page: Int, pageSize: Int, actor: String, now: Date) async throws(HubStoreError) -> InsuranceRecordsPage? {
        try await groupWrite { db in
            guard let person = try Self.person(db, card) else {
                try Self.audit(db, now, actor, "records.query", AuditSubject.person(card.citizenID), "not_found")
                return nil
            }
            let periods = try Self.periods(db, card.citizenID)
            try Self.audit(db, now, actor, "records.query", AuditSubject.person(card.citizenID), "found")
            return InsuranceRecordsPage(name: person.name, citizenID: person.citizenID, summary: InsuranceRecords.summaries(periods),
                                        periods: InsuranceRecords.page(periods, page: page, pageSize: pageSize),
                                        page: page, pageSize: pageSize, totalPeriods: periods.count)
        }
    }

    public func qualification(_ card: CardIdentity, actor: String, now: Date) async throws(HubStoreError) -> QualificationState? {
        try await groupWrite { db in
            let person = try Self.person(db, card)
            try Self.audit(db, now, actor, "qualification.query", AuditSubject.person(card.citizenID), person == nil ? "not_found" : "found")
            return person?.qualification(today: ChinaDay.of(now))
        }
    }

    public func healthCheckEligibility(_ card: CardIdentity, actor: String, now: Date) async throws(HubStoreError) -> HealthCheckEligibility? {
        try await groupWrite { db in
            let today = ChinaDay.of(now)
            guard let person = try Self.person(db, card) else {
                try Self.audit(db, now, actor, "health_check.query", AuditSubject.person(card.citizenID), "not_found")
                return nil
            }
            let booking = try Self.liveBooking(db, citizenID: person.citizenID, year: today.year)
            let decision = person.healthCheck(hasBooking: booking != nil, today: today)
            try Self.audit(db, now, actor, "health_check.query", AuditSubject.person(card.citizenID), decision.reason.rawValue)
            return HealthCheckEligibility(eligible: decision.eligible, reason: decision.reason, cohortYear: today.year,
                                          lastCheck: person.healthLastCheck, booking: booking)
        }
    }

    public func hospitals(office: String?) async throws(HubStoreError) -> [Hospital] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM hospitals WHERE ? IS NULL OR office = ? ORDER BY office, id", arguments: [office, office]).map {
                Hospital(id: $0["id"], name: $0["name"], address: $0["address"], office: $0["office"])
            }
        }
    }

    public func healthCheckSlots(hospitalID: String, from: String, through: String) async throws(HubStoreError) -> [HealthCheckSlot] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM health_slots WHERE hospital_id = ? AND day BETWEEN ? AND ? ORDER BY day, starts
                """, arguments: [hospitalID, from, through]).map(Self.slot)
        }
    }

    public func bookHealthCheck(_ card: CardIdentity, slotID: Int64, actor: String, now: Date) async throws(HubStoreError) -> Result<HealthCheckBooking, BookingRefusal> {
        try await groupWrite { db in try Self.book(db, card, slotID: slotID, actor: actor, now: now) }
    }

    /// Books inside the caller's transaction. A refusal after the place was taken rolls back
    /// the savepoint, so the place is never lost.
    static func book(_ db: Database, _ card: CardIdentity, slotID: Int64, actor: String, now: Date) throws -> Result<HealthCheckBooking, BookingRefusal> {
        let today = ChinaDay.of(now)
        let subject = AuditSubject.person(card.citizenID)
        func refuse(_ refusal: BookingRefusal) throws -> Result<HealthCheckBooking, BookingRefusal> {
            try audit(db, now, actor, "health_check.book", subject, refusal.rawValue)
            return .failure(refusal)
        }
        guard let person = try person(db, card) else { return try refuse(.unknownPerson) }
        guard let slot = try Row.fetchOne(db, sql: "SELECT * FROM health_slots WHERE id = ?", arguments: [slotID]).map(Self.slot) else {
            return try refuse(.unknownSlot)
        }
        if slot.day < today.description { return try refuse(.slotPast) }
        if try liveBooking(db, citizenID: person.citizenID, year: today.year) != nil { return try refuse(.alreadyBooked) }
        guard person.healthCheck(hasBooking: false, today: today).eligible else { return try refuse(.notEligible) }
        var refusal: BookingRefusal?
        var reference = ""
        try db.inSavepoint {
            try db.execute(sql: "UPDATE health_slots SET remaining = remaining - 1 WHERE id = ? AND remaining > 0", arguments: [slotID])
            guard db.changesCount == 1 else { refusal = .slotFull; return .rollback }
            reference = BookingReference.make()
            try db.execute(sql: """
                INSERT INTO health_bookings (reference, citizen_id, slot_id, cohort_year, status, device_id, booked_at)
                VALUES (?, ?, ?, ?, 'booked', ?, ?)
                """, arguments: [reference, person.citizenID, slotID, today.year, actor, now.storedMilliseconds])
            return .commit
        }
        if let refusal { return try refuse(refusal) }
        try audit(db, now, actor, "health_check.book", subject, "booked " + reference)
        let name = try String.fetchOne(db, sql: "SELECT name FROM hospitals WHERE id = ?", arguments: [slot.hospitalID]) ?? slot.hospitalID
        return .success(HealthCheckBooking(reference: reference, hospitalID: slot.hospitalID, hospitalName: name, day: slot.day,
                                           starts: slot.starts, ends: slot.ends, status: "booked"))
    }

    public func cancelHealthCheck(reference: String, _ card: CardIdentity, actor: String, now: Date) async throws(HubStoreError) -> Result<HealthCheckBooking, BookingRefusal> {
        try await groupWrite { db in
            let today = ChinaDay.of(now)
            let subject = AuditSubject.person(card.citizenID)
            func refuse(_ refusal: BookingRefusal) throws -> Result<HealthCheckBooking, BookingRefusal> {
                try Self.audit(db, now, actor, "health_check.cancel", subject, refusal.rawValue)
                return .failure(refusal)
            }
            guard let person = try Self.person(db, card),
                  var booking = try Self.booking(db, "b.reference = ? AND b.citizen_id = ?", [reference, person.citizenID]) else {
                return try refuse(.unknownBooking)
            }
            guard booking.status == "booked" else { return try refuse(.alreadyCancelled) }
            if booking.day < today.description { return try refuse(.slotPast) }
            try db.execute(sql: "UPDATE health_bookings SET status = 'cancelled', cancelled_at = ? WHERE reference = ? AND status = 'booked'",
                           arguments: [now.storedMilliseconds, reference])
            guard db.changesCount == 1 else { return try refuse(.alreadyCancelled) }
            try db.execute(sql: "UPDATE health_slots SET remaining = remaining + 1 WHERE id = (SELECT slot_id FROM health_bookings WHERE reference = ?)",
                           arguments: [reference])
            try Self.audit(db, now, actor, "health_check.cancel", subject, "cancelled " + reference)
            booking.status = "cancelled"
            return .success(booking)
        }
    }

    // MARK: Review queue

    public func reviews(status: ReviewStatus?, limit: Int) async throws(HubStoreError) -> [QualificationReview] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM qualification_reviews WHERE ? IS NULL OR status = ? ORDER BY id LIMIT ?",
                             arguments: [status?.rawValue, status?.rawValue, limit]).map(Self.review)
        }
    }

    public func review(id: Int64) async throws(HubStoreError) -> QualificationReview? {
        try await read { db in try Row.fetchOne(db, sql: "SELECT * FROM qualification_reviews WHERE id = ?", arguments: [id]).map(Self.review) }
    }

    public func reviewEvidence(id: Int64, staff: String, now: Date) async throws(HubStoreError) -> [Data]? {
        guard let key = evidenceKey else { throw .database("no evidence key configured (storage.evidence_key)") }
        let sealed = try await write { db -> (Data, String)? in
            guard let row = try Row.fetchOne(db, sql: "SELECT evidence, submission_id FROM qualification_reviews WHERE id = ?", arguments: [id]),
                  let evidence = row["evidence"] as Data? else { return nil }
            try Self.audit(db, now, staff, "review.evidence_viewed", "review \(id)", "shown")
            return (evidence, row["submission_id"])
        }
        guard let sealed else { return nil }
        return try key.open(sealed.0, submissionID: sealed.1)
    }

    public func decideReview(id: Int64, decision: ReviewDecision, staff: String, now: Date) async throws(HubStoreError) -> Result<QualificationReview, ReviewDecisionRefusal> {
        if case .reject(let reason) = decision, reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return .failure(.reasonRequired) }
        return try await write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM qualification_reviews WHERE id = ?", arguments: [id]) else { return .failure(.unknownReview) }
            guard (row["status"] as String) == ReviewStatus.pending.rawValue else { return .failure(.alreadyDecided) }
            try Self.decide(db, reviewID: id, deviceID: row["device_id"], submissionID: row["submission_id"], citizenID: row["citizen_id"],
                            decision: decision, by: staff, now: now)
            return .success(try Row.fetchOne(db, sql: "SELECT * FROM qualification_reviews WHERE id = ?", arguments: [id]).map(Self.review)!)
        }
    }

    /// Records a decision, sets the person's state and queues the result for the kiosk. A
    /// submission whose card did not match leaves the person's record alone (`touchingPerson`).
    static func decide(_ db: Database, reviewID: Int64, deviceID: String, submissionID: String, citizenID: String,
                       decision: ReviewDecision, by decider: String, now: Date, touchingPerson: Bool = true) throws {
        let outcome = ServiceUpdates.reviewOutcome(decision)
        try db.execute(sql: "UPDATE qualification_reviews SET status = ?, decided_by = ?, decided_at = ?, reason = ? WHERE id = ?",
                       arguments: [outcome.status.rawValue, decider, now.storedMilliseconds, outcome.reason, reviewID])
        var opens: String?, dueBy: String?
        if touchingPerson, let person = try personByID(db, citizenID) {
            let next = person.afterDecision(decision, today: ChinaDay.of(now))
            try db.execute(sql: """
                UPDATE people SET qualification_status = ?, qualification_window_opens = ?, qualification_due_by = ?, qualification_last_passed = ?
                WHERE citizen_id = ?
                """, arguments: [next.status.rawValue, next.opens, next.dueBy, next.lastPassed, citizenID])
            (opens, dueBy) = (next.opens, next.dueBy)
        }
        try db.execute(sql: "INSERT INTO updates (device_id, kind, payload, created_at) VALUES (?, ?, ?, ?)", arguments: [
            deviceID, ServiceUpdates.qualificationResult,
            ServiceUpdates.qualification(submissionID: submissionID, outcome: outcome.status.rawValue, reason: outcome.reason, opens: opens, dueBy: dueBy),
            now.storedMilliseconds,
        ])
        try audit(db, now, decider, "review.decided", "review \(reviewID) \(AuditSubject.person(citizenID))", outcome.status.rawValue)
    }

    public func purgeEvidence(decidedBefore: Date, now: Date) async throws(HubStoreError) -> Int {
        try await write { db in
            let ids = try Int64.fetchAll(db, sql: "SELECT id FROM qualification_reviews WHERE evidence IS NOT NULL AND decided_at < ?",
                                         arguments: [decidedBefore.storedMilliseconds])
            for id in ids {
                try db.execute(sql: "UPDATE qualification_reviews SET evidence = NULL, evidence_deleted_at = ? WHERE id = ?", arguments: [now.storedMilliseconds, id])
                try Self.audit(db, now, "retention", "review.evidence_deleted", "review \(id)", "deleted")
            }
            return ids.count
        }
    }

    // MARK: Ratings and audit

    public func ratingSummaries(office: String?, since: Date?) async throws(HubStoreError) -> [RatingSummary] {
        try await read { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT office, service, level, COUNT(*) AS n FROM ratings
                WHERE (? IS NULL OR office = ?) AND rated_at >= ? GROUP BY office, service, level ORDER BY office, service
                """, arguments: [office, office, since?.storedMilliseconds ?? 0])
            let reasons = try Row.fetchAll(db, sql: """
                SELECT office, service, reason FROM ratings
                WHERE reason IS NOT NULL AND (? IS NULL OR office = ?) AND rated_at >= ? ORDER BY rated_at DESC, seq DESC
                """, arguments: [office, office, since?.storedMilliseconds ?? 0]).map { ($0["office"] as String, $0["service"] as String, $0["reason"] as String) }
            return RatingSummaries.make(levelCounts: rows.map { ($0["office"], $0["service"], $0["level"], $0["n"]) }, reasons: reasons)
        }
    }

    public func serviceAudit(limit: Int) async throws(HubStoreError) -> [ServiceAuditEntry] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM service_audit ORDER BY id DESC LIMIT ?", arguments: [limit]).map {
                ServiceAuditEntry(at: Date(storedMilliseconds: $0["at"]), actor: $0["actor"], action: $0["action"], subject: $0["subject"], outcome: $0["outcome"])
            }
        }
    }

    // MARK: Ingestion of service items (inside the batch's transaction)

    static func applyServiceItems(_ items: [(seq: Int64, item: ServiceItem)], deviceID: String, policy: QualificationPolicy,
                                  evidenceKey: EvidenceKey?, now: Date, _ db: Database) throws {
        for (seq, item) in items {
            switch item {
            case .ratingGiven(let rating):
                try db.execute(sql: """
                    INSERT INTO ratings (device_id, seq, office, service, level, reason, rated_at)
                    SELECT device_id, ?, office, ?, ?, ?, ? FROM kiosks WHERE device_id = ?
                    """, arguments: [seq, rating.service, rating.level, rating.reason, now.storedMilliseconds, deviceID])
            case .bookingRequested(let request):
                let result = try book(db, request.card, slotID: request.slotID, actor: deviceID, now: now)
                try db.execute(sql: "INSERT INTO updates (device_id, kind, payload, created_at) VALUES (?, ?, ?, ?)",
                               arguments: [deviceID, ServiceUpdates.booking, ServiceUpdates.booking(requestID: request.requestID, result: result), now.storedMilliseconds])
            case .qualificationSubmitted(let submission):
                guard let evidenceKey else {
                    throw HubStoreError.database("qualification evidence arrived but no evidence key is configured (storage.evidence_key)")
                }
                let sealed = submission.frames.isEmpty ? nil : try evidenceKey.seal(submission.frames, submissionID: submission.submissionID)
                let facts = String(decoding: try JSONEncoder().encode(submission.facts), as: UTF8.self)
                try db.execute(sql: """
                    INSERT INTO qualification_reviews (device_id, seq, submission_id, citizen_id, submitted_at, facts, evidence, evidence_frames, status)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending')
                    """, arguments: [deviceID, seq, submission.submissionID, submission.card.citizenID, now.storedMilliseconds, facts, sealed, submission.frames.count])
                let reviewID = db.lastInsertedRowID
                try audit(db, now, deviceID, "review.submitted", "review \(reviewID) \(AuditSubject.person(submission.card.citizenID))", "pending")
                if try person(db, submission.card) == nil {
                    try decide(db, reviewID: reviewID, deviceID: deviceID, submissionID: submission.submissionID, citizenID: submission.card.citizenID,
                               decision: .reject(reason: "card_mismatch"), by: "policy", now: now, touchingPerson: false)
                } else if policy.approvesAutomatically(submission.facts) {
                    try decide(db, reviewID: reviewID, deviceID: deviceID, submissionID: submission.submissionID, citizenID: submission.card.citizenID,
                               decision: .approve, by: "policy", now: now)
                } else {
                    try db.execute(sql: "UPDATE people SET qualification_status = 'under_review' WHERE citizen_id = ?", arguments: [submission.card.citizenID])
                    try db.execute(sql: "INSERT INTO updates (device_id, kind, payload, created_at) VALUES (?, ?, ?, ?)", arguments: [
                        deviceID, ServiceUpdates.qualificationResult,
                        ServiceUpdates.qualification(submissionID: submission.submissionID, outcome: "under_review", reason: nil, opens: nil, dueBy: nil),
                        now.storedMilliseconds,
                    ])
                }
            }
        }
    }

    // MARK: Rows

    static func audit(_ db: Database, _ now: Date, _ actor: String, _ action: String, _ subject: String, _ outcome: String) throws {
        try db.execute(sql: "INSERT INTO service_audit (at, actor, action, subject, outcome) VALUES (?, ?, ?, ?, ?)",
                       arguments: [now.storedMilliseconds, actor, action, subject, outcome])
    }

    static func person(_ db: Database, _ card: CardIdentity) throws -> PersonFacts? {
        try Row.fetchOne(db, sql: "SELECT * FROM people WHERE citizen_id = ? AND card_number = ?", arguments: [card.citizenID, card.cardNumber]).map(personFacts)
    }

    static func personByID(_ db: Database, _ citizenID: String) throws -> PersonFacts? {
        try Row.fetchOne(db, sql: "SELECT * FROM people WHERE citizen_id = ?", arguments: [citizenID]).map(personFacts)
    }

    static func personFacts(_ row: Row) -> PersonFacts {
        PersonFacts(citizenID: row["citizen_id"], name: row["name"], birthDate: row["birth_date"], office: row["office"], retired: row["retired"],
                    qualificationStatus: row["qualification_status"], windowOpens: row["qualification_window_opens"],
                    dueBy: row["qualification_due_by"], lastPassed: row["qualification_last_passed"], healthLastCheck: row["health_last_check"])
    }

    static func periods(_ db: Database, _ citizenID: String) throws -> [SeedPeriod] {
        try Row.fetchAll(db, sql: "SELECT * FROM insurance_periods WHERE citizen_id = ?", arguments: [citizenID]).map {
            SeedPeriod(insuranceType: $0["insurance_type"], employer: $0["employer"], fromMonth: $0["from_month"],
                       throughMonth: $0["through_month"], months: $0["months"], status: $0["status"])
        }
    }

    static func slot(_ row: Row) -> HealthCheckSlot {
        HealthCheckSlot(id: row["id"], hospitalID: row["hospital_id"], day: row["day"], starts: row["starts"], ends: row["ends"],
                        capacity: row["capacity"], remaining: row["remaining"])
    }

    static func liveBooking(_ db: Database, citizenID: String, year: Int) throws -> HealthCheckBooking? {
        try booking(db, "b.citizen_id = ? AND b.cohort_year = ? AND b.status = 'booked'", [citizenID, year])
    }

    static func booking(_ db: Database, _ condition: String, _ arguments: StatementArguments) throws -> HealthCheckBooking? {
        try Row.fetchOne(db, sql: """
            SELECT b.reference, b.status, s.hospital_id, s.day, s.starts, s.ends, h.name FROM health_bookings b
            JOIN health_slots s ON s.id = b.slot_id JOIN hospitals h ON h.id = s.hospital_id WHERE \(condition)
            """, arguments: arguments).map {
            HealthCheckBooking(reference: $0["reference"], hospitalID: $0["hospital_id"], hospitalName: $0["name"], day: $0["day"],
                               starts: $0["starts"], ends: $0["ends"], status: $0["status"])
        }
    }

    static func review(_ row: Row) -> QualificationReview {
        let facts = (try? JSONDecoder().decode(SubmissionFacts.self, from: Data((row["facts"] as String).utf8)))
            ?? SubmissionFacts(cardVerified: false, pinVerified: false, challengeComplete: false, challengeSteps: [], qualityFlags: ["unreadable_facts"])
        return QualificationReview(
            id: row["id"], deviceID: row["device_id"], seq: row["seq"], submissionID: row["submission_id"],
            maskedCitizenID: Redaction.maskCitizenID(row["citizen_id"]), submittedAt: Date(storedMilliseconds: row["submitted_at"]),
            facts: facts, evidenceFrames: row["evidence_frames"], evidenceAvailable: (row["evidence"] as Data?) != nil,
            status: ReviewStatus(rawValue: row["status"]) ?? .pending, decidedBy: row["decided_by"],
            decidedAt: (row["decided_at"] as Int64?).map(Date.init(storedMilliseconds:)), reason: row["reason"],
            evidenceDeletedAt: (row["evidence_deleted_at"] as Int64?).map(Date.init(storedMilliseconds:)))
    }
}

/// Ratings grouped per office and service, from per-level counts (both engines).
enum RatingSummaries {
    static func make(levelCounts: [(office: String, service: String, level: Int, count: Int)], reasons: [(String, String, String)]) -> [RatingSummary] {
        var summaries: [String: RatingSummary] = [:]
        var order: [String] = []
        for row in levelCounts {
            let key = row.office + "\u{1F}" + row.service
            if summaries[key] == nil {
                summaries[key] = RatingSummary(office: row.office, service: row.service, count: 0, average: 0, levels: [0, 0, 0, 0, 0], recentReasons: [])
                order.append(key)
            }
            guard (1...5).contains(row.level) else { continue }
            summaries[key]!.levels[row.level - 1] += row.count
            summaries[key]!.count += row.count
        }
        for (office, service, reason) in reasons {
            let key = office + "\u{1F}" + service
            if let summary = summaries[key], summary.recentReasons.count < 5 { summaries[key]!.recentReasons.append(reason) }
        }
        return order.map { key in
            var summary = summaries[key]!
            let total = summary.levels.enumerated().reduce(0) { $0 + ($1.offset + 1) * $1.element }
            summary.average = summary.count == 0 ? 0 : (Double(total) / Double(summary.count) * 100).rounded() / 100
            return summary
        }
    }
}
