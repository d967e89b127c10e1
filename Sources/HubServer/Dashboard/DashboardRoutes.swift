import Foundation
import HTTPTypes
import HubStore
import Hummingbird
import Logging
import NIOCore

/// The staff dashboard under `/staff`: login, logout, the fleet, the audit trail.
///
/// Sessions are server-side rows keyed by the hash of a random cookie token (HttpOnly,
/// SameSite=Strict, Secure under TLS) and end after idle and absolute limits. Every POST carries
/// the session's synchronizer token (the login form: a double-submit token) and is refused with
/// 403 without it. Every staff action, refused or not, is written to the staff audit trail.
struct DashboardRoutes: Sendable {
    let store: any HubStore
    let settings: DashboardSettings
    let secureCookies: Bool
    let logger: Logger
    let loginLimiter: TokenBuckets

    init(store: any HubStore, settings: DashboardSettings, secureCookies: Bool, logger: Logger) {
        self.store = store
        self.settings = settings
        self.secureCookies = secureCookies
        self.logger = logger
        self.loginLimiter = TokenBuckets(burst: settings.loginBurst, perMinute: settings.loginPerMinute)
    }

    func register(on router: Router<HubRequestContext>) {
        router.get("/staff") { _, _ in DashboardHTTP.redirect("/staff/fleet") }
        router.get("/staff/login") { request, context in await loginPage(request, context) }
        router.post("/staff/login") { request, context in await login(request, context) }
        router.post("/staff/logout") { request, context in await logout(request, context) }
        router.get("/staff/fleet") { request, context in await fleet(request, context) }
        router.get("/staff/audit") { request, context in await auditPage(request, context) }
        registerReviewRoutes(on: router)
    }

    // MARK: Sessions

    /// A request's staff session, or the response to send instead (to the login page for a GET;
    /// 403 for a POST, whose form cannot be replayed after logging in anyway).
    enum Authentication {
        case staff(StaffSession, tokenHash: String)
        case refuse(Response)
    }

    func authenticate(_ request: Request, _ context: HubRequestContext, action: String) async -> Authentication {
        guard let token = DashboardHTTP.cookie(DashboardHTTP.sessionCookie, in: request), !token.isEmpty, token.count <= 128 else {
            return .refuse(notLoggedIn(request, expired: false))
        }
        let tokenHash = StaffToken.hash(token)
        let lookup: StaffSessionLookup
        do {
            lookup = try await store.useStaffSession(tokenHash: tokenHash, now: Date(), policy: settings.sessions)
        } catch {
            return .refuse(unavailable(error))
        }
        switch lookup {
        case .live(let session):
            return .staff(session, tokenHash: tokenHash)
        case .expired(let username):
            await audit(username, "session.expired", outcome: .refused, context, detail: action)
            return .refuse(notLoggedIn(request, expired: true))
        case .unknown:
            return .refuse(notLoggedIn(request, expired: false))
        }
    }

    private func notLoggedIn(_ request: Request, expired: Bool) -> Response {
        let clear = DashboardHTTP.expiredCookie(DashboardHTTP.sessionCookie, path: "/staff", secure: secureCookies)
        if request.method == .get {
            return DashboardHTTP.redirect(expired ? "/staff/login?expired=1" : "/staff/login", cookies: [clear])
        }
        return page(.forbidden, "message", [
            "title": "请重新登录", "heading": "请重新登录",
            "message": expired ? "登录已超时，这次操作没有执行。请重新登录后再做一次。" : "尚未登录，这次操作没有执行。请登录后再做一次。",
            "link": "/staff/login", "linkText": "去登录",
        ], cookies: [clear])
    }

    /// Checks a POST's synchronizer token against the session's, in constant time.
    func csrfHolds(_ form: FormFields?, _ session: StaffSession) -> Bool {
        guard let sent = form?["csrf"], !sent.isEmpty else { return false }
        return StaffToken.constantTimeEquals(sent, session.csrfToken)
    }

    func csrfRefused(_ session: StaffSession?, _ context: HubRequestContext, action: String) async -> Response {
        await audit(session?.username ?? "(no session)", action, outcome: .refused, context, detail: "csrf token missing or wrong")
        return page(.forbidden, "message", [
            "title": "操作被拒绝", "heading": "操作被拒绝",
            "message": "这个表单已失效或不是从本系统打开的，操作没有执行。请回到页面重新操作。",
            "link": "/staff/fleet", "linkText": "回到终端页面",
        ])
    }

    // MARK: Login and logout

    func loginPage(_ request: Request, _ context: HubRequestContext) async -> Response {
        let token = StaffToken.generate()
        var values: [String: Any] = ["title": "登录", "loginToken": token]
        if request.uri.queryParameters["expired"] != nil { values["message"] = "登录已超时，请重新登录。" }
        if request.uri.queryParameters["loggedOut"] != nil { values["notice"] = "已退出登录。" }
        return page(.ok, "login", values, cookies: [DashboardHTTP.cookie(DashboardHTTP.loginCookie, token, path: "/staff/login", secure: secureCookies)])
    }

    func login(_ request: Request, _ context: HubRequestContext) async -> Response {
        let client = context.remoteAddress?.ipAddress ?? "unknown"
        guard loginLimiter.take(client, now: ContinuousClock.now) else {
            await audit("(rate limited)", "login", outcome: .refused, context, detail: "too many attempts from this address")
            return loginForm(.tooManyRequests, message: "登录尝试过于频繁，请一分钟后再试。", username: "")
        }
        let form = await DashboardHTTP.form(request)
        guard let sent = form?["csrf"], let expected = DashboardHTTP.cookie(DashboardHTTP.loginCookie, in: request),
              !sent.isEmpty, StaffToken.constantTimeEquals(sent, expected) else {
            await audit("(no session)", "login", outcome: .refused, context, detail: "csrf token missing or wrong")
            return page(.forbidden, "message", [
                "title": "操作被拒绝", "heading": "操作被拒绝",
                "message": "登录表单已失效，请重新打开登录页面。", "link": "/staff/login", "linkText": "重新打开登录页面",
            ])
        }
        let typed = (form?["username"] ?? "").trimmingCharacters(in: .whitespaces).lowercased()
        let password = form?["password"] ?? ""
        // A name that cannot be a username is not written to the audit as typed: it may be a
        // password typed into the wrong field.
        let actor = NewStaffAccount.isValidUsername(typed) ? typed : "(malformed)"
        let now = Date()
        let account: StaffAccount?
        do {
            account = NewStaffAccount.isValidUsername(typed) ? try await store.staffAccount(username: typed) : nil
        } catch {
            return unavailable(error)
        }
        let wrong = "用户名或密码不对。"
        guard let account else {
            // The same work as a real check, so timing does not tell which names exist.
            _ = StaffPassword.verify(password, against: StaffPassword.decoy(settings.passwordParameters))
            await audit(actor, "login", outcome: .failure, context, detail: "unknown user")
            return loginForm(.unauthorized, message: wrong, username: typed)
        }
        if account.isLocked(at: now) {
            await audit(actor, "login", outcome: .refused, context, detail: "account locked")
            return loginForm(.unauthorized, message: lockedMessage(), username: typed)
        }
        guard StaffPassword.verify(password, against: account.passwordHash) else {
            let lockedUntil: Date?
            do {
                lockedUntil = try await store.recordStaffLoginFailure(username: account.username, now: now, policy: settings.logins)
            } catch {
                return unavailable(error)
            }
            await audit(actor, "login", outcome: .failure, context, detail: lockedUntil == nil ? "wrong password" : "wrong password; account locked")
            return loginForm(.unauthorized, message: lockedUntil == nil ? wrong : lockedMessage(), username: typed)
        }
        guard account.disabledAt == nil else {
            await audit(actor, "login", outcome: .refused, context, detail: "account disabled")
            return loginForm(.unauthorized, message: "这个账号已停用，请联系系统管理员。", username: typed)
        }
        let token = StaffToken.generate()
        do {
            try await store.startStaffSession(NewStaffSession(tokenHash: StaffToken.hash(token), username: account.username,
                                                              csrfToken: StaffToken.generate(), clientAddress: client),
                                            now: now, policy: settings.sessions)
        } catch {
            return unavailable(error)
        }
        await audit(actor, "login", outcome: .success, context)
        logger.info("staff logged in", metadata: ["staff.username": "\(account.username)"])
        return DashboardHTTP.redirect("/staff/fleet", cookies: [
            DashboardHTTP.cookie(DashboardHTTP.sessionCookie, token, path: "/staff", secure: secureCookies),
            DashboardHTTP.expiredCookie(DashboardHTTP.loginCookie, path: "/staff/login", secure: secureCookies),
        ])
    }

    private func lockedMessage() -> String {
        "密码错误次数过多，账号已暂时锁定，请 \(Int(settings.logins.lockout.components.seconds / 60)) 分钟后再试，或联系系统管理员。"
    }

    private func loginForm(_ status: HTTPResponse.Status, message: String, username: String) -> Response {
        let token = StaffToken.generate()
        return page(status, "login", ["title": "登录", "loginToken": token, "message": message, "username": username],
                    cookies: [DashboardHTTP.cookie(DashboardHTTP.loginCookie, token, path: "/staff/login", secure: secureCookies)])
    }

    func logout(_ request: Request, _ context: HubRequestContext) async -> Response {
        // Not logged in (or expired): 403 like every other POST, with the cookie cleared.
        let authentication = await authenticate(request, context, action: "logout")
        guard case .staff(let session, let tokenHash) = authentication else { return authentication.refusal }
        guard csrfHolds(await DashboardHTTP.form(request), session) else { return await csrfRefused(session, context, action: "logout") }
        do {
            _ = try await store.endStaffSession(tokenHash: tokenHash)
        } catch {
            return unavailable(error)
        }
        await audit(session.username, "logout", outcome: .success, context)
        return DashboardHTTP.redirect("/staff/login?loggedOut=1", cookies: [
            DashboardHTTP.expiredCookie(DashboardHTTP.sessionCookie, path: "/staff", secure: secureCookies),
        ])
    }

    // MARK: Pages

    func fleet(_ request: Request, _ context: HubRequestContext) async -> Response {
        let authentication = await authenticate(request, context, action: "fleet.view")
        guard case .staff(let session, _) = authentication else { return authentication.refusal }
        let requested = request.uri.queryParameters["office"].map(String.init)?.trimmingCharacters(in: .whitespaces)
        let office = (requested?.isEmpty ?? true) ? nil : requested
        let now = Date()
        let calendar = Calendar.current
        let dayStart = calendar.startOfDay(for: now)
        let dayEnd = calendar.date(byAdding: .day, value: 1, to: dayStart) ?? now
        let rows: [FleetKioskRow]
        let offices: [String]
        do {
            rows = try await store.fleetOverview(office: office, transactionsFrom: dayStart, transactionsUntil: dayEnd)
            offices = try await store.kioskOffices()
        } catch {
            return unavailable(error)
        }
        await audit(session.username, "fleet.view", outcome: .success, context, detail: office.map { "office=\($0)" })
        return page(.ok, "fleet", FleetPage.values(rows: rows, offices: offices, office: office, now: now, settings: settings, session: session))
    }

    func auditPage(_ request: Request, _ context: HubRequestContext) async -> Response {
        let authentication = await authenticate(request, context, action: "audit.view")
        guard case .staff(let session, _) = authentication else { return authentication.refusal }
        let entries: [StaffAuditEntry]
        do {
            entries = try await store.staffAudit(limit: 200)
        } catch {
            return unavailable(error)
        }
        await audit(session.username, "audit.view", outcome: .success, context)
        var values = FleetPage.chrome(title: "操作记录", session: session, nav: "navAudit")
        values["count"] = entries.count
        values["entries"] = entries.map { entry -> [String: Any] in
            [
                "at": FleetPage.time(entry.at), "actor": entry.actor, "action": entry.action, "target": entry.target ?? "",
                "outcome": ["success": "成功", "failure": "失败", "refused": "拒绝"][entry.outcome.rawValue] ?? entry.outcome.rawValue,
                "tone": entry.outcome == .success ? "ok" : "bad", "address": entry.clientAddress ?? "",
            ]
        }
        return page(.ok, "audit", values)
    }

    // MARK: Plumbing

    func page(_ status: HTTPResponse.Status, _ template: String, _ values: [String: Any], cookies: [String] = []) -> Response {
        guard let body = DashboardTemplates.render(template, values) else {
            logger.error("dashboard template missing", metadata: ["template": "\(template)"])
            return Response(status: .internalServerError)
        }
        return DashboardHTTP.html(status, body, styleHash: DashboardTemplates.styleHash, cookies: cookies)
    }

    func unavailable(_ error: any Error) -> Response {
        logger.error("dashboard: database unavailable", metadata: ["error": "\(error)"])
        return page(.serviceUnavailable, "message", [
            "title": "暂时无法访问", "heading": "暂时无法访问",
            "message": "数据库暂时无法访问，请稍后刷新。如果持续出现，请联系技术人员。", "link": "/staff/fleet", "linkText": "刷新",
        ])
    }

    /// Writes one audit row; a failure to audit is logged loudly (the action itself already
    /// happened or was refused).
    func audit(_ actor: String, _ action: String, target: String? = nil, outcome: StaffAuditEntry.Outcome,
               _ context: HubRequestContext, detail: String? = nil) async {
        let entry = StaffAuditEntry(at: Date(), actor: actor, action: action, target: target, outcome: outcome,
                                    clientAddress: context.remoteAddress?.ipAddress, detail: detail)
        do {
            try await store.appendStaffAudit(entry)
        } catch {
            logger.error("staff audit row not written", metadata: ["staff.action": "\(action)", "error": "\(error)"])
        }
    }
}

extension DashboardRoutes.Authentication {
    var refusal: Response {
        if case .refuse(let response) = self { return response }
        return Response(status: .internalServerError)
    }
}

/// The fleet page's values for its template.
enum FleetPage {
    /// `2026-12-01 10:35:12` in the hub's time zone.
    static func time(_ date: Date) -> String {
        let parts = Calendar.current.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0,
                      parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0)
    }

    static func day(_ date: Date) -> String { String(time(date).prefix(10)) }

    /// The layout's values: title, the staff member, the CSRF token for the logout form.
    static func chrome(title: String, session: StaffSession, nav: String) -> [String: Any] {
        ["title": title, "staff": ["displayName": session.displayName, "csrf": session.csrfToken] as [String: Any], nav: true]
    }

    static func values(rows: [FleetKioskRow], offices: [String], office: String?, now: Date,
                       settings: DashboardSettings, session: StaffSession) -> [String: Any] {
        let view = FleetView(rows: rows, now: now, offlineAfter: settings.offlineAfter)
        var values = chrome(title: office ?? "全部终端", session: session, nav: "navFleet")
        // Absent rather than empty: Mustache renders a section for an empty string.
        if let office { values["officeName"] = office }
        values["offices"] = offices.map { ["name": $0, "selected": $0 == office] as [String: Any] }
        values["generatedAt"] = time(now)
        values["today"] = day(now)
        values["tiles"] = view.tiles
        values["totals"] = view.totals
        values["hasKiosks"] = !view.kiosks.isEmpty
        values["kiosks"] = view.kiosks
        return values
    }
}
