import Foundation
import HubAPI
import HubClient
import HubStore
import NIOHTTP1
import OpenAPIRuntime
import TestSupport
import Testing

/// The review queue as staff use it over real HTTP, on both engines: the list with masked IDs,
/// evidence only for a session and never cached, decisions only with the form's CSRF token,
/// the decision reaching the kiosk, and ratings per office.
@Suite(.timeLimit(.minutes(5)))
struct DashboardReviewTests {
    @Test(arguments: Engine.allCases)
    func staffSeeEvidenceAndDecideOnlyThroughTheirSession(engine: Engine) async throws {
        let world = try await ServiceWorld.start(engine)
        do {
            let person = try #require(try await world.retirees(count: 1).first)
            let frames = [Data([0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 0xFF, 0xD9]), Data([0xFF, 0xD8, 0xFF, 0xDB, 9, 8, 7, 0xFF, 0xD9])]
            let submission = try ServiceDataTests.item(1, kind: "qualification.submitted", [
                "submission_id": "sub-1", "citizen_id": person.id, "card_number": person.card,
                "card_verified": true, "pin_verified": true, "quality_flags": ["low_light"],
                "challenge": ["complete": true, "steps": [["action": "blink", "passed": true, "elapsed_ms": 1200],
                                                          ["action": "move_closer", "passed": true, "elapsed_ms": 900]] as [[String: any Sendable]]] as [String: any Sendable],
                "evidence": ["format": "jpeg", "frames": frames.map { $0.base64EncodedString() }] as [String: any Sendable],
            ])
            #expect(try await world.kiosk.connection.submit(.init(deviceId: world.kiosk.deviceID, items: [submission])).accepted == [1])
            let review = try #require(try await world.withStore { try await $0.reviews(status: .pending, limit: 10) }.first)

            try await world.fixture.addStaff("zhouyan", name: "周燕")
            let browser = StaffBrowser(baseURL: world.fixture.hub.url)
            #expect(try await browser.login("zhouyan", HubFixture.staffPassword).status == 303)

            let list = try await browser.get("/staff/review")
            #expect(list.status == 200 && list.body.contains("第 \(review.id) 号") && list.body.contains(review.maskedCitizenID))
            #expect(list.body.contains("low_light") && !list.body.contains(person.id))

            let detail = try await browser.get("/staff/review/\(review.id)")
            #expect(detail.status == 200 && detail.body.contains("/staff/review/\(review.id)/evidence/1") && detail.body.contains("眨眼")
                    && detail.body.contains("靠近屏幕"))
            #expect(!detail.body.contains(person.id))
            let csrf = try #require(detail.csrfField)

            let evidence = try await browser.get("/staff/review/\(review.id)/evidence/0")
            #expect(evidence.status == 200 && evidence.headers.first(name: "Content-Type") == "image/jpeg")
            #expect(evidence.headers.first(name: "Cache-Control")?.contains("no-store") == true)
            #expect(evidence.data == frames[0])
            #expect(try await browser.get("/staff/review/\(review.id)/evidence/2").status == 404)
            // Without a session the evidence is not served, only a way to the login page.
            let stranger = try await StaffBrowser(baseURL: world.fixture.hub.url).get("/staff/review/\(review.id)/evidence/0")
            #expect(stranger.status == 303 && stranger.location == "/staff/login" && stranger.headers.first(name: "Content-Type") != "image/jpeg")

            // A decision without the form's token, or with another session's, changes nothing.
            #expect(try await browser.post("/staff/review/\(review.id)/decision", form: [("decision", "approve")]).status == 403)
            #expect(try await browser.post("/staff/review/\(review.id)/decision", form: [("decision", "approve"), ("csrf", "x" + csrf)]).status == 403)
            #expect(try await world.withStore { try await $0.review(id: review.id) }?.status == .pending)

            // Rejecting needs a reason (the kiosk tells the citizen why).
            let noReason = try await browser.post("/staff/review/\(review.id)/decision", form: [("csrf", csrf), ("decision", "reject"), ("reason", " ")])
            #expect(noReason.status == 303 && noReason.location == "/staff/review/\(review.id)?refused=reason_required")
            #expect(try await world.withStore { try await $0.review(id: review.id) }?.status == .pending)

            let rejected = try await browser.post("/staff/review/\(review.id)/decision",
                                                  form: [("csrf", csrf), ("decision", "reject"), ("reason", "照片太暗，请到窗口办理")])
            #expect(rejected.status == 303 && rejected.location == "/staff/review?decided=\(review.id)")
            let decided = try #require(try await world.withStore { try await $0.review(id: review.id) })
            #expect(decided.status == .rejected && decided.decidedBy == "zhouyan" && decided.reason == "照片太暗，请到窗口办理")
            #expect(try await browser.get("/staff/review?status=rejected").body.contains("第 \(review.id) 号"))

            // The kiosk hears the decision with its reason.
            let updates = try await world.kiosk.connection.updates(after: 0).updates.filter { $0.kind == "qualification.result" }
            #expect(updates.contains { $0.payload.additionalProperties.value["reason"] as? String == "照片太暗，请到窗口办理" })

            let audit = try await world.fixture.withStore { try await $0.staffAudit(limit: 50) }.reversed().map { "\($0.action) \($0.outcome.rawValue)" }
            #expect(audit.contains("review.evidence success") && audit.contains("review.decide success"))
            #expect(audit.filter { $0 == "review.decide refused" }.count == 3)
        } catch {
            await world.stop()
            throw error
        }
        await world.stop()
    }

    @Test(arguments: Engine.allCases)
    func ratingsAreSummarisedPerOffice(engine: Engine) async throws {
        let world = try await ServiceWorld.start(engine)
        do {
            let items = try (1...4).map { seq in
                try ServiceDataTests.item(Int64(seq), kind: "rating.given",
                                          seq == 4 ? ["service": "print-certificate", "level": 1, "reason": "排队太久"] : ["service": "print-certificate", "level": 5])
            }
            _ = try await world.kiosk.connection.submit(.init(deviceId: world.kiosk.deviceID, items: items))
            try await world.fixture.addStaff("zhouyan", name: "周燕")
            let browser = StaffBrowser(baseURL: world.fixture.hub.url)
            #expect(try await browser.login("zhouyan", HubFixture.staffPassword).status == 303)
            let page = try await browser.get("/staff/ratings")
            #expect(page.status == 200 && page.body.contains("湖滨街道") && page.body.contains("参保证明") && page.body.contains("排队太久"))
            let summaries = try await world.withStore { try await $0.ratingSummaries(office: nil, since: nil) }
            for summary in summaries {
                #expect(page.body.contains(String(format: "%.2f", summary.average)))
            }
        } catch {
            await world.stop()
            throw error
        }
        await world.stop()
    }
}
