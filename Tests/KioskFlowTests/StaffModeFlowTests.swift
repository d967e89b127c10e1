import Foundation
import Testing
import TestSupport

/// Staff mode on the real kiosk: the operator code from `zizhuctl operator-code`, the status, a
/// test page on the emulated printer through CUPS, 已换纸 after a paper-out, and out of service
/// across a restart, all in the kiosk's audit log.
@Suite(.serialized) struct StaffModeFlowTests {
    static func operatorCode(_ world: KioskFlowTests.World, initialise: Bool = false) async throws -> String {
        let output = try await world.zizhuctl(["operator-code"] + (initialise ? ["--init"] : []))
        // The code line: eight digits, then when the next code comes.
        guard let code = output.split(separator: "\n").map({ $0.prefix(8) }).first(where: { $0.count == 8 && $0.allSatisfy(\.isNumber) }) else {
            throw TestEnvironmentError.didNotStart(service: "zizhuctl operator-code", log: output)
        }
        return String(code)
    }

    /// Types a code on the staff pad (a physical keypad's digits, then Enter).
    static func signIn(_ kiosk: TmuxPane, code: String) async throws {
        try await kiosk.tap("工作人员专用")
        try await kiosk.waitFor("请输入8位操作码")
        try await kiosk.send(code)
        try await kiosk.send("\r")
    }

    @Test func staffSignInTestPrintPaperReplacedAndOutOfServiceAcrossARestart() async throws {
        try await PrivatePCSCD.with { pcscd in
            let world = try await KioskFlowTests.World.start(pcscd: pcscd)
            var kiosk = try await world.kiosk()
            do {
                // The world starts with a card in; staff come to an idle kiosk.
                try await kiosk.waitFor("请核对您的信息", timeout: .seconds(60))
                _ = try await world.zizhuctl(["card", "remove"])
                try await kiosk.waitFor("工作人员专用", timeout: .seconds(30))

                // No operator key yet: the pad says a technician must set one up.
                try await Self.signIn(kiosk, code: "12345678")
                try await kiosk.waitFor("还没有设置操作码", timeout: .seconds(30))
                let code = try await Self.operatorCode(world, initialise: true)
                try await kiosk.send(code + "\r")
                try await kiosk.waitFor("工作人员菜单", timeout: .seconds(30))

                // Paper out: the status says so, and the test page does not print.
                _ = try await world.printer.control("paper-out")
                try await kiosk.tap("设备状态")
                try await kiosk.waitFor("打印机：缺纸", timeout: .seconds(30))
                let status = try await kiosk.capture()
                #expect(status.contains("读卡器：正常") && status.contains("社保中心：已连接"), "\(status)")
                try await kiosk.tap("继续")
                try await kiosk.waitFor("工作人员菜单")
                try await kiosk.tap("测试打印")
                try await kiosk.waitFor("测试页没有打印", timeout: .seconds(60))
                #expect(world.printer.transcripts().isEmpty)
                try await kiosk.tap("继续")

                // New roll: 已换纸 checks the printer now, and the test page comes out once.
                _ = try await world.printer.control("paper-ok")
                try await kiosk.tap("已换纸")
                try await kiosk.waitFor("打印机正常，可以打印了", timeout: .seconds(30))
                try await kiosk.tap("继续")
                try await kiosk.tap("测试打印")
                try await kiosk.waitFor("测试页已打印", timeout: .seconds(60))
                let pages = try await world.printer.waitForTranscripts(1, timeout: .seconds(30))
                #expect(pages.count == 1 && pages[0].contains("打印测试页"))
                try await kiosk.tap("继续")

                // Out of service: no card is read, and a used code does not open staff mode again.
                try await kiosk.tap("暂停服务")
                try await kiosk.waitFor("本机已暂停服务", timeout: .seconds(30))
                try await kiosk.tap("继续")
                try await kiosk.tap("退出")
                try await kiosk.waitFor("本机暂停服务，请到人工窗口办理")
                _ = try await world.zizhuctl(["card", "insert", world.folder + "/cards/zhang-san-3.0.json"])
                try await Task.sleep(for: .seconds(3))
                #expect(!(try await kiosk.capture()).contains("请核对您的信息"), "no card is read out of service")
                _ = try await world.zizhuctl(["card", "remove"])
                try await Self.signIn(kiosk, code: code)
                try await kiosk.waitFor("这个操作码已经用过", timeout: .seconds(30))

                // A restart keeps the kiosk out of service, and the used code stays used.
                await kiosk.stop()
                kiosk = try await world.kiosk()
                try await kiosk.waitFor("本机暂停服务，请到人工窗口办理", timeout: .seconds(60))
                try await Self.signIn(kiosk, code: code)
                try await kiosk.waitFor("这个操作码已经用过", timeout: .seconds(30))
                // Staff wait for the next code (here: a new key, as after a rotation) and reopen.
                _ = try await world.zizhuctl(["operator-code", "--rotate"])
                let next = try await Self.operatorCode(world)
                try await kiosk.send(next + "\r")
                try await kiosk.waitFor("工作人员菜单", timeout: .seconds(30))
                try await kiosk.tap("恢复服务")
                try await kiosk.waitFor("本机已恢复服务", timeout: .seconds(30))
                try await kiosk.tap("继续")
                try await kiosk.tap("退出")
                _ = try await world.zizhuctl(["card", "insert", world.folder + "/cards/zhang-san-3.0.json"])
                try await kiosk.waitFor("请核对您的信息", timeout: .seconds(60))

                // Everything staff did is in the audit log; no code digits in the kiosk's log.
                let audit = try await TestEnvironment.run(TestEnvironment.executable("zizhu-kiosk"), ["journal", "audit", "--last", "60"],
                                                          environment: world.environment)
                for action in ["staff.login", "staff.test_page", "staff.paper_refilled", "kiosk.out_of_service", "kiosk.back_in_service",
                               "staff.logout"] {
                    #expect(audit.contains(action), "\(action) in the audit log:\n\(audit)")
                }
                #expect(audit.contains("audit chain intact"))
                #expect(!world.kioskLog().contains(code) && !world.kioskLog().contains(next), "operator codes are never logged")
            } catch {
                Issue.record("screen:\n\((try? await kiosk.capture()) ?? "")\nkiosk log:\n\(world.kioskLog().suffix(3000))")
                await kiosk.stop()
                await world.stop()
                throw error
            }
            await kiosk.stop()
            await world.stop()
        }
    }
}
