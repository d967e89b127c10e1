import Foundation
import HubStore
import NIOHTTP1
import TestSupport
import Testing

/// The staff dashboard over real HTTP against a `zizhu-hub` process, on SQLite and PostgreSQL:
/// login, wrong passwords and lockout, expired sessions, CSRF refusals, logout, the audit trail,
/// and the fleet filtered by street office.
@Suite(.timeLimit(.minutes(5)))
struct DashboardTests {
    @Test(arguments: Engine.allCases)
    func loginWrongPasswordCSRFLogoutAndTheirAudit(engine: Engine) async throws {
        let fixture = try await HubFixture.start(engine)
        do {
            try await fixture.addStaff("wangfang", name: "王芳")
            let browser = StaffBrowser(baseURL: fixture.hub.url)

            // Not logged in: a page sends the browser to the login form.
            let anonymous = try await browser.get("/staff/fleet")
            #expect(anonymous.status == 303 && anonymous.location == "/staff/login")

            // The login form itself is CSRF-protected: a POST without its token is refused and
            // starts no session, even with the right password.
            let forged = try await browser.post("/staff/login", form: [("username", "wangfang"), ("password", HubFixture.staffPassword)])
            #expect(forged.status == 403)
            #expect(browser.cookies["zizhu_staff"] == nil)

            let wrong = try await browser.login("wangfang", "not the password")
            #expect(wrong.status == 401 && wrong.body.contains("用户名或密码不对"))
            #expect(browser.cookies["zizhu_staff"] == nil)
            let unknown = try await browser.login("nobody", "whatever it is")
            #expect(unknown.status == 401 && unknown.body.contains("用户名或密码不对"))

            let loggedIn = try await browser.login("wangfang", HubFixture.staffPassword)
            #expect(loggedIn.status == 303 && loggedIn.location == "/staff/fleet")
            let sessionCookie = try #require(browser.lastSetCookies.first { $0.hasPrefix("zizhu_staff=") })
            #expect(sessionCookie.contains("HttpOnly") && sessionCookie.contains("SameSite=Strict") && sessionCookie.contains("Path=/staff"))
            #expect(!sessionCookie.contains("Secure"), "plain HTTP on loopback: a Secure cookie would never come back")
            let token = try #require(browser.cookies["zizhu_staff"])
            #expect(token.count >= 43)

            let fleet = try await browser.get("/staff/fleet")
            #expect(fleet.status == 200 && fleet.body.contains("王芳") && fleet.body.contains("终端运行状态"))
            #expect(fleet.headers.first(name: "Cache-Control") == "no-store")
            #expect(fleet.headers.first(name: "Content-Security-Policy")?.contains("default-src 'none'") == true)
            #expect(!fleet.body.contains("<script"))
            let csrf = try #require(fleet.csrfField)

            // The session row holds the token's hash, never the token.
            let stored = try await fixture.withStore { store in
                try await store.useStaffSession(tokenHash: StaffToken.hash(token), now: Date(), policy: StaffSessionPolicy())
            }
            guard case .live(let session) = stored else { Issue.record("no live session stored: \(stored)"); throw CancellationError() }
            #expect(session.username == "wangfang" && session.csrfToken == csrf)

            // Logout without the token, and with a wrong one: 403, and the session still works.
            #expect(try await browser.post("/staff/logout", form: []).status == 403)
            #expect(try await browser.post("/staff/logout", form: [("csrf", String(csrf.reversed()))]).status == 403)
            #expect(try await browser.get("/staff/fleet").status == 200)

            let loggedOut = try await browser.post("/staff/logout", form: [("csrf", csrf)])
            #expect(loggedOut.status == 303 && loggedOut.location == "/staff/login?loggedOut=1")
            #expect(browser.cookies["zizhu_staff"] == nil)
            // The old cookie, replayed, opens nothing: the session row is gone.
            browser.setCookie("zizhu_staff", token)
            let replayed = try await browser.get("/staff/fleet")
            #expect(replayed.status == 303 && replayed.location == "/staff/login")

            let audit = try await fixture.withStore { store in try await store.staffAudit(limit: 50) }.reversed().map {
                "\($0.actor) \($0.action) \($0.outcome.rawValue)"
            }
            #expect(audit == [
                "zizhuctl staff.add success",
                "(no session) login refused",
                "wangfang login failure",
                "nobody login failure",
                "wangfang login success",
                "wangfang fleet.view success",
                "wangfang logout refused",
                "wangfang logout refused",
                "wangfang fleet.view success",
                "wangfang logout success",
            ])
            let rows = try await fixture.withStore { store in try await store.staffAudit(limit: 50) }
            #expect(rows.allSatisfy { $0.actor == "zizhuctl" || $0.clientAddress == "127.0.0.1" })
            // The trail is append-only in the database itself, whoever connects.
            await #expect(throws: (any Error).self) { try await fixture.execute("DELETE FROM staff_audit") }
            await #expect(throws: (any Error).self) { try await fixture.execute("UPDATE staff_audit SET outcome = 'success'") }
            #expect(try await fixture.withStore { store in try await store.staffAudit(limit: 50) } == rows)
        } catch {
            await fixture.stop()
            throw error
        }
        await fixture.stop()
    }

    @Test(arguments: Engine.allCases)
    func idleAndAbsoluteExpiryEndSessionsAndRefuseTheirForms(engine: Engine) async throws {
        let fixture = try await HubFixture.start(engine)
        do {
            try await fixture.addStaff("lijun", name: "李军")
            let browser = StaffBrowser(baseURL: fixture.hub.url)
            #expect(try await browser.login("lijun", HubFixture.staffPassword).status == 303)
            let csrf = try #require(try await browser.get("/staff/fleet").csrfField)

            // Sixteen minutes without a request (the idle limit is 15): the stored clock is moved
            // back instead of waiting.
            try await fixture.execute("UPDATE staff_sessions SET last_seen_at = last_seen_at - \(16 * 60_000)")
            let idle = try await browser.post("/staff/logout", form: [("csrf", csrf)])
            #expect(idle.status == 403 && idle.body.contains("登录已超时"))
            let afterIdle = try await browser.get("/staff/fleet")
            #expect(afterIdle.status == 303 && afterIdle.location == "/staff/login")
            #expect(try await Self.sessionCount(fixture) == 0)

            // Used a minute ago but started nine hours ago (the absolute limit is 8 hours).
            #expect(try await browser.login("lijun", HubFixture.staffPassword).status == 303)
            #expect(try await browser.get("/staff/fleet").status == 200)
            try await fixture.execute("UPDATE staff_sessions SET created_at = created_at - \(9 * 3_600_000), last_seen_at = last_seen_at - 60000")
            let absolute = try await browser.get("/staff/fleet")
            #expect(absolute.status == 303 && absolute.location == "/staff/login?expired=1")
            #expect(try await Self.sessionCount(fixture) == 0)

            let expiries = try await fixture.withStore { store in try await store.staffAudit(limit: 50) }.filter { $0.action == "session.expired" }
            #expect(expiries.count == 2 && expiries.allSatisfy { $0.actor == "lijun" && $0.outcome == .refused })
            // The refused logout was not carried out: no logout row.
            let logouts = try await fixture.withStore { store in try await store.staffAudit(limit: 50) }.filter { $0.action == "logout" }
            #expect(logouts.isEmpty)
        } catch {
            await fixture.stop()
            throw error
        }
        await fixture.stop()
    }

    @Test(arguments: Engine.allCases)
    func repeatedWrongPasswordsLockTheAccountUntilAnOperatorResetsIt(engine: Engine) async throws {
        let fixture = try await HubFixture.start(engine, environment: ["ZIZHU_DASHBOARD_LOGIN_MAX_FAILURES": "3"])
        do {
            try await fixture.addStaff("zhaolei", name: "赵磊")
            let browser = StaffBrowser(baseURL: fixture.hub.url)
            for _ in 0..<2 { #expect(try await browser.login("zhaolei", "wrong password").body.contains("用户名或密码不对")) }
            let third = try await browser.login("zhaolei", "wrong password")
            #expect(third.status == 401 && third.body.contains("账号已暂时锁定"))
            // Locked: even the right password is refused, and says why.
            let locked = try await browser.login("zhaolei", HubFixture.staffPassword)
            #expect(locked.status == 401 && locked.body.contains("账号已暂时锁定"))
            #expect(browser.cookies["zizhu_staff"] == nil)

            // The operator sets a new password: the lock is cleared.
            let file = "\(try TestEnvironment.temporaryDirectory("staff"))/password"
            try Data("a new long password\n".utf8).write(to: URL(fileURLWithPath: file))
            #expect(try await fixture.zizhuctl(["staff", "passwd", "zhaolei", "--password-file", file]).contains("password set"))
            #expect(try await browser.login("zhaolei", "a new long password").status == 303)
            #expect(try await browser.get("/staff/fleet").status == 200)

            // Disabling the account ends its session at once and refuses new logins.
            #expect(try await fixture.zizhuctl(["staff", "disable", "zhaolei"]).contains("disabled"))
            #expect(try await browser.get("/staff/fleet").status == 303)
            let disabled = try await browser.login("zhaolei", "a new long password")
            #expect(disabled.status == 401 && disabled.body.contains("已停用"))

            let actions = try await fixture.withStore { store in try await store.staffAudit(limit: 50) }.reversed().map { "\($0.action) \($0.outcome.rawValue) \($0.detail ?? "")" }
            #expect(actions.contains("login failure wrong password; account locked"))
            #expect(actions.contains("login refused account locked"))
            #expect(actions.contains { $0.hasPrefix("staff.passwd success") })
            #expect(actions.contains { $0.hasPrefix("staff.disable success") })
            #expect(actions.contains("login refused account disabled"))
        } catch {
            await fixture.stop()
            throw error
        }
        await fixture.stop()
    }

    @Test(arguments: [Engine.sqlite])
    func tooManyLoginAttemptsFromOneAddressGet429(engine: Engine) async throws {
        let fixture = try await HubFixture.start(engine, environment: ["ZIZHU_DASHBOARD_LOGIN_PER_MINUTE": "3"])
        do {
            let browser = StaffBrowser(baseURL: fixture.hub.url)
            var statuses: [Int] = []
            // A burst of 3, then one attempt per 20 s: on a loaded machine slow attempts earn
            // new tokens, so try until the limit shows (at most 12 attempts).
            for _ in 0..<12 where !statuses.contains(429) {
                statuses.append(try await browser.login("nobody", "wrong password").status)
            }
            #expect(statuses.prefix(3).allSatisfy { $0 == 401 }, "\(statuses)")
            #expect(statuses.contains(429), "\(statuses)")
        } catch {
            await fixture.stop()
            throw error
        }
        await fixture.stop()
    }

    @Test(arguments: Engine.allCases)
    func fleetShowsEachKioskStateAndFiltersByOffice(engine: Engine) async throws {
        let fixture = try await HubFixture.start(engine)
        do {
            let kiosks = try await FleetSeeder.seed(fixture, count: 12)
            try await fixture.addStaff("wangfang", name: "王芳")
            let browser = StaffBrowser(baseURL: fixture.hub.url)
            #expect(try await browser.login("wangfang", HubFixture.staffPassword).status == 303)

            let all = try await browser.get("/staff/fleet")
            #expect(all.status == 200)
            for kiosk in kiosks { #expect(all.body.contains(String(kiosk.deviceID.prefix(8)))) }
            for office in FleetSeeder.offices { #expect(all.body.contains("<option value=\"\(office)\"")) }
            #expect(all.body.contains("缺纸") && all.body.contains("纸将尽") && all.body.contains("从未上报"))
            #expect(all.body.contains("离线 · 2 小时前"))
            #expect(all.body.contains("340 条，最早 3 小时前"))
            #expect(all.body.contains("2 条（最早 #17 参保证明：invalid_certificate）"))
            #expect(all.body.contains("缺 2 条"))
            #expect(all.body.contains("参保证明"))

            let office = FleetSeeder.offices[1]
            let encoded = StaffBrowser.encode([("office", office)])
            let filtered = try await browser.get("/staff/fleet?\(encoded)")
            #expect(filtered.status == 200 && filtered.body.contains("终端运行状态：\(office)"))
            for kiosk in kiosks {
                #expect(filtered.body.contains(String(kiosk.deviceID.prefix(8))) == (kiosk.office == office), "\(kiosk.office) \(kiosk.state)")
            }
            #expect(filtered.body.contains("<option value=\"\(office)\" selected>"))

            let views = try await fixture.withStore { store in try await store.staffAudit(limit: 10) }.filter { $0.action == "fleet.view" }
            #expect(views.first?.detail == "office=\(office)")
        } catch {
            await fixture.stop()
            throw error
        }
        await fixture.stop()
    }

    static func sessionCount(_ fixture: HubFixture) async throws -> Int {
        switch fixture.engine {
        case .postgres:
            return Int(try await fixture.postgres!.psql("SELECT COUNT(*) FROM staff_sessions").trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        case .sqlite:
            let sqlite3 = try TestEnvironment.requireProgram("/usr/bin/sqlite3", package: "sqlite3")
            return Int(try await TestEnvironment.run(sqlite3, [fixture.database, "SELECT COUNT(*) FROM staff_sessions"])
                .trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }
    }
}
