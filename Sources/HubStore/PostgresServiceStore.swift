import Foundation
import KioskCore
import Logging
import PostgresNIO

/// COPY's text format: tab-separated, `\N` for NULL, backslash escapes for the characters
/// that would end a field or a row.
enum CopyText {
    static func row(_ buffer: inout ByteBuffer, _ fields: [String?]) {
        for (index, field) in fields.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
            guard let field else { buffer.writeStaticString("\\N"); continue }
            for byte in field.utf8 {
                switch byte {
                case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
                case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
                case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
                case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
                default: buffer.writeInteger(byte)
                }
            }
        }
        buffer.writeInteger(UInt8(ascii: "\n"))
    }
}

/// ``HubServiceStore`` on PostgreSQL: the same statements and decisions as the embedded engine.
/// A booking takes its place with one conditional `UPDATE … WHERE remaining > 0`, which
/// PostgreSQL re-checks after waiting for a concurrent booking's row lock: no overbooking.
extension PostgresHubStore {
    // MARK: Population

    public func populationCount() async throws(HubStoreError) -> Int {
        try await perform {
            var count: Int64 = 0
            for try await value in try await self.client.query("SELECT COUNT(*) FROM people", logger: self.logger).decode(Int64.self) { count = value }
            return Int(count)
        }
    }

    /// `COPY … FROM STDIN` (text format) for both tables, in one transaction per chunk: the
    /// fastest bulk path PostgreSQL offers (the 1,000,000-person seed of the benchmarks).
    public func insertPopulation(_ people: [SeedPerson]) async throws(HubStoreError) {
        let logger = self.logger
        var peopleRows = ByteBuffer()
        var periodRows = ByteBuffer()
        for p in people {
            CopyText.row(&peopleRows, [p.citizenID, p.cardNumber, p.name, p.sex, p.birthDate, p.office, p.retired ? "t" : "f", p.qualificationStatus,
                                       p.qualificationWindowOpens, p.qualificationDueBy, p.qualificationLastPassed, p.healthLastCheck])
            for r in p.periods {
                CopyText.row(&periodRows, [p.citizenID, r.insuranceType, r.employer, String(r.fromMonth), r.throughMonth.map(String.init),
                                           String(r.months), r.status])
            }
        }
        let (peopleData, periodData) = (peopleRows, periodRows)
        try await transaction { connection in
            try await connection.copyFrom(table: "people", columns: [
                "citizen_id", "card_number", "name", "sex", "birth_date", "office", "retired", "qualification_status",
                "qualification_window_opens", "qualification_due_by", "qualification_last_passed", "health_last_check",
            ], logger: logger) { writer in try await writer.write(peopleData) }
            try await connection.copyFrom(table: "insurance_periods", columns: [
                "citizen_id", "insurance_type", "employer", "from_month", "through_month", "months", "status",
            ], logger: logger) { writer in try await writer.write(periodData) }
        }
    }

    public func insertHospitals(_ hospitals: [Hospital], slots: [SeedSlot]) async throws(HubStoreError) {
        let logger = self.logger
        try await transaction { connection in
            try await connection.query("""
                INSERT INTO hospitals (id, name, address, office)
                SELECT * FROM unnest(\(hospitals.map(\.id))::TEXT[], \(hospitals.map(\.name))::TEXT[], \(hospitals.map(\.address))::TEXT[], \(hospitals.map(\.office))::TEXT[])
                """, logger: logger)
            try await connection.query("""
                INSERT INTO health_slots (hospital_id, day, starts, ends, capacity, remaining)
                SELECT h, d, s, e, c, c FROM unnest(\(slots.map(\.hospitalID))::TEXT[], \(slots.map(\.day))::TEXT[], \(slots.map(\.starts))::TEXT[],
                                                   \(slots.map(\.ends))::TEXT[], \(slots.map(\.capacity))::INTEGER[]) AS x (h, d, s, e, c)
                """, logger: logger)
        }
    }

    // MARK: Kiosk queries

    /// One statement, one round trip and one commit: the person, their periods and the audit
    /// row (found or not) together. (As a transaction of three statements it took five round
    /// trips, and the records query is the hub's most frequent personal lookup.)
    public func insuranceRecords(_ card: CardIdentity, page: Int, pageSize: Int, actor: String, now: Date) async throws(HubStoreError) -> InsuranceRecordsPage? {
        let subject = AuditSubject.person(card.citizenID)
        return try await perform {
            let rows = try await self.client.query("""
                WITH person AS (SELECT citizen_id, name FROM people WHERE citizen_id = \(card.citizenID) AND card_number = \(card.cardNumber)),
                audit AS (
                  INSERT INTO service_audit (at, actor, action, subject, outcome)
                  SELECT \(now.storedMilliseconds), \(actor), 'records.query', \(subject),
                         CASE WHEN EXISTS (SELECT 1 FROM person) THEN 'found' ELSE 'not_found' END)
                SELECT p.citizen_id, p.name, r.insurance_type, r.employer, r.from_month, r.through_month, r.months, r.status
                FROM person p LEFT JOIN insurance_periods r ON r.citizen_id = p.citizen_id
                """, logger: self.logger)
            var holder: (id: String, name: String)?
            var periods: [SeedPeriod] = []
            for try await (id, name, type, employer, from, through, months, status) in rows.decode(
                (String, String, String?, String?, Int32?, Int32?, Int32?, String?).self) {
                holder = (id, name)
                if let type, let from, let months, let status {
                    periods.append(SeedPeriod(insuranceType: type, employer: employer, fromMonth: Int(from), throughMonth: through.map(Int.init),
                                              months: Int(months), status: status))
                }
            }
            guard let holder else { return nil }
            return InsuranceRecordsPage(name: holder.name, citizenID: holder.id, summary: InsuranceRecords.summaries(periods),
                                        periods: InsuranceRecords.page(periods, page: page, pageSize: pageSize),
                                        page: page, pageSize: pageSize, totalPeriods: periods.count)
        }
    }

    public func qualification(_ card: CardIdentity, actor: String, now: Date) async throws(HubStoreError) -> QualificationState? {
        let logger = self.logger
        return try await transaction { connection -> QualificationState? in
            let person = try await Self.person(connection, card, logger)
            try await Self.audit(connection, now, actor, "qualification.query", AuditSubject.person(card.citizenID), person == nil ? "not_found" : "found", logger)
            return person?.qualification(today: ChinaDay.of(now))
        }
    }

    public func healthCheckEligibility(_ card: CardIdentity, actor: String, now: Date) async throws(HubStoreError) -> HealthCheckEligibility? {
        let logger = self.logger
        return try await transaction { connection -> HealthCheckEligibility? in
            let today = ChinaDay.of(now)
            guard let person = try await Self.person(connection, card, logger) else {
                try await Self.audit(connection, now, actor, "health_check.query", AuditSubject.person(card.citizenID), "not_found", logger)
                return nil
            }
            let booking = try await Self.booking(connection, citizenID: person.citizenID, year: today.year, reference: nil, logger)
            let decision = person.healthCheck(hasBooking: booking?.status == "booked", today: today)
            try await Self.audit(connection, now, actor, "health_check.query", AuditSubject.person(card.citizenID), decision.reason.rawValue, logger)
            return HealthCheckEligibility(eligible: decision.eligible, reason: decision.reason, cohortYear: today.year,
                                          lastCheck: person.healthLastCheck, booking: booking)
        }
    }

    public func hospitals(office: String?) async throws(HubStoreError) -> [Hospital] {
        try await perform {
            var hospitals: [Hospital] = []
            for try await (id, name, address, office) in try await self.client.query("""
                SELECT id, name, address, office FROM hospitals WHERE \(office)::TEXT IS NULL OR office = \(office) ORDER BY office, id
                """, logger: self.logger).decode((String, String, String, String).self) {
                hospitals.append(Hospital(id: id, name: name, address: address, office: office))
            }
            return hospitals
        }
    }

    public func healthCheckSlots(hospitalID: String, from: String, through: String) async throws(HubStoreError) -> [HealthCheckSlot] {
        try await perform {
            var slots: [HealthCheckSlot] = []
            for try await (id, hospital, day, starts, ends, capacity, remaining) in try await self.client.query("""
                SELECT id, hospital_id, day, starts, ends, capacity, remaining FROM health_slots
                WHERE hospital_id = \(hospitalID) AND day BETWEEN \(from) AND \(through) ORDER BY day, starts
                """, logger: self.logger).decode((Int64, String, String, String, String, Int32, Int32).self) {
                slots.append(HealthCheckSlot(id: id, hospitalID: hospital, day: day, starts: starts, ends: ends, capacity: Int(capacity), remaining: Int(remaining)))
            }
            return slots
        }
    }

    public func bookHealthCheck(_ card: CardIdentity, slotID: Int64, actor: String, now: Date) async throws(HubStoreError) -> Result<HealthCheckBooking, BookingRefusal> {
        let logger = self.logger
        return try await transaction { connection in try await Self.book(connection, card, slotID: slotID, actor: actor, now: now, logger) }
    }

    static func book(_ connection: PostgresConnection, _ card: CardIdentity, slotID: Int64, actor: String, now: Date, _ logger: Logger) async throws
        -> Result<HealthCheckBooking, BookingRefusal> {
        let today = ChinaDay.of(now)
        let subject = AuditSubject.person(card.citizenID)
        func refuse(_ refusal: BookingRefusal) async throws -> Result<HealthCheckBooking, BookingRefusal> {
            try await audit(connection, now, actor, "health_check.book", subject, refusal.rawValue, logger)
            return .failure(refusal)
        }
        guard let person = try await person(connection, card, logger) else { return try await refuse(.unknownPerson) }
        var slot: (hospital: String, day: String, starts: String, ends: String, name: String)?
        for try await row in try await connection.query("""
            SELECT s.hospital_id, s.day, s.starts, s.ends, h.name FROM health_slots s JOIN hospitals h ON h.id = s.hospital_id WHERE s.id = \(slotID)
            """, logger: logger).decode((String, String, String, String, String).self) {
            slot = row
        }
        guard let slot else { return try await refuse(.unknownSlot) }
        if slot.day < today.description { return try await refuse(.slotPast) }
        if try await booking(connection, citizenID: person.citizenID, year: today.year, reference: nil, logger)?.status == "booked" {
            return try await refuse(.alreadyBooked)
        }
        guard person.healthCheck(hasBooking: false, today: today).eligible else { return try await refuse(.notEligible) }
        let taken = try await connection.query(
            "UPDATE health_slots SET remaining = remaining - 1 WHERE id = \(slotID) AND remaining > 0 RETURNING id", logger: logger).collect().count
        guard taken == 1 else { return try await refuse(.slotFull) }
        let reference = BookingReference.make()
        let inserted = try await connection.query("""
            INSERT INTO health_bookings (reference, citizen_id, slot_id, cohort_year, status, device_id, booked_at)
            VALUES (\(reference), \(person.citizenID), \(slotID), \(today.year), 'booked', \(actor), \(now.storedMilliseconds))
            ON CONFLICT (citizen_id, cohort_year) WHERE status = 'booked' DO NOTHING RETURNING reference
            """, logger: logger).collect().count
        guard inserted == 1 else {
            // The same person booked from another kiosk a moment ago: give the place back.
            try await connection.query("UPDATE health_slots SET remaining = remaining + 1 WHERE id = \(slotID)", logger: logger)
            return try await refuse(.alreadyBooked)
        }
        try await audit(connection, now, actor, "health_check.book", subject, "booked " + reference, logger)
        return .success(HealthCheckBooking(reference: reference, hospitalID: slot.hospital, hospitalName: slot.name, day: slot.day,
                                           starts: slot.starts, ends: slot.ends, status: "booked"))
    }

    public func cancelHealthCheck(reference: String, _ card: CardIdentity, actor: String, now: Date) async throws(HubStoreError) -> Result<HealthCheckBooking, BookingRefusal> {
        let logger = self.logger
        return try await transaction { connection -> Result<HealthCheckBooking, BookingRefusal> in
            let today = ChinaDay.of(now)
            let subject = AuditSubject.person(card.citizenID)
            func refuse(_ refusal: BookingRefusal) async throws -> Result<HealthCheckBooking, BookingRefusal> {
                try await Self.audit(connection, now, actor, "health_check.cancel", subject, refusal.rawValue, logger)
                return .failure(refusal)
            }
            guard let person = try await Self.person(connection, card, logger),
                  var booking = try await Self.booking(connection, citizenID: person.citizenID, year: nil, reference: reference, logger) else {
                return try await refuse(.unknownBooking)
            }
            guard booking.status == "booked" else { return try await refuse(.alreadyCancelled) }
            if booking.day < today.description { return try await refuse(.slotPast) }
            let cancelledRows = try await connection.query("""
                UPDATE health_bookings SET status = 'cancelled', cancelled_at = \(now.storedMilliseconds)
                WHERE reference = \(reference) AND status = 'booked' RETURNING slot_id
                """, logger: logger)
            var cancelled: [Int64] = []
            for try await id in cancelledRows.decode(Int64.self) { cancelled.append(id) }
            guard let slotID = cancelled.first else { return try await refuse(.alreadyCancelled) }
            try await connection.query("UPDATE health_slots SET remaining = remaining + 1 WHERE id = \(slotID)", logger: logger)
            try await Self.audit(connection, now, actor, "health_check.cancel", subject, "cancelled " + reference, logger)
            booking.status = "cancelled"
            return .success(booking)
        }
    }

    // MARK: Review queue

    private static let reviewColumns = """
        id, device_id, seq, submission_id, citizen_id, submitted_at, facts, evidence IS NOT NULL, evidence_frames, status,
        decided_by, decided_at, reason, evidence_deleted_at
        """

    private func fetchReviews(_ query: PostgresQuery) async throws(HubStoreError) -> [QualificationReview] {
        try await perform {
            var reviews: [QualificationReview] = []
            let rows = try await self.client.query(query, logger: self.logger)
            for try await row in rows {
                let c = try row.decode((Int64, String, Int64, String, String, Int64, String, Bool, Int32, String, String?, Int64?, String?, Int64?).self)
                let facts = (try? JSONDecoder().decode(SubmissionFacts.self, from: Data(c.6.utf8)))
                    ?? SubmissionFacts(cardVerified: false, pinVerified: false, challengeComplete: false, challengeSteps: [], qualityFlags: ["unreadable_facts"])
                reviews.append(QualificationReview(
                    id: c.0, deviceID: c.1, seq: c.2, submissionID: c.3, maskedCitizenID: Redaction.maskCitizenID(c.4),
                    submittedAt: Date(storedMilliseconds: c.5), facts: facts, evidenceFrames: Int(c.8), evidenceAvailable: c.7,
                    status: ReviewStatus(rawValue: c.9) ?? .pending, decidedBy: c.10, decidedAt: c.11.map(Date.init(storedMilliseconds:)),
                    reason: c.12, evidenceDeletedAt: c.13.map(Date.init(storedMilliseconds:))))
            }
            return reviews
        }
    }

    public func reviews(status: ReviewStatus?, limit: Int) async throws(HubStoreError) -> [QualificationReview] {
        let status = status?.rawValue
        var query = PostgresQuery(unsafeSQL: "SELECT \(Self.reviewColumns) FROM qualification_reviews WHERE $1::TEXT IS NULL OR status = $1 ORDER BY id LIMIT $2")
        query.binds.append(status)
        query.binds.append(Int64(limit))
        return try await fetchReviews(query)
    }

    public func review(id: Int64) async throws(HubStoreError) -> QualificationReview? {
        var query = PostgresQuery(unsafeSQL: "SELECT \(Self.reviewColumns) FROM qualification_reviews WHERE id = $1")
        query.binds.append(id)
        return try await fetchReviews(query).first
    }

    public func reviewEvidence(id: Int64, staff: String, now: Date) async throws(HubStoreError) -> [Data]? {
        guard let key = evidenceKey else { throw .database("no evidence key configured (storage.evidence_key)") }
        let logger = self.logger
        let sealed = try await transaction { connection -> (Data, String)? in
            var found: (Data, String)?
            for try await (evidence, submission) in try await connection.query(
                "SELECT evidence, submission_id FROM qualification_reviews WHERE id = \(id) AND evidence IS NOT NULL", logger: logger).decode((Data, String).self) {
                found = (evidence, submission)
            }
            if found != nil { try await Self.audit(connection, now, staff, "review.evidence_viewed", "review \(id)", "shown", logger) }
            return found
        }
        guard let sealed else { return nil }
        return try key.open(sealed.0, submissionID: sealed.1)
    }

    public func decideReview(id: Int64, decision: ReviewDecision, staff: String, now: Date) async throws(HubStoreError) -> Result<QualificationReview, ReviewDecisionRefusal> {
        if case .reject(let reason) = decision, reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return .failure(.reasonRequired) }
        let logger = self.logger
        let outcome = try await transaction { connection -> ReviewDecisionRefusal? in
            var row: (String, String, String, String)?
            for try await value in try await connection.query(
                "SELECT device_id, submission_id, citizen_id, status FROM qualification_reviews WHERE id = \(id) FOR UPDATE", logger: logger
            ).decode((String, String, String, String).self) {
                row = value
            }
            guard let row else { return .unknownReview }
            guard row.3 == ReviewStatus.pending.rawValue else { return .alreadyDecided }
            try await Self.decide(connection, reviewID: id, deviceID: row.0, submissionID: row.1, citizenID: row.2, decision: decision, by: staff, now: now, logger)
            return nil
        }
        if let outcome { return .failure(outcome) }
        guard let review = try await review(id: id) else { return .failure(.unknownReview) }
        return .success(review)
    }

    static func decide(_ connection: PostgresConnection, reviewID: Int64, deviceID: String, submissionID: String, citizenID: String,
                       decision: ReviewDecision, by decider: String, now: Date, touchingPerson: Bool = true, _ logger: Logger) async throws {
        let outcome = ServiceUpdates.reviewOutcome(decision)
        try await connection.query("""
            UPDATE qualification_reviews SET status = \(outcome.status.rawValue), decided_by = \(decider), decided_at = \(now.storedMilliseconds),
              reason = \(outcome.reason) WHERE id = \(reviewID)
            """, logger: logger)
        var opens: String?, dueBy: String?
        if touchingPerson, let person = try await person(connection, citizenID: citizenID, logger) {
            let next = person.afterDecision(decision, today: ChinaDay.of(now))
            try await connection.query("""
                UPDATE people SET qualification_status = \(next.status.rawValue), qualification_window_opens = \(next.opens),
                  qualification_due_by = \(next.dueBy), qualification_last_passed = \(next.lastPassed) WHERE citizen_id = \(citizenID)
                """, logger: logger)
            (opens, dueBy) = (next.opens, next.dueBy)
        }
        let payload = ServiceUpdates.qualification(submissionID: submissionID, outcome: outcome.status.rawValue, reason: outcome.reason, opens: opens, dueBy: dueBy)
        try await connection.query("""
            INSERT INTO updates (device_id, kind, payload, created_at) VALUES (\(deviceID), \(ServiceUpdates.qualificationResult), \(payload), \(now.storedMilliseconds))
            """, logger: logger)
        try await audit(connection, now, decider, "review.decided", "review \(reviewID) \(AuditSubject.person(citizenID))", outcome.status.rawValue, logger)
    }

    public func purgeEvidence(decidedBefore: Date, now: Date) async throws(HubStoreError) -> Int {
        let logger = self.logger
        return try await transaction { connection -> Int in
            let rows = try await connection.query("""
                UPDATE qualification_reviews SET evidence = NULL, evidence_deleted_at = \(now.storedMilliseconds)
                WHERE evidence IS NOT NULL AND decided_at < \(decidedBefore.storedMilliseconds) RETURNING id
                """, logger: logger)
            var ids: [Int64] = []
            for try await id in rows.decode(Int64.self) { ids.append(id) }
            for id in ids { try await Self.audit(connection, now, "retention", "review.evidence_deleted", "review \(id)", "deleted", logger) }
            return ids.count
        }
    }

    // MARK: Ratings and audit

    public func ratingSummaries(office: String?, since: Date?) async throws(HubStoreError) -> [RatingSummary] {
        let since = since?.storedMilliseconds ?? 0
        return try await perform {
            var counts: [(office: String, service: String, level: Int, count: Int)] = []
            for try await (o, s, level, n) in try await self.client.query("""
                SELECT office, service, level, COUNT(*) FROM ratings WHERE (\(office)::TEXT IS NULL OR office = \(office)) AND rated_at >= \(since)
                GROUP BY office, service, level ORDER BY office, service
                """, logger: self.logger).decode((String, String, Int32, Int64).self) {
                counts.append((o, s, Int(level), Int(n)))
            }
            var reasons: [(String, String, String)] = []
            for try await row in try await self.client.query("""
                SELECT office, service, reason FROM ratings WHERE reason IS NOT NULL AND (\(office)::TEXT IS NULL OR office = \(office)) AND rated_at >= \(since)
                ORDER BY rated_at DESC, seq DESC
                """, logger: self.logger).decode((String, String, String).self) {
                reasons.append(row)
            }
            return RatingSummaries.make(levelCounts: counts, reasons: reasons)
        }
    }

    public func serviceAudit(limit: Int) async throws(HubStoreError) -> [ServiceAuditEntry] {
        try await perform {
            var entries: [ServiceAuditEntry] = []
            for try await (at, actor, action, subject, outcome) in try await self.client.query(
                "SELECT at, actor, action, subject, outcome FROM service_audit ORDER BY id DESC LIMIT \(limit)", logger: self.logger
            ).decode((Int64, String, String, String, String).self) {
                entries.append(ServiceAuditEntry(at: Date(storedMilliseconds: at), actor: actor, action: action, subject: subject, outcome: outcome))
            }
            return entries
        }
    }

    // MARK: Ingestion of service items (inside the batch's transaction)

    func applyServiceItems(_ items: [(seq: Int64, item: ServiceItem)], deviceID: String, policy: QualificationPolicy, now: Date,
                           _ connection: PostgresConnection) async throws {
        let logger = self.logger
        for (seq, item) in items {
            switch item {
            case .ratingGiven(let rating):
                try await connection.query("""
                    INSERT INTO ratings (device_id, seq, office, service, level, reason, rated_at)
                    SELECT device_id, \(seq), office, \(rating.service), \(rating.level), \(rating.reason), \(now.storedMilliseconds) FROM kiosks WHERE device_id = \(deviceID)
                    """, logger: logger)
            case .bookingRequested(let request):
                let result = try await Self.book(connection, request.card, slotID: request.slotID, actor: deviceID, now: now, logger)
                let payload = ServiceUpdates.booking(requestID: request.requestID, result: result)
                try await connection.query("""
                    INSERT INTO updates (device_id, kind, payload, created_at) VALUES (\(deviceID), \(ServiceUpdates.booking), \(payload), \(now.storedMilliseconds))
                    """, logger: logger)
            case .qualificationSubmitted(let submission):
                guard let evidenceKey else {
                    throw HubStoreError.database("qualification evidence arrived but no evidence key is configured (storage.evidence_key)")
                }
                let sealed = submission.frames.isEmpty ? nil : try evidenceKey.seal(submission.frames, submissionID: submission.submissionID)
                let facts = String(decoding: try JSONEncoder().encode(submission.facts), as: UTF8.self)
                var reviewID: Int64 = 0
                for try await id in try await connection.query("""
                    INSERT INTO qualification_reviews (device_id, seq, submission_id, citizen_id, submitted_at, facts, evidence, evidence_frames, status)
                    VALUES (\(deviceID), \(seq), \(submission.submissionID), \(submission.card.citizenID), \(now.storedMilliseconds), \(facts), \(sealed),
                            \(submission.frames.count), 'pending') RETURNING id
                    """, logger: logger).decode(Int64.self) {
                    reviewID = id
                }
                try await Self.audit(connection, now, deviceID, "review.submitted", "review \(reviewID) \(AuditSubject.person(submission.card.citizenID))", "pending", logger)
                if try await Self.person(connection, submission.card, logger) == nil {
                    try await Self.decide(connection, reviewID: reviewID, deviceID: deviceID, submissionID: submission.submissionID,
                                          citizenID: submission.card.citizenID, decision: .reject(reason: "card_mismatch"), by: "policy", now: now, touchingPerson: false, logger)
                } else if policy.approvesAutomatically(submission.facts) {
                    try await Self.decide(connection, reviewID: reviewID, deviceID: deviceID, submissionID: submission.submissionID,
                                          citizenID: submission.card.citizenID, decision: .approve, by: "policy", now: now, logger)
                } else {
                    try await connection.query("UPDATE people SET qualification_status = 'under_review' WHERE citizen_id = \(submission.card.citizenID)", logger: logger)
                    let payload = ServiceUpdates.qualification(submissionID: submission.submissionID, outcome: "under_review", reason: nil, opens: nil, dueBy: nil)
                    try await connection.query("""
                        INSERT INTO updates (device_id, kind, payload, created_at)
                        VALUES (\(deviceID), \(ServiceUpdates.qualificationResult), \(payload), \(now.storedMilliseconds))
                        """, logger: logger)
                }
            }
        }
    }

    // MARK: Rows

    static func audit(_ connection: PostgresConnection, _ now: Date, _ actor: String, _ action: String, _ subject: String, _ outcome: String,
                      _ logger: Logger) async throws {
        try await connection.query("""
            INSERT INTO service_audit (at, actor, action, subject, outcome) VALUES (\(now.storedMilliseconds), \(actor), \(action), \(subject), \(outcome))
            """, logger: logger)
    }

    private static let personColumns = """
        citizen_id, name, birth_date, office, retired, qualification_status, qualification_window_opens, qualification_due_by,
        qualification_last_passed, health_last_check
        """

    static func person(_ connection: PostgresConnection, _ card: CardIdentity, _ logger: Logger) async throws -> PersonFacts? {
        var query = PostgresQuery(unsafeSQL: "SELECT \(personColumns) FROM people WHERE citizen_id = $1 AND card_number = $2")
        query.binds.append(card.citizenID)
        query.binds.append(card.cardNumber)
        return try await fetchPerson(connection, query, logger)
    }

    static func person(_ connection: PostgresConnection, citizenID: String, _ logger: Logger) async throws -> PersonFacts? {
        var query = PostgresQuery(unsafeSQL: "SELECT \(personColumns) FROM people WHERE citizen_id = $1")
        query.binds.append(citizenID)
        return try await fetchPerson(connection, query, logger)
    }

    private static func fetchPerson(_ connection: PostgresConnection, _ query: PostgresQuery, _ logger: Logger) async throws -> PersonFacts? {
        for try await c in try await connection.query(query, logger: logger).decode((String, String, String, String, Bool, String, String?, String?, String?, String?).self) {
            return PersonFacts(citizenID: c.0, name: c.1, birthDate: c.2, office: c.3, retired: c.4, qualificationStatus: c.5,
                               windowOpens: c.6, dueBy: c.7, lastPassed: c.8, healthLastCheck: c.9)
        }
        return nil
    }

    /// The person's live booking of `year`, or the booking `reference` of the person.
    static func booking(_ connection: PostgresConnection, citizenID: String, year: Int?, reference: String?, _ logger: Logger) async throws -> HealthCheckBooking? {
        for try await c in try await connection.query("""
            SELECT b.reference, b.status, s.hospital_id, s.day, s.starts, s.ends, h.name FROM health_bookings b
            JOIN health_slots s ON s.id = b.slot_id JOIN hospitals h ON h.id = s.hospital_id
            WHERE b.citizen_id = \(citizenID)
              AND ((\(reference)::TEXT IS NULL AND b.cohort_year = \(year ?? 0) AND b.status = 'booked') OR b.reference = \(reference))
            """, logger: logger).decode((String, String, String, String, String, String, String).self) {
            return HealthCheckBooking(reference: c.0, hospitalID: c.2, hospitalName: c.6, day: c.3, starts: c.4, ends: c.5, status: c.1)
        }
        return nil
    }
}
