import Foundation
import Testing
import TestSupport

/// The hub is down (the street office's line is cut): the citizen still does three services at
/// the kiosk, each screen says it is saved and will be sent, and when the hub is back the
/// journal's sync delivers each of them to the hub exactly once.
@Suite(.serialized) struct OfflineFlowTests {
    @Test func servicesDoneWhileTheHubIsDownReachItOnceWhenItIsBack() async throws {
        try await PrivatePCSCD.with { pcscd in
            let world = try await KioskFlowTests.World.start(pcscd: pcscd)
            // Enrolled while the hub was up; now it goes away before the citizen arrives.
            await world.hub.stop()
            let kiosk = try await world.kiosk()
            var restarted: HubUnderTest?
            do {
                try await kiosk.waitFor("请核对您的信息", timeout: .seconds(60))
                try await kiosk.tap("确认")
                try await kiosk.waitFor("请选择要办理的业务")
                try await kiosk.waitFor("先保存，联网后自动提交", timeout: .seconds(60))

                // 1. The pension qualification, card + PIN, for staff review.
                try await kiosk.tap("养老金资格认证")
                try await kiosk.waitFor("开始认证", timeout: .seconds(60))
                #expect(try await kiosk.capture().contains("网络不通"))
                try await kiosk.tap("开始认证")
                try await kiosk.waitFor("请输入社保卡原密码")
                try await kiosk.send("123456")
                try await kiosk.send("\r")
                try await kiosk.waitFor("请选择认证方式", timeout: .seconds(30))
                try await kiosk.tap("工作人员审核")
                try await kiosk.waitFor("认证材料已提交", timeout: .seconds(30))
                #expect(try await kiosk.capture().contains("已保存，联网后自动提交"))
                try await kiosk.tap("继续办理")
                try await kiosk.waitFor("请选择要办理的业务")

                // 2. A new card PIN: the card changes at once; the record of it waits.
                try await Self.tapService("修改社保卡密码", on: kiosk)
                try await kiosk.waitFor("请输入社保卡原密码")
                try await kiosk.send("123456\r")
                try await kiosk.waitFor("请输入新密码")
                try await kiosk.send("246810\r")
                try await kiosk.waitFor("请再输入一次新密码")
                try await kiosk.send("246810\r")
                try await kiosk.waitFor("密码已修改", timeout: .seconds(30))
                #expect(try await kiosk.capture().contains("修改记录已保存，联网后自动提交"))
                try await kiosk.tap("继续办理")
                try await kiosk.waitFor("请选择要办理的业务")

                // 3. A rating of the service.
                try await Self.tapService("服务评价", on: kiosk)
                try await kiosk.waitFor("请您对本次服务进行评价")
                try await kiosk.tap("满意")
                try await kiosk.waitFor("非常满意")
                try await kiosk.tap("非常满意")
                try await kiosk.waitFor("谢谢您的评价", timeout: .seconds(30))
                #expect(try await kiosk.capture().contains("已保存，联网后自动提交"))

                // Nothing has reached the hub; it comes back on the same address.
                let sqlite = try TestEnvironment.requireProgram("/usr/bin/sqlite3", package: "sqlite3")
                let database = world.folder + "/hub.sqlite"
                let query = "SELECT kind || ':' || count(*) FROM transactions WHERE kind IN ('qualification.submitted', 'pin.changed', 'rating.given') GROUP BY kind ORDER BY kind"
                #expect(try await TestEnvironment.run(sqlite, [database, query]).isEmpty)
                let back = ContinuousClock.now
                restarted = try await HubUnderTest.start(
                    environment: ["ZIZHU_STORAGE_DATABASE": database, "ZIZHU_STORAGE_EVIDENCE_KEY": world.hub.directory + "/evidence.key"],
                    port: world.hub.port)
                var stored = ""
                try await TestEnvironment.waitUntil("the three services at the hub", timeout: .seconds(120)) {
                    stored = try await TestEnvironment.run(sqlite, [database, query])
                    return stored.split(separator: "\n").count == 3
                }
                print("the three services reached the hub \(back.duration(to: .now)) after it came back")
                // Once each, and they stay once while the kiosk goes on syncing.
                try await Task.sleep(for: .seconds(3))
                stored = try await TestEnvironment.run(sqlite, [database, query])
                #expect(stored.split(separator: "\n") == ["pin.changed:1", "qualification.submitted:1", "rating.given:1"], "\(stored)")
                let reviews = try await TestEnvironment.run(sqlite, [database, "SELECT count(*) FROM qualification_reviews"])
                #expect(reviews.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
                #expect(!world.kioskLog().contains("123456") && !world.kioskLog().contains("246810"), "no PIN in the log")
            } catch {
                Issue.record("screen:\n\((try? await kiosk.capture()) ?? "")\nkiosk log:\n\(world.kioskLog().suffix(3000))")
                await kiosk.stop()
                await restarted?.stop()
                await world.stop()
                throw error
            }
            await kiosk.stop()
            await restarted?.stop()
            await world.stop()
        }
    }

    /// A retiree books the health check while the hub is away: the kiosk offers the hospitals and
    /// places it fetched in the background while the hub was up, saves the request, and when the
    /// hub is back it books the place and sends the confirmation down.
    @Test func aHealthCheckBookedOfflineIsBookedByTheHubWhenItIsBack() async throws {
        try await PrivatePCSCD.with { pcscd in
            let world = try await KioskFlowTests.World.start(pcscd: pcscd, card: "ouyang-rare-3.0.json")
            let sqlite = try TestEnvironment.requireProgram("/usr/bin/sqlite3", package: "sqlite3")
            let database = world.folder + "/hub.sqlite"
            try await TestEnvironment.run(sqlite, [database, "UPDATE people SET health_last_check = NULL WHERE citizen_id = '\(KioskFlowTests.ouyangID)'"])
            let kiosk = try await world.kiosk()
            var restarted: HubUnderTest?
            do {
                try await kiosk.waitFor("请核对您的信息", timeout: .seconds(60))
                // The kiosk keeps the hospitals and places in its journal (no personal data).
                let journal = world.folder + "/kiosk/journal.sqlite"
                try await TestEnvironment.waitUntil("the booking cache", timeout: .seconds(60)) {
                    let count = try await TestEnvironment.run(sqlite, [journal, "SELECT count(*) FROM device_setting WHERE name LIKE 'booking.cache.slots.%'"])
                    return (Int(count.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) > 0
                }
                await world.hub.stop()
                try await kiosk.tap("确认")
                try await kiosk.waitFor("请选择要办理的业务")
                try await kiosk.waitFor("预约退休体检（先保存，联网后自动提交）", timeout: .seconds(60))
                try await kiosk.tap("预约退休体检")
                try await kiosk.waitFor("请选择体检医院", timeout: .seconds(60))
                let hospitals = try await kiosk.capture().split(separator: "\n").filter { $0.contains("医院") || $0.contains("中心") }
                guard let first = hospitals.dropFirst().first?.trimmingCharacters(in: .whitespaces).split(separator: " ").first else {
                    Issue.record("no hospital on screen")
                    return
                }
                try await kiosk.tap(String(first))
                try await kiosk.waitFor("请选择体检日期", timeout: .seconds(60))
                let days = try await kiosk.capture().split(separator: "\n").compactMap { $0.firstMatch(of: /[0-9]+月[0-9]+日（剩[0-9]+个）/)?.0 }
                guard let day = days.first else {
                    Issue.record("no day with places on screen")
                    return
                }
                try await kiosk.tap(String(day))
                try await kiosk.waitFor("请选择体检时间")
                let times = try await kiosk.capture().split(separator: "\n").compactMap { $0.firstMatch(of: /[0-9]{2}:[0-9]{2}-[0-9]{2}:[0-9]{2}（剩[0-9]+个）/)?.0 }
                guard let time = times.first else {
                    Issue.record("no time with places on screen")
                    return
                }
                try await kiosk.tap(String(time))
                try await kiosk.waitFor("请核对预约信息")
                #expect(try await kiosk.capture().contains("名额是上次联网时的"))
                try await kiosk.tap("确认预约")
                try await kiosk.waitFor("预约申请已保存", timeout: .seconds(60))
                #expect(try await kiosk.capture().contains("已保存，联网后自动提交"))
                #expect(world.printer.transcripts().isEmpty, "no slip without a booking")
                let bookings = "SELECT count(*) FROM health_bookings WHERE citizen_id = '\(KioskFlowTests.ouyangID)'"
                #expect(try await TestEnvironment.run(sqlite, [database, bookings]).trimmingCharacters(in: .whitespacesAndNewlines) == "0")

                restarted = try await HubUnderTest.start(
                    environment: ["ZIZHU_STORAGE_DATABASE": database, "ZIZHU_STORAGE_EVIDENCE_KEY": world.hub.directory + "/evidence.key"],
                    port: world.hub.port)
                try await TestEnvironment.waitUntil("the booking at the hub", timeout: .seconds(120)) {
                    try await TestEnvironment.run(sqlite, [database, bookings]).trimmingCharacters(in: .whitespacesAndNewlines) == "1"
                }
                let requests = try await TestEnvironment.run(sqlite, [database, "SELECT count(*) FROM transactions WHERE kind = 'booking.requested'"])
                #expect(requests.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
                #expect(!world.kioskLog().contains(KioskFlowTests.ouyangID), "no citizen ID in the log")
            } catch {
                Issue.record("screen:\n\((try? await kiosk.capture()) ?? "")\nkiosk log:\n\(world.kioskLog().suffix(3000))")
                await kiosk.stop()
                await restarted?.stop()
                await world.stop()
                throw error
            }
            await kiosk.stop()
            await restarted?.stop()
            await world.stop()
        }
    }

    /// Taps a service on the menu, turning to its second page (更多业务) when it is there.
    static func tapService(_ title: String, on kiosk: TmuxPane) async throws {
        if !(try await kiosk.capture()).contains(title) {
            try await kiosk.tap("更多业务")
            do {
                try await kiosk.waitFor(title)
            } catch {
                // 更多业务 is the page's confirm button: Enter does the same.
                try await kiosk.send("\r")
                try await kiosk.waitFor(title)
            }
        }
        try await kiosk.tap(title)
    }
}
