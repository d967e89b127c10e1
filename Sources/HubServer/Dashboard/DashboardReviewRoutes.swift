import Foundation
import HTTPTypes
import HubStore
import Hummingbird
import NIOCore

/// The qualification review queue for staff: the list, one submission with its evidence, the
/// decision form, and per-office rating summaries.
///
/// Evidence frames are decrypted by the store only for a logged-in session, served as
/// `image/jpeg` with `Cache-Control: no-store`, and every viewing is audited (here and in the
/// store's service audit).
extension DashboardRoutes {
    func registerReviewRoutes(on router: Router<HubRequestContext>) {
        router.get("/staff/review") { request, context in await reviewList(request, context) }
        router.get("/staff/review/:id") { request, context in await reviewDetail(request, context) }
        router.get("/staff/review/:id/evidence/:frame") { request, context in await reviewEvidence(request, context) }
        router.post("/staff/review/:id/decision") { request, context in await reviewDecision(request, context) }
        router.get("/staff/ratings") { request, context in await ratings(request, context) }
    }

    static let statusNames: [ReviewStatus: String] = [.pending: "待审核", .approved: "已通过", .rejected: "未通过", .homeVisit: "上门核实"]

    func reviewList(_ request: Request, _ context: HubRequestContext) async -> Response {
        let authentication = await authenticate(request, context, action: "review.list")
        guard case .staff(let session, _) = authentication else { return authentication.refusal }
        let status = request.uri.queryParameters["status"].flatMap { ReviewStatus(rawValue: String($0)) } ?? .pending
        let reviews: [QualificationReview]
        let offices: [String: String]
        do {
            reviews = try await store.reviews(status: status, limit: 500)
            offices = Dictionary(try await store.kiosks().map { ($0.deviceID, $0.office) }, uniquingKeysWith: { first, _ in first })
        } catch {
            return unavailable(error)
        }
        await audit(session.username, "review.list", outcome: .success, context, detail: "status=\(status.rawValue)")
        var values = FleetPage.chrome(title: "资格认证审核", session: session, nav: "navReview")
        values["statusName"] = Self.statusNames[status] ?? status.rawValue
        values["statuses"] = ReviewStatus.allCases.map { ["value": $0.rawValue, "name": Self.statusNames[$0] ?? $0.rawValue, "current": $0 == status] as [String: Any] }
        values["hasReviews"] = !reviews.isEmpty
        values["reviews"] = reviews.map { review -> [String: Any] in
            [
                "id": review.id, "submittedAt": FleetPage.time(review.submittedAt), "citizen": review.maskedCitizenID,
                "kiosk": String(review.deviceID.prefix(8)), "office": offices[review.deviceID] ?? "",
                "checks": Self.checks(review.facts), "flags": review.facts.qualityFlags.joined(separator: "，"),
                "status": Self.statusNames[review.status] ?? review.status.rawValue,
            ]
        }
        if let decided = request.uri.queryParameters["decided"] { values["notice"] = "第 \(decided) 号已处理。" }
        return page(.ok, "reviews", values)
    }

    static func checks(_ facts: SubmissionFacts) -> String {
        [facts.cardVerified ? "卡已核验" : "卡未核验", facts.pinVerified ? "密码已核验" : "密码未核验",
         facts.challengeComplete ? "动作全部完成" : "动作未完成"].joined(separator: "，")
    }

    func reviewDetail(_ request: Request, _ context: HubRequestContext) async -> Response {
        let authentication = await authenticate(request, context, action: "review.view")
        guard case .staff(let session, _) = authentication else { return authentication.refusal }
        guard let id = context.parameters.get("id", as: Int64.self) else { return notFound(session) }
        let review: QualificationReview?
        let kiosk: KioskRecord?
        do {
            review = try await store.review(id: id)
            if let review { kiosk = try await store.kiosk(deviceID: review.deviceID) } else { kiosk = nil }
        } catch {
            return unavailable(error)
        }
        guard let review else { return notFound(session) }
        await audit(session.username, "review.view", target: "review \(id)", outcome: .success, context)
        var values = FleetPage.chrome(title: "审核 第 \(id) 号", session: session, nav: "navReview")
        values["id"] = id
        values["citizen"] = review.maskedCitizenID
        values["submittedAt"] = FleetPage.time(review.submittedAt)
        values["kiosk"] = String(review.deviceID.prefix(8))
        values["office"] = kiosk?.office ?? ""
        values["checks"] = Self.checks(review.facts)
        values["flags"] = review.facts.qualityFlags.isEmpty ? "无" : review.facts.qualityFlags.joined(separator: "，")
        values["steps"] = review.facts.challengeSteps.map { step -> [String: Any] in
            ["action": Self.actionNames[step.action] ?? step.action, "result": step.passed ? "完成" : "未完成", "tone": step.passed ? "ok" : "bad",
             "elapsed": step.elapsedMs.map { String(format: "%.1f 秒", Double($0) / 1000) } ?? ""]
        }
        values["status"] = Self.statusNames[review.status] ?? review.status.rawValue
        values["pending"] = review.status == .pending
        values["decidedBy"] = review.decidedBy ?? ""
        values["decidedAt"] = review.decidedAt.map(FleetPage.time) ?? ""
        values["reason"] = review.reason ?? ""
        values["frames"] = review.evidenceAvailable ? (0..<review.evidenceFrames).map { ["url": "/staff/review/\(id)/evidence/\($0)", "number": $0 + 1] } : []
        values["evidenceGone"] = !review.evidenceAvailable
        values["csrf"] = session.csrfToken
        if let refused = request.uri.queryParameters["refused"] {
            values["message"] = refused == "reason_required" ? "不通过时必须填写原因（终端会把原因告诉办事人）。" : "这一条已经处理过了。"
        }
        return page(.ok, "review", values)
    }

    static let actionNames = ["blink": "眨眼", "turn_left": "向左转头", "turn_right": "向右转头", "open_mouth": "张嘴", "move_closer": "靠近屏幕",
                              "nod": "点头"]

    func reviewEvidence(_ request: Request, _ context: HubRequestContext) async -> Response {
        let authentication = await authenticate(request, context, action: "review.evidence")
        guard case .staff(let session, _) = authentication else { return authentication.refusal }
        guard let id = context.parameters.get("id", as: Int64.self), let frame = context.parameters.get("frame", as: Int.self) else {
            return notFound(session)
        }
        let frames: [Data]?
        do {
            frames = try await store.reviewEvidence(id: id, staff: session.username, now: Date())
        } catch {
            return unavailable(error)
        }
        guard let frames, frames.indices.contains(frame) else {
            await audit(session.username, "review.evidence", target: "review \(id) frame \(frame)", outcome: .failure, context, detail: "no such frame")
            return notFound(session)
        }
        await audit(session.username, "review.evidence", target: "review \(id) frame \(frame)", outcome: .success, context)
        var headers = HTTPFields()
        headers[.contentType] = "image/jpeg"
        // Face evidence must not stay in a shared office browser's cache or a proxy.
        headers[.cacheControl] = "no-store, private"
        headers[HTTPField.Name("Pragma")!] = "no-cache"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[.contentDisposition] = "inline"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: frames[frame])))
    }

    func reviewDecision(_ request: Request, _ context: HubRequestContext) async -> Response {
        let authentication = await authenticate(request, context, action: "review.decide")
        guard case .staff(let session, _) = authentication else { return authentication.refusal }
        let form = await DashboardHTTP.form(request)
        guard csrfHolds(form, session) else { return await csrfRefused(session, context, action: "review.decide") }
        guard let id = context.parameters.get("id", as: Int64.self) else { return notFound(session) }
        let decision: ReviewDecision
        let reason = (form?["reason"] ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        switch form?["decision"] {
        case "approve": decision = .approve
        case "reject": decision = .reject(reason: String(reason.prefix(200)))
        case "home_visit": decision = .homeVisit(note: reason.isEmpty ? nil : String(reason.prefix(200)))
        default:
            await audit(session.username, "review.decide", target: "review \(id)", outcome: .refused, context, detail: "no decision chosen")
            return DashboardHTTP.redirect("/staff/review/\(id)")
        }
        let outcome: Result<QualificationReview, ReviewDecisionRefusal>
        do {
            outcome = try await store.decideReview(id: id, decision: decision, staff: session.username, now: Date())
        } catch {
            return unavailable(error)
        }
        let decisionName = form?["decision"] ?? ""
        switch outcome {
        case .success:
            await audit(session.username, "review.decide", target: "review \(id)", outcome: .success, context, detail: decisionName)
            return DashboardHTTP.redirect("/staff/review?decided=\(id)")
        case .failure(let refusal):
            await audit(session.username, "review.decide", target: "review \(id)", outcome: .refused, context, detail: "\(decisionName): \(refusal.rawValue)")
            if refusal == .unknownReview { return notFound(session) }
            return DashboardHTTP.redirect("/staff/review/\(id)?refused=\(refusal.rawValue)")
        }
    }

    func ratings(_ request: Request, _ context: HubRequestContext) async -> Response {
        let authentication = await authenticate(request, context, action: "ratings.view")
        guard case .staff(let session, _) = authentication else { return authentication.refusal }
        let requested = request.uri.queryParameters["office"].map(String.init)?.trimmingCharacters(in: .whitespaces)
        let office = (requested?.isEmpty ?? true) ? nil : requested
        let since = Date().addingTimeInterval(-30 * 86_400)
        let summaries: [RatingSummary]
        let all: [RatingSummary]
        do {
            summaries = try await store.ratingSummaries(office: office, since: since)
            all = office == nil ? summaries : try await store.ratingSummaries(office: nil, since: since)
        } catch {
            return unavailable(error)
        }
        await audit(session.username, "ratings.view", outcome: .success, context, detail: office.map { "office=\($0)" })
        var values = FleetPage.chrome(title: "好差评", session: session, nav: "navRatings")
        // Absent rather than empty: Mustache renders a section for an empty string.
        if let office { values["officeName"] = office }
        values["offices"] = Set(all.map(\.office)).sorted().map { ["name": $0, "selected": $0 == office] as [String: Any] }
        values["hasSummaries"] = !summaries.isEmpty
        values["summaries"] = summaries.map { summary -> [String: Any] in
            let poor = summary.levels.prefix(2).reduce(0, +)
            return [
                "office": summary.office, "service": FleetView.serviceName(summary.service), "count": summary.count,
                "average": String(format: "%.2f", summary.average),
                "levels": summary.levels.enumerated().map { "\($0.offset + 1)分 \($0.element)" }.joined(separator: "，"),
                "poor": poor, "poorTone": poor > 0 ? "bad" : "ok",
                "reasons": summary.recentReasons.joined(separator: "；"),
            ]
        }
        return page(.ok, "ratings", values)
    }

    private func notFound(_ session: StaffSession) -> Response {
        var values = FleetPage.chrome(title: "没有找到", session: session, nav: "navReview")
        values["heading"] = "没有找到"
        values["message"] = "没有这一条审核记录，可能已被删除。"
        values["link"] = "/staff/review"
        values["linkText"] = "回到审核列表"
        return page(.notFound, "message", values)
    }
}
