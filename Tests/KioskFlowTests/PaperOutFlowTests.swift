import Foundation
import Testing
import TestSupport

/// The receipt printer runs out of paper while a citizen is at the kiosk: the certificate is not
/// printed, the screen says why and who helps, nothing is registered at the hub; once staff put
/// paper in, 重试 prints the same certificate once and its code verifies.
@Suite(.serialized) struct PaperOutFlowTests {
    @Test func paperOutMidSessionThenPaperBackPrintsTheSameCertificateOnce() async throws {
        try await PrivatePCSCD.with { pcscd in
            let world = try await KioskFlowTests.World.start(pcscd: pcscd)
            let kiosk = try await world.kiosk()
            do {
                try await kiosk.waitFor("请核对您的信息", timeout: .seconds(60))
                try await kiosk.tap("确认")
                try await kiosk.waitFor("请选择要办理的业务")
                try await kiosk.tap("打印参保证明")
                try await kiosk.waitFor("请选择险种", timeout: .seconds(60))
                try await kiosk.tap("全部险种")
                try await kiosk.waitFor("请选择证明的时间范围")
                try await kiosk.tap("最近12个月")
                try await kiosk.waitFor("请核对要打印的内容")
                // The roll runs out while the citizen reads the summary.
                _ = try await world.printer.control("paper-out")
                try await kiosk.tap("打印")
                try await kiosk.waitFor("参保证明没有打印出来", timeout: .seconds(90))
                let failed = try await kiosk.capture()
                #expect(failed.contains("没有纸"), "the screen says the paper ran out:\n\(failed)")
                #expect(failed.contains("重试"))
                #expect(world.printer.transcripts().isEmpty, "nothing came out of the printer")

                // Staff put paper in; the citizen taps 重试.
                _ = try await world.printer.control("paper-ok")
                try await Task.sleep(for: .seconds(1))
                try await kiosk.tap("重试")
                try await kiosk.waitFor("参保证明已打印", timeout: .seconds(90))
                let screen = try await kiosk.capture()
                guard let code = screen.firstMatch(of: /验证码是 ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})/)?.1 else {
                    Issue.record("no verification code on screen:\n\(screen)")
                    return
                }
                let transcripts = try await world.printer.waitForTranscripts(1, timeout: .seconds(30))
                #expect(transcripts.count == 1 && transcripts.joined().contains(String(code)))
                var answer = ""
                try await TestEnvironment.waitUntil("the hub verifies \(code)", timeout: .seconds(90)) {
                    answer = try await world.verify(String(code))
                    return answer.contains("\"genuine\"")
                }
                // One certificate at the hub for this kiosk: the failed attempt registered nothing.
                let sqlite = try TestEnvironment.requireProgram("/usr/bin/sqlite3", package: "sqlite3")
                let printed = try await TestEnvironment.run(sqlite, [world.folder + "/hub.sqlite",
                                                                     "SELECT count(*) FROM transactions WHERE kind = 'certificate.printed'"])
                #expect(printed.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
                // And the paper stays one sheet: nothing else is printed later behind her back.
                try await Task.sleep(for: .seconds(3))
                #expect(world.printer.transcripts().count == 1)
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
