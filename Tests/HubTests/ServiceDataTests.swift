import Foundation
import HubAPI
import HubClient
import HubStore
import KioskCore
import Logging
import OpenAPIRuntime
import TestSupport
import Testing

/// The services' data over real HTTP, on SQLite and PostgreSQL: a population seeded by
/// `zizhu-hub seed-demo`, a signed kiosk asking about the card in its reader, submissions and
/// offline bookings through ingestion, staff decisions through the store as the dashboard
/// calls it, and results back through `/v1/updates`.
@Suite(.timeLimit(.minutes(5)))
struct ServiceDataTests {
    /// 王五 of assets/cards/expired-2.0.json: born 1958, retired, so due and eligible.
    static let wangWu = (id: "370202195803062513", card: "E56789012")

    @Test(arguments: Engine.allCases)
    func recordsForASeededHolderAndTheWrongCardRefusedWithoutSayingWhy(engine: Engine) async throws {
        let world = try await ServiceWorld.start(engine)
        do {
            let kiosk = world.kiosk
            let records = try Self.json(try await kiosk.client.queryInsuranceRecords(body: .json(.init(
                citizenId: Self.wangWu.id, cardNumber: Self.wangWu.card, page: 1, pageSize: 2))))
            #expect(records.name == "王五" && records.citizenId == Self.wangWu.id)
            #expect(!records.summary.isEmpty && records.summary.allSatisfy { $0.months > 0 && InsuranceTypes.names[$0._type] == $0.name })
            #expect(records.periods.count == min(2, Int(records.totalPeriods)) && records.totalPeriods >= 1)
            // The summary adds up every period of its type.
            let all = try Self.json(try await kiosk.client.queryInsuranceRecords(body: .json(.init(
                citizenId: Self.wangWu.id, cardNumber: Self.wangWu.card, page: 1, pageSize: 100))))
            #expect(all.periods.count == Int(all.totalPeriods))
            for summary in all.summary {
                #expect(summary.months == all.periods.filter { $0._type == summary._type }.reduce(0) { $0 + $1.months })
            }
            // Newest first.
            #expect(all.periods.map(\.from) == all.periods.map(\.from).sorted(by: >))

            let qualification = try Self.json(try await kiosk.client.queryQualification(body: .json(.init(citizenId: Self.wangWu.id, cardNumber: Self.wangWu.card))))
            #expect(qualification.status == .due && qualification.dueBy != nil && qualification.windowOpens?.hasSuffix("-03-01") == true)
            let eligibility = try Self.json(try await kiosk.client.queryHealthCheckEligibility(body: .json(.init(citizenId: Self.wangWu.id, cardNumber: Self.wangWu.card))))
            #expect(eligibility.eligible && eligibility.reason == .eligible && eligibility.booking == nil)

            // A card number that is not this person's, and an ID that is not this card's: the same 404.
            let wrongCard = try await kiosk.client.queryInsuranceRecords(body: .json(.init(citizenId: Self.wangWu.id, cardNumber: "E56789013")))
            let otherID = try await kiosk.client.queryInsuranceRecords(body: .json(.init(citizenId: "330102198001011213", cardNumber: Self.wangWu.card)))
            guard case .notFound(let first) = wrongCard, case .notFound(let second) = otherID else {
                Issue.record("expected 404 twice, got \(wrongCard) and \(otherID)")
                throw CancellationError()
            }
            #expect(try first.body.json == second.body.json && first.body.json.reason == "unknown_card_holder")
            // A misread ID (bad check character) is the kiosk's fault: 400.
            guard case .badRequest = try await kiosk.client.queryQualification(body: .json(.init(citizenId: "370202195803062514", cardNumber: Self.wangWu.card))) else {
                Issue.record("a bad check character must be a 400")
                throw CancellationError()
            }
            // Unsigned: refused before any lookup.
            let anonymous = try HubConnection(baseURL: world.fixture.hub.url)
            guard case .unauthorized = try await anonymous.client.queryInsuranceRecords(body: .json(.init(citizenId: Self.wangWu.id, cardNumber: Self.wangWu.card))) else {
                Issue.record("an unsigned records query must be refused")
                throw CancellationError()
            }

            // Every query is audited with the masked ID; nothing in the audit or the log holds the full one.
            let audit = try await world.withStore { try await $0.serviceAudit(limit: 50) }
            let queries = audit.filter { $0.action == "records.query" }
            #expect(queries.count == 4 && queries.allSatisfy { $0.actor == kiosk.deviceID })
            #expect(queries.filter { $0.outcome == "not_found" }.count == 2)
            #expect(audit.allSatisfy { !$0.subject.contains(Self.wangWu.id) && !$0.subject.contains("330102198001011213") })
            #expect(audit.contains { $0.subject == "370202********2513" && $0.action == "qualification.query" })
            let log = (try? String(contentsOfFile: "\(world.fixture.hub.directory)/hub.log", encoding: .utf8)) ?? ""
            #expect(log.contains("370202********2513") && !log.contains(Self.wangWu.id))
        } catch {
            await world.stop()
            throw error
        }
        await world.stop()
    }

    @Test(arguments: Engine.allCases)
    func reviewDecisionsFlowBackToTheKioskThroughUpdates(engine: Engine) async throws {
        let world = try await ServiceWorld.start(engine)
        do {
            let kiosk = world.kiosk
            let people = try await world.retirees(count: 3)
            let frames = [Data([0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 0xFF, 0xD9]), Data([0xFF, 0xD8, 0xFF, 0xDB, 9, 8, 7, 0xFF, 0xD9])]
            let steps: [[String: any Sendable]] = [["action": "blink", "passed": true, "elapsed_ms": 1200], ["action": "turn_left", "passed": true]]
            let complete: [String: any Sendable] = ["complete": true, "steps": steps]
            let evidence: [String: any Sendable] = ["format": "jpeg", "frames": frames.map { $0.base64EncodedString() }, "challenge_log": "AAEC"]
            func submission(_ seq: Int64, _ person: (id: String, card: String), flags: [String] = [], card: String? = nil) throws -> Components.Schemas.TransactionItem {
                try Self.item(seq, kind: "qualification.submitted", [
                    "submission_id": "sub-\(seq)", "citizen_id": person.id, "card_number": card ?? person.card,
                    "card_verified": true, "pin_verified": true, "challenge": complete, "quality_flags": flags,
                    "evidence": evidence,
                ])
            }
            let bystander = try Self.json(try await kiosk.client.queryQualification(body: .json(.init(citizenId: people[2].id, cardNumber: people[2].card))))
            // Fully proved: approved by policy. A quality flag: waits for staff. A wrong card: refused.
            let batch = Components.Schemas.TransactionBatch(deviceId: kiosk.deviceID, items: [
                try submission(1, people[0]), try submission(2, people[1], flags: ["low_light"]), try submission(3, people[2], card: "Z00000000"),
                try Self.item(4, kind: "qualification.submitted", ["submission_id": "sub-4", "citizen_id": people[0].id]),
            ])
            let result = try await kiosk.connection.submit(batch)
            #expect(result.accepted == [1, 2, 3] && result.rejected.map(\.seq) == [4] && result.rejected.first?.reason == .invalidServiceItem)
            // A redelivery of the same batch queues nothing twice.
            let again = try await kiosk.connection.submit(batch)
            #expect(again.duplicates == [1, 2, 3, 4] && again.conflicts.isEmpty)

            // The stored items keep a digest of the frames, never the frames.
            let stored = try await world.sql("SELECT payload FROM transactions WHERE seq = 1")
            #expect(stored.contains("sha256") && !stored.contains(frames[0].base64EncodedString()))

            let pending = try await world.withStore { try await $0.reviews(status: .pending, limit: 10) }
            #expect(pending.count == 1 && pending[0].submissionID == "sub-2" && pending[0].facts.qualityFlags == ["low_light"])
            #expect(pending[0].maskedCitizenID == Redaction.maskCitizenID(people[1].id) && pending[0].evidenceFrames == 2)
            // Staff see the frames (decrypted with the hub's key), then reject with a reason.
            let shown = try await world.withStore { try await $0.reviewEvidence(id: pending[0].id, staff: "demo-staff", now: Date()) }
            #expect(shown == frames)
            let decided = try await world.withStore { try await $0.decideReview(id: pending[0].id, decision: .reject(reason: "照片不清晰，请到窗口办理"), staff: "demo-staff", now: Date()) }
            #expect((try? decided.get())?.status == .rejected)
            let twice = try await world.withStore { try await $0.decideReview(id: pending[0].id, decision: .approve, staff: "demo-staff", now: Date()) }
            #expect(twice == .failure(.alreadyDecided))
            let noReason = try await world.withStore { try await $0.decideReview(id: pending[0].id, decision: .reject(reason: " "), staff: "demo-staff", now: Date()) }
            #expect(noReason == .failure(.reasonRequired))

            // The kiosk hears every outcome through its updates.
            let page = try await kiosk.connection.updates(after: 0)
            let results = page.updates.filter { $0.kind == "qualification.result" }.map { $0.payload.additionalProperties.value }
            func outcomes(_ id: String) -> [String] { results.filter { $0["submission_id"] as? String == id }.compactMap { $0["outcome"] as? String } }
            #expect(outcomes("sub-1") == ["approved"] && outcomes("sub-2") == ["under_review", "rejected"] && outcomes("sub-3") == ["rejected"])
            let approved = try #require(results.first { $0["submission_id"] as? String == "sub-1" })
            let rejected = try #require(results.last { $0["submission_id"] as? String == "sub-2" })
            #expect(rejected["reason"] as? String == "照片不清晰，请到窗口办理")
            // The approval set the person's status and next due date.
            let state = try Self.json(try await kiosk.client.queryQualification(body: .json(.init(citizenId: people[0].id, cardNumber: people[0].card))))
            #expect(state.status == .passed && state.dueBy == approved["due_by"] as? String && state.lastPassed == ChinaDay.of(Date()).description)
            let rejectedState = try Self.json(try await kiosk.client.queryQualification(body: .json(.init(citizenId: people[1].id, cardNumber: people[1].card))))
            #expect(rejectedState.status != .passed && rejectedState.status != .underReview)
            // A submission with someone's ID but another card changes nothing of theirs.
            #expect(try Self.json(try await kiosk.client.queryQualification(body: .json(.init(citizenId: people[2].id, cardNumber: people[2].card)))) == bystander)

            // Retention: evidence deleted after the decision, each deletion audited.
            let deleted = try await world.withStore { try await $0.purgeEvidence(decidedBefore: Date().addingTimeInterval(60), now: Date()) }
            #expect(deleted == 3)
            #expect(try await world.withStore { try await $0.reviewEvidence(id: pending[0].id, staff: "demo-staff", now: Date()) } == nil)
            let audit = try await world.withStore { try await $0.serviceAudit(limit: 100) }
            #expect(audit.filter { $0.action == "review.evidence_deleted" && $0.actor == "retention" }.count == 3)
            #expect(audit.contains { $0.action == "review.evidence_viewed" && $0.actor == "demo-staff" })
            #expect(try await world.withStore { try await $0.reviews(status: nil, limit: 10) }.allSatisfy { !$0.evidenceAvailable && $0.evidenceDeletedAt != nil })
        } catch {
            await world.stop()
            throw error
        }
        await world.stop()
    }

    @Test(arguments: Engine.allCases)
    func concurrentBookingsForTheLastPlaceLetExactlyOneWin(engine: Engine) async throws {
        let world = try await ServiceWorld.start(engine)
        do {
            let kiosk = world.kiosk
            let hospitals = try Self.json(try await kiosk.client.listHospitals(query: .init(office: "湖滨街道"))).hospitals
            #expect(hospitals.count == 2)
            let tomorrow = ChinaDay.adding(days: 1, to: ChinaDay.of(Date()))
            let slots = try Self.json(try await kiosk.client.listHealthCheckSlots(path: .init(hospitalId: hospitals[0].id), query: .init(from: tomorrow.description, days: 14))).slots
            #expect(slots.count >= 9 && slots.allSatisfy { $0.remaining == $0.capacity && $0.date >= tomorrow.description })
            let last = slots[0], roomy = slots[1]
            try await world.execute("UPDATE health_slots SET remaining = 1 WHERE id = \(last.id)")

            let contenders = try await world.retirees(count: 24)
            let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
                for person in contenders {
                    group.addTask {
                        switch try await kiosk.client.bookHealthCheck(body: .json(.init(citizenId: person.id, cardNumber: person.card, slotId: last.id))) {
                        case .created: return "booked"
                        case .conflict(let refused): return try refused.body.json.reason
                        default: return "other"
                        }
                    }
                }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == "booked" }.count == 1)
            #expect(outcomes.filter { $0 == "slot_full" }.count == contenders.count - 1)
            #expect(try await world.sql("SELECT remaining FROM health_slots WHERE id = \(last.id)") == "0")
            #expect(try await world.sql("SELECT COUNT(*) FROM health_bookings WHERE slot_id = \(last.id) AND status = 'booked'") == "1")

            // One person pressing twice at two kiosks: one booking.
            let eager = contenders[0]
            let doubles = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        if case .created = try await kiosk.client.bookHealthCheck(body: .json(.init(citizenId: eager.id, cardNumber: eager.card, slotId: roomy.id))) { return true }
                        return false
                    }
                }
                return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
            }
            let winnerOfLast = try await world.sql("SELECT citizen_id FROM health_bookings WHERE slot_id = \(last.id) AND status = 'booked'")
            // (If the eager one already holds the last place, every try is already_booked.)
            #expect(doubles == (winnerOfLast == eager.id ? 0 : 1))

            // Cancel gives the place back; the slip's reference names the booking.
            let winner = try #require(contenders.first { $0.id == winnerOfLast })
            let eligibility = try Self.json(try await kiosk.client.queryHealthCheckEligibility(body: .json(.init(citizenId: winner.id, cardNumber: winner.card))))
            let booking = try #require(eligibility.booking)
            #expect(!eligibility.eligible && eligibility.reason == .alreadyBooked && booking.reference.hasPrefix("TJ-") && booking.date == last.date)
            guard case .notFound = try await kiosk.client.cancelHealthCheck(path: .init(reference: booking.reference), body: .json(.init(citizenId: Self.wangWu.id, cardNumber: Self.wangWu.card))) else {
                Issue.record("another person cannot cancel this booking")
                throw CancellationError()
            }
            let cancelled = try Self.json(try await kiosk.client.cancelHealthCheck(path: .init(reference: booking.reference), body: .json(.init(citizenId: winner.id, cardNumber: winner.card))))
            #expect(cancelled.status == .cancelled)
            #expect(try await world.sql("SELECT remaining FROM health_slots WHERE id = \(last.id)") == "1")
            guard case .conflict = try await kiosk.client.cancelHealthCheck(path: .init(reference: booking.reference), body: .json(.init(citizenId: winner.id, cardNumber: winner.card))) else {
                Issue.record("a second cancel must be refused")
                throw CancellationError()
            }

            // Offline bookings arrive as items: the freed place is confirmed, then the slot is full.
            let offline = Components.Schemas.TransactionBatch(deviceId: kiosk.deviceID, items: [
                try Self.item(1, kind: "booking.requested", ["request_id": "r-1", "citizen_id": contenders[1].id, "card_number": contenders[1].card, "slot_id": Int(last.id)]),
                try Self.item(2, kind: "booking.requested", ["request_id": "r-2", "citizen_id": contenders[2].id, "card_number": contenders[2].card, "slot_id": Int(last.id)]),
            ])
            let delivered = try await kiosk.connection.submit(offline)
            #expect(delivered.accepted == [1, 2])
            let bookingUpdates = try await kiosk.connection.updates(after: 0).updates.filter { $0.kind == "health_check.booking" }.map { $0.payload.additionalProperties.value }
            #expect(bookingUpdates.map { $0["outcome"] as? String } == ["confirmed", "slot_full"])
            #expect((bookingUpdates.first?["reference"] as? String)?.hasPrefix("TJ-") == true)
            #expect(try await world.sql("SELECT remaining FROM health_slots WHERE id = \(last.id)") == "0")
        } catch {
            await world.stop()
            throw error
        }
        await world.stop()
    }

    @Test(arguments: Engine.allCases)
    func ratingsAreSummarisedPerOfficeAndService(engine: Engine) async throws {
        let world = try await ServiceWorld.start(engine)
        do {
            let kiosk = world.kiosk
            var items: [Components.Schemas.TransactionItem] = []
            for (seq, level) in [5, 4, 5, 1].enumerated() {
                var payload: [String: any Sendable] = ["service": "certificate.print", "level": level]
                if level == 1 { payload["reason"] = "排队太久" }
                items.append(try Self.item(Int64(seq + 1), kind: "rating.given", payload))
            }
            items.append(try Self.item(5, kind: "rating.given", ["service": "records.query", "level": 3]))
            items.append(try Self.item(6, kind: "rating.given", ["service": "records.query", "level": 6]))
            let result = try await kiosk.connection.submit(.init(deviceId: kiosk.deviceID, items: items))
            #expect(result.accepted == [1, 2, 3, 4, 5] && result.rejected.map(\.seq) == [6])
            let summaries = try await world.withStore { try await $0.ratingSummaries(office: "湖滨街道", since: nil) }
            let certificate = try #require(summaries.first { $0.service == "certificate.print" })
            #expect(certificate.count == 4 && certificate.average == 3.75 && certificate.levels == [1, 0, 0, 1, 2] && certificate.recentReasons == ["排队太久"])
            #expect(summaries.first { $0.service == "records.query" }?.count == 1)
            #expect(try await world.withStore { try await $0.ratingSummaries(office: "清波街道", since: nil) }.isEmpty)
            // The JSON the dashboard serves.
            let json = String(decoding: try JSONEncoder().encode(certificate), as: UTF8.self)
            #expect(json.contains("\"recent_reasons\"") && json.contains("\"office\":\"湖滨街道\""))
        } catch {
            await world.stop()
            throw error
        }
        await world.stop()
    }

    @Test func seedDemoFillsOnceWithValidIDsAndTheDemoCardHolders() async throws {
        let directory = try TestEnvironment.temporaryDirectory("seed")
        let database = "\(directory)/hub.sqlite"
        let arguments = ["seed-demo", "--database", database, "--people", "2000", "--cards", "\(TestEnvironment.repositoryRoot)/assets/cards"]
        try await TestEnvironment.run(TestEnvironment.executable("zizhu-hub"), arguments)
        let refusal = try await TestEnvironment.runExpectingFailure(TestEnvironment.executable("zizhu-hub"), arguments)
        #expect(refusal.contains("already holds 2007 people"))
        let sqlite3 = try TestEnvironment.requireProgram("/usr/bin/sqlite3", package: "sqlite3")
        let ids = try await TestEnvironment.run(sqlite3, [database, "SELECT citizen_id FROM people"]).split(separator: "\n").map(String.init)
        #expect(ids.count == 2007 && Set(ids).count == 2007)
        #expect(ids.allSatisfy { (try? CitizenID($0)) != nil })
        for card in ["zhang-san-3.0", "li-si-2.0", "expired-2.0", "ouyang-rare-3.0", "long-name-3.0", "blocked-pin", "chained-t0-3.0"] {
            let profile = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(TestEnvironment.repositoryRoot)/assets/cards/\(card).json"))) as! [String: Any]
            let row = try await TestEnvironment.run(sqlite3, [database, "SELECT name || '|' || card_number FROM people WHERE citizen_id = '\(profile["citizen_id"] as! String)'"])
            #expect(row.trimmingCharacters(in: .whitespacesAndNewlines) == "\(profile["name"] as! String)|\(profile["card_number"] as! String)")
        }
        let types = try await TestEnvironment.run(sqlite3, [database, "SELECT DISTINCT insurance_type FROM insurance_periods ORDER BY 1"])
        #expect(types.split(separator: "\n") == ["110", "170", "210", "310", "410", "510"])
        #expect(try await TestEnvironment.run(sqlite3, [database, "SELECT COUNT(*) FROM insurance_periods WHERE months < 1 OR months > 12 * 60"]).hasPrefix("0"))
    }

    // MARK: Helpers

    static func json<T>(_ output: some ResponseWithJSON<T>) throws -> T { try output.okJSON() }

    static func item(_ seq: Int64, kind: String, _ payload: [String: any Sendable]) throws -> Components.Schemas.TransactionItem {
        .init(seq: seq, wallTime: Batches.journalStart.addingTimeInterval(Double(seq)), bootId: Batches.bootID, monotonicNs: seq * 1_000_000, kind: kind,
              payload: .init(additionalProperties: try OpenAPIObjectContainer(unvalidatedValue: payload)))
    }
}

/// A hub over a private database seeded by `zizhu-hub seed-demo`, with one enrolled kiosk of 湖滨街道.
struct ServiceWorld: Sendable {
    let fixture: HubFixture
    let kiosk: Kiosk

    struct Kiosk: Sendable {
        let connection: HubConnection
        let deviceID: String
        var client: Client { connection.client }
    }

    static func start(_ engine: Engine) async throws -> ServiceWorld {
        let fixture = try await HubFixture.start(engine)
        do {
            try await TestEnvironment.run(TestEnvironment.executable("zizhu-hub"), [
                "seed-demo", "--database", fixture.database, "--people", "400", "--cards", "\(TestEnvironment.repositoryRoot)/assets/cards",
            ])
            let key = KioskKey()
            let code = try await fixture.enrollmentCode(office: "湖滨街道")
            let enrollment = try await HubConnection(baseURL: fixture.hub.url).enroll(code: code, key: key)
            // Generous: these tests run beside other helpers' builds.
            let connection = try HubConnection(baseURL: fixture.hub.url, timeout: .seconds(60), signer: KioskSigningMiddleware(key: key, deviceID: enrollment.deviceId))
            return ServiceWorld(fixture: fixture, kiosk: Kiosk(connection: connection, deviceID: enrollment.deviceId))
        } catch {
            await fixture.stop()
            throw error
        }
    }

    func stop() async { await fixture.stop() }

    /// The store as the dashboard uses it, with the hub's evidence key.
    func withStore<T: Sendable>(_ body: @Sendable (any HubStore) async throws -> T) async throws -> T {
        let key = try EvidenceKey.loadOrCreate(path: "\(fixture.hub.directory)/evidence.key")
        return try await HubDatabase(location: fixture.database).withStore(logger: Logger(label: "test"), evidenceKey: key, body)
    }

    func execute(_ sql: String) async throws { try await fixture.execute(sql) }

    /// One value (or rows joined by newlines) straight from the database.
    func sql(_ query: String) async throws -> String {
        let output: String
        switch fixture.engine {
        case .postgres:
            output = try await fixture.postgres!.psql(query)
        case .sqlite:
            output = try await TestEnvironment.run(try TestEnvironment.requireProgram("/usr/bin/sqlite3", package: "sqlite3"), [fixture.database, query])
        }
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Retirees of the seeded population made due for a health check (no check on record).
    func retirees(count: Int) async throws -> [(id: String, card: String)] {
        let rows = try await sql("SELECT citizen_id || ',' || card_number FROM people WHERE retired = \(fixture.engine == .sqlite ? "1" : "true") AND citizen_id <> '370202195803062513' ORDER BY citizen_id LIMIT \(count)")
        let people = rows.split(separator: "\n").map { line -> (id: String, card: String) in
            let parts = line.split(separator: ",")
            return (String(parts[0]), String(parts[1]))
        }
        try await execute("UPDATE people SET health_last_check = NULL WHERE retired = \(fixture.engine == .sqlite ? "1" : "true")")
        guard people.count == count else { throw TestEnvironmentError.missing(what: "\(count) retirees in the seeded population", remedy: "seed more people") }
        return people
    }
}

/// The generated outputs' `.ok` / `.created` JSON bodies, or a thrown description of the status.
protocol ResponseWithJSON<Body> {
    associatedtype Body
    func okJSON() throws -> Body
}

struct UnexpectedResponse: Error, CustomStringConvertible {
    let description: String
}

extension Operations.QueryInsuranceRecords.Output: ResponseWithJSON {
    func okJSON() throws -> Components.Schemas.InsuranceRecords {
        guard case .ok(let ok) = self else { throw UnexpectedResponse(description: "\(self)") }
        return try ok.body.json
    }
}

extension Operations.QueryQualification.Output: ResponseWithJSON {
    func okJSON() throws -> Components.Schemas.QualificationState {
        guard case .ok(let ok) = self else { throw UnexpectedResponse(description: "\(self)") }
        return try ok.body.json
    }
}

extension Operations.QueryHealthCheckEligibility.Output: ResponseWithJSON {
    func okJSON() throws -> Components.Schemas.HealthCheckEligibility {
        guard case .ok(let ok) = self else { throw UnexpectedResponse(description: "\(self)") }
        return try ok.body.json
    }
}

extension Operations.ListHospitals.Output: ResponseWithJSON {
    func okJSON() throws -> Components.Schemas.HospitalList {
        guard case .ok(let ok) = self else { throw UnexpectedResponse(description: "\(self)") }
        return try ok.body.json
    }
}

extension Operations.ListHealthCheckSlots.Output: ResponseWithJSON {
    func okJSON() throws -> Components.Schemas.SlotList {
        guard case .ok(let ok) = self else { throw UnexpectedResponse(description: "\(self)") }
        return try ok.body.json
    }
}

extension Operations.CancelHealthCheck.Output: ResponseWithJSON {
    func okJSON() throws -> Components.Schemas.HealthCheckBooking {
        guard case .ok(let ok) = self else { throw UnexpectedResponse(description: "\(self)") }
        return try ok.body.json
    }
}
