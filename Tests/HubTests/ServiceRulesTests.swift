import Foundation
@testable import HubStore
import KioskCore
import TestSupport
import Testing

/// The services' pure decisions: the qualification window, health-check eligibility, the
/// automatic review policy, the service-item parser (fuzzed) and the demo population.
struct ServiceRulesTests {
    @Test func theQualificationWindowRunsFromTheBirthdayMonthToTheMonthBefore() {
        let march = QualificationCycle.window(containing: CalendarDate(year: 2026, month: 12, day: 1), birthMonth: 3)
        #expect(march.opens == CalendarDate(year: 2026, month: 3, day: 1) && march.dueBy == CalendarDate(year: 2027, month: 2, day: 28))
        let early = QualificationCycle.window(containing: CalendarDate(year: 2027, month: 2, day: 28), birthMonth: 3)
        #expect(early.opens == CalendarDate(year: 2026, month: 3, day: 1))
        // January birthdays: the window is the calendar year.
        let january = QualificationCycle.window(containing: CalendarDate(year: 2026, month: 6, day: 1), birthMonth: 1)
        #expect(january.opens == CalendarDate(year: 2026, month: 1, day: 1) && january.dueBy == CalendarDate(year: 2026, month: 12, day: 31))
        // Passing in a window makes the next one the obligation (leap February included).
        let next = QualificationCycle.afterPassing(on: CalendarDate(year: 2026, month: 12, day: 1), birthMonth: 3)
        #expect(next.opens == CalendarDate(year: 2027, month: 3, day: 1) && next.dueBy == CalendarDate(year: 2028, month: 2, day: 29))
    }

    @Test func theStoredStatusAgesIntoDueAndSuspended() {
        let opens = CalendarDate(year: 2027, month: 3, day: 1), due = CalendarDate(year: 2028, month: 2, day: 29)
        #expect(QualificationCycle.effective(stored: .passed, windowOpens: opens, dueBy: due, today: CalendarDate(year: 2027, month: 2, day: 1)) == .passed)
        #expect(QualificationCycle.effective(stored: .passed, windowOpens: opens, dueBy: due, today: CalendarDate(year: 2027, month: 3, day: 1)) == .due)
        #expect(QualificationCycle.effective(stored: .due, windowOpens: opens, dueBy: due, today: CalendarDate(year: 2028, month: 3, day: 1)) == .suspended)
        #expect(QualificationCycle.effective(stored: .underReview, windowOpens: opens, dueBy: due, today: CalendarDate(year: 2030, month: 1, day: 1)) == .underReview)
    }

    @Test func retireesOver65CheckYearlyYoungerOnesEveryTwoYears() {
        let today = CalendarDate(year: 2026, month: 12, day: 1)
        let old = CalendarDate(year: 1958, month: 3, day: 6), young = CalendarDate(year: 1964, month: 1, day: 1)
        #expect(HealthCheckRule.decide(retired: true, birthDate: old, lastCheck: CalendarDate(year: 2025, month: 6, day: 1), hasBooking: false, today: today) == (true, .eligible))
        #expect(HealthCheckRule.decide(retired: true, birthDate: young, lastCheck: CalendarDate(year: 2025, month: 6, day: 1), hasBooking: false, today: today) == (false, .checkedRecently))
        #expect(HealthCheckRule.decide(retired: true, birthDate: young, lastCheck: CalendarDate(year: 2024, month: 6, day: 1), hasBooking: false, today: today) == (true, .eligible))
        #expect(HealthCheckRule.decide(retired: false, birthDate: young, lastCheck: nil, hasBooking: false, today: today) == (false, .notRetired))
        #expect(HealthCheckRule.decide(retired: true, birthDate: old, lastCheck: nil, hasBooking: true, today: today) == (false, .alreadyBooked))
    }

    @Test func onlyAFullyProvedSubmissionIsApprovedWithoutStaff() {
        let proved = SubmissionFacts(cardVerified: true, pinVerified: true, challengeComplete: true,
                                     challengeSteps: [.init(action: "blink", passed: true, elapsedMs: 900)], qualityFlags: [])
        #expect(QualificationPolicy().approvesAutomatically(proved))
        #expect(!QualificationPolicy(autoApprove: false).approvesAutomatically(proved))
        var flagged = proved
        flagged.qualityFlags = ["blur"]
        var failedStep = proved
        failedStep.challengeSteps[0].passed = false
        var noPIN = proved
        noPIN.pinVerified = false
        var noSteps = proved
        noSteps.challengeSteps = []
        for facts in [flagged, failedStep, noPIN, noSteps] { #expect(!QualificationPolicy().approvesAutomatically(facts)) }
    }

    @Test func chinaDaysRoundTripThroughEpochDays() {
        var random = SeededGenerator(seed: 7)
        for _ in 0..<2_000 {
            let days = Int.random(in: -30_000...60_000, using: &random)
            #expect(ChinaDay.epochDay(ChinaDay.fromEpochDay(days)) == days)
        }
        #expect(ChinaDay.fromEpochDay(0) == CalendarDate(year: 1970, month: 1, day: 1))
        // 2026-11-30 16:00 UTC is already 1 December in Beijing.
        #expect(ChinaDay.of(Date(timeIntervalSince1970: 1_796_054_400)) == CalendarDate(year: 2026, month: 12, day: 1))
        #expect(ChinaDay.parse("2026-02-29") == nil && ChinaDay.parse("2026-2-01") == nil && ChinaDay.parse("2028-02-29") != nil)
    }

    /// Deterministic fuzz: mutated and random payloads never crash the parser; whatever it
    /// accepts is well formed.
    @Test func theServiceItemParserSurvivesMutatedPayloads() {
        let valid = [
            (ServiceItem.ratingKind, #"{"service":"certificate.print","level":4,"reason":"快"}"#),
            (ServiceItem.bookingKind, #"{"request_id":"r-1","citizen_id":"370202195803062513","card_number":"E56789012","slot_id":12}"#),
            (ServiceItem.qualificationKind, #"{"submission_id":"s","citizen_id":"370202195803062513","card_number":"E56789012","card_verified":true,"pin_verified":true,"challenge":{"complete":true,"steps":[{"action":"blink","passed":true}]},"quality_flags":[],"evidence":{"format":"jpeg","frames":["/9j/2Q=="]}}"#),
        ]
        for (kind, json) in valid {
            guard case .item = ServiceItem.read(kind: kind, payloadJSON: json) else {
                Issue.record("\(kind) sample should parse")
                continue
            }
        }
        #expect(ServiceItem.read(kind: "certificate.printed", payloadJSON: "{}") == .notService)
        var random = SeededGenerator(seed: 2026)
        let alphabet = Array(#"{}[]":,0123456789-.truefalsnl xyzé"#.utf8)
        for round in 0..<6_000 {
            let (kind, json) = valid[round % valid.count]
            var bytes = Array(json.utf8)
            for _ in 0..<Int.random(in: 1...6, using: &random) {
                switch Int.random(in: 0..<3, using: &random) {
                case 0 where !bytes.isEmpty: bytes[Int.random(in: 0..<bytes.count, using: &random)] = alphabet.randomElement(using: &random)!
                case 1 where !bytes.isEmpty: bytes.remove(at: Int.random(in: 0..<bytes.count, using: &random))
                default: bytes.insert(alphabet.randomElement(using: &random)!, at: Int.random(in: 0...bytes.count, using: &random))
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            switch ServiceItem.read(kind: kind, payloadJSON: text) {
            case .item(.ratingGiven(let rating)): #expect((1...5).contains(rating.level) && (rating.reason?.count ?? 0) <= 200)
            case .item(.bookingRequested(let request)): #expect(request.slotID > 0 && (try? CitizenID(request.card.citizenID)) != nil)
            case .item(.qualificationSubmitted(let submission)): #expect(submission.frames.allSatisfy { $0.starts(with: [0xFF, 0xD8]) })
            case .invalid, .notService: break
            }
            // Stripping never fails either, and never keeps frames.
            let stripped = ServiceItem.strippingEvidence(text)
            #expect(!stripped.contains("/9j/2Q==") || stripped == text)
        }
    }

    @Test func theDemoPopulationIsDeterministicUniqueAndValid() {
        let today = CalendarDate(year: 2026, month: 12, day: 1)
        let population = DemoPopulation(seed: 99, today: today)
        let people = (0..<20_000).map(population.person(at:))
        #expect(people == (0..<20_000).map(DemoPopulation(seed: 99, today: today).person(at:)))
        #expect(Set(people.map(\.citizenID)).count == people.count && Set(people.map(\.cardNumber)).count == people.count)
        #expect(people.allSatisfy { (try? CitizenID($0.citizenID)) != nil })
        #expect(people.allSatisfy { person in
            let id = try! CitizenID(person.citizenID)
            return id.birthDate.description == person.birthDate && (id.sex == .male) == (person.sex == "1")
        })
        // Periods never run past today, and months never exceed the span.
        let nowMonth = today.year * 100 + today.month
        for period in people.flatMap(\.periods) {
            #expect(period.fromMonth <= (period.throughMonth ?? nowMonth) && (period.throughMonth ?? nowMonth) <= nowMonth)
            let through = period.throughMonth ?? nowMonth
            let span = (through / 100 - period.fromMonth / 100) * 12 + through % 100 - period.fromMonth % 100 + 1
            #expect(period.months >= 1 && period.months <= span)
        }
        let retired = people.filter(\.retired)
        #expect(Set(retired.map(\.qualificationStatus)) == ["passed", "due", "suspended"])
        #expect(people.filter { !$0.retired }.allSatisfy { $0.qualificationStatus == "not_applicable" })
        // Another seed, another population.
        #expect(DemoPopulation(seed: 100, today: today).person(at: 5).name != population.person(at: 5).name
                || DemoPopulation(seed: 100, today: today).person(at: 5).office != population.person(at: 5).office)
    }

    @Test func evidenceSealsAndOpensOnlyWithTheKeyAndItsSubmission() throws {
        let key = try EvidenceKey(rawBytes: Data(repeating: 7, count: 32))
        let frames = [Data([0xFF, 0xD8, 1, 2]), Data([0xFF, 0xD8, 3])]
        let sealed = try key.seal(frames, submissionID: "s-1")
        #expect(try key.open(sealed, submissionID: "s-1") == frames)
        #expect(throws: HubStoreError.self) { try key.open(sealed, submissionID: "s-2") }
        #expect(throws: HubStoreError.self) { try EvidenceKey(rawBytes: Data(repeating: 8, count: 32)).open(sealed, submissionID: "s-1") }
        #expect(throws: HubStoreError.self) { try EvidenceKey(rawBytes: Data(count: 16)) }
    }
}
