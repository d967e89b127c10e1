import Foundation
@testable import HubServer
import HubStore
import TestSupport
import Testing

/// Pure parts of the dashboard: password hashing, session lifetimes, form parsing (fuzzed) and
/// what the fleet page says about a kiosk.
struct DashboardUnitTests {
    @Test func passwordsVerifyOnlyAgainstTheirOwnSaltedHash() {
        let cheap = StaffPassword.Parameters(log2N: 10, blockSize: 8, parallelism: 1)
        let first = StaffPassword.hash("correct horse battery", parameters: cheap)
        let second = StaffPassword.hash("correct horse battery", parameters: cheap)
        #expect(first != second, "each hash has its own salt")
        #expect(first.hasPrefix("scrypt$10$8$1$"))
        #expect(StaffPassword.verify("correct horse battery", against: first))
        #expect(!StaffPassword.verify("correct horse batterY", against: first))
        #expect(!StaffPassword.verify("", against: first))
        // Damaged or foreign hashes never match, and absurd parameters are not even tried.
        for broken in ["", "scrypt", "bcrypt$10$8$1$AAAA$AAAA", first.replacingOccurrences(of: "scrypt$10", with: "scrypt$40"),
                       String(first.dropLast(4)), first + "$extra"] {
            #expect(!StaffPassword.verify("correct horse battery", against: broken), "\(broken)")
        }
        #expect(StaffPassword.hash("x", parameters: .standard).hasPrefix("scrypt$15$8$3$"))
        #expect(throws: StaffPassword.Refusal.tooShort(minimum: 10)) { try StaffPassword.check("short") }
        #expect(throws: StaffPassword.Refusal.tooLong(maximum: 256)) { try StaffPassword.check(String(repeating: "a", count: 257)) }
    }

    @Test func sessionsEndAfterIdleOrAbsoluteLimits() {
        let policy = StaffSessionPolicy(idle: .seconds(900), absolute: .seconds(8 * 3600))
        let created = Date(timeIntervalSince1970: 1_000_000)
        #expect(policy.isLive(created: created, lastSeen: created, now: created.addingTimeInterval(899)))
        #expect(!policy.isLive(created: created, lastSeen: created, now: created.addingTimeInterval(900)))
        let busy = created.addingTimeInterval(8 * 3600 - 60)
        #expect(policy.isLive(created: created, lastSeen: busy, now: busy.addingTimeInterval(59)))
        #expect(!policy.isLive(created: created, lastSeen: busy, now: busy.addingTimeInterval(60)))
    }

    @Test func usernamesAreShellAndAuditSafe() {
        for good in ["wangfang", "li.jun", "ops_2", "a-b"] { #expect(NewStaffAccount.isValidUsername(good)) }
        for bad in ["", "a", "Wang", "2fast", "王芳", "a b", "a;rm", String(repeating: "a", count: 33), "correct horse battery"] {
            #expect(!NewStaffAccount.isValidUsername(bad), "\(bad)")
        }
    }

    @Test func formFieldsDecodeAndNeverTrap() {
        let form = FormFields("csrf=a%2Bb%3D&username=wang+fang&empty=&csrf=second&%E7%8E%8B=%E8%8A%B3&bad=%E0%A4")
        #expect(form["csrf"] == "a+b=")
        #expect(form["username"] == "wang fang")
        #expect(form["empty"] == "")
        #expect(form["王"] == "芳")
        #expect(form["bad"] == nil)
        // Deterministic fuzz: random bytes from the form alphabet and beyond parse to something,
        // and every parsed value round-trips through the browser's encoding.
        var generator = SeededGenerator(seed: 7)
        let alphabet = Array("ab=&%+2F0E7z;\u{0}\u{7F}é王".unicodeScalars)
        for _ in 0..<5_000 {
            let length = Int.random(in: 0...40, using: &generator)
            let text = String(String.UnicodeScalarView((0..<length).map { _ in alphabet.randomElement(using: &generator)! }))
            let fields = FormFields(text)
            for (name, value) in fields.values {
                let reencoded = FormFields(StaffBrowser.encode([(name, value)]))
                #expect(reencoded[name] == value)
            }
        }
    }

    @Test func fleetViewSaysWhatIsWrongInWordsAndCountsIt() {
        let now = Date(timeIntervalSince1970: 2_000_000_000)
        func row(_ id: String, heartbeat: TimeInterval?, report: String?, contiguous: Int64 = 5, highest: Int64 = 5, above: Int64 = 0,
                 revoked: Bool = false, today: [String: Int] = [:]) -> FleetKioskRow {
            FleetKioskRow(deviceID: id, office: "湖滨街道", enrolledAt: now.addingTimeInterval(-86_400), revokedAt: revoked ? now : nil,
                          contiguousThrough: contiguous, highestSeq: highest, storedAboveContiguous: above,
                          lastHeartbeatAt: heartbeat.map { now.addingTimeInterval(-$0) }, lastClockSkewMilliseconds: 0, lastReportJSON: report,
                          transactionsByKind: today)
        }
        func report(printer: String = "ready", camera: String = "ready", pending: Int = 0, oldest: Int? = nil, parked: Int = 0) -> String {
            """
            {"software_version":"1.0.0","card_reader":"ready","printer":"\(printer)","camera":"\(camera)","disk_free_bytes":1,
             "outbox":{"pending":\(pending)\(oldest.map { ",\"oldest_age_seconds\":\($0)" } ?? "")\(parked > 0 ? ",\"parked\":\(parked),\"parked_items\":[{\"seq\":9,\"kind\":\"certificate.printed\",\"reason\":\"invalid_certificate\"}]" : "")},
             "a_field_from_a_newer_kiosk":true}
            """
        }
        let view = FleetView(rows: [
            row("healthy-0", heartbeat: 20, report: report(), today: ["certificate.printed": 3, "rating.given": 1, "audit.session": 2]),
            row("paperout", heartbeat: 20, report: report(printer: "paper_out")),
            row("offline-", heartbeat: 7200, report: report()),
            row("backlog-", heartbeat: 20, report: report(pending: 40, oldest: 5400)),
            row("inflight", heartbeat: 20, report: report(pending: 2, oldest: 30)),
            row("parked--", heartbeat: 20, report: report(parked: 1)),
            row("gaps----", heartbeat: 20, report: report(), contiguous: 10, highest: 15, above: 2),
            row("never---", heartbeat: nil, report: nil),
            row("garbled-", heartbeat: 20, report: "{not json"),
            row("revoked-", heartbeat: 9000, report: report(), revoked: true),
        ], now: now, offlineAfter: .seconds(300))
        let byID = Dictionary(uniqueKeysWithValues: view.kiosks.map { ($0.shortID, $0) })
        #expect(byID["healthy-"]?.attention == false && byID["healthy-"]?.connection == .ok("在线 · 刚刚"))
        #expect(byID["healthy-"]?.services == "参保证明 3，好差评 1", "the kiosk's own audit entries are not services")
        #expect(byID["paperout"]?.printer == .bad("缺纸") && byID["paperout"]?.attention == true)
        #expect(byID["offline-"]?.connection == .bad("离线 · 2 小时前"))
        #expect(byID["backlog-"]?.outbox == .bad("40 条，最早 1 小时前"))
        #expect(byID["inflight"]?.outbox == .warn("2 条，最早 刚刚") && byID["inflight"]?.attention == false)
        #expect(byID["parked--"]?.parked == .bad("1 条（最早 #9 参保证明：invalid_certificate）"))
        #expect(byID["gaps----"]?.gaps == .bad("缺 3 条（11 起）"))
        #expect(byID["never---"]?.connection == .bad("从未上报") && byID["never---"]?.printer == .muted("—"))
        #expect(byID["garbled-"]?.version == "—" && byID["garbled-"]?.connection.tone == "ok")
        #expect(byID["revoked-"]?.attention == false && byID["revoked-"]?.connection.tone == "muted")
        let tiles = Dictionary(uniqueKeysWithValues: view.tiles.map { ($0.label, $0.count) })
        #expect(tiles["终端"] == 10 && tiles["缺纸"] == 1 && tiles["待上传积压"] == 1 && tiles["缺号"] == 1 && tiles["搁置"] == 1)
        #expect(tiles["离线"] == 3, "offline, never reported, revoked")
        #expect(view.totals.map(\.label) == ["参保证明", "好差评"])
    }

    @Test func everyTemplateCompiles() {
        for name in ["head", "foot", "login", "message", "fleet", "audit", "reviews", "review", "ratings"] {
            #expect(DashboardTemplates.isCompiled(name), "\(name)")
        }
        #expect(DashboardTemplates.styleHash.hasPrefix("sha256-"))
    }
}
