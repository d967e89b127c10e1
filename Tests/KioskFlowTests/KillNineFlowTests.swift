import Foundation
import Testing
import TestSupport

/// Crash-only, end to end: `zizhu-kiosk run` is killed with SIGKILL while a certificate is on its
/// way to the (slow) receipt printer. The restarted kiosk settles the interrupted print before it
/// takes a card: the paper comes out once, the hub registers it once, and it verifies.
@Suite(.serialized) struct KillNineFlowTests {
    @Test func aKioskKilledWhilePrintingPrintsOnceAndTheCertificateVerifiesAfterTheRestart() async throws {
        try await PrivatePCSCD.with { pcscd in
            // 150 bytes a second: the receipt takes many seconds, so the kill lands mid-job.
            let world = try await KioskFlowTests.World.start(pcscd: pcscd, printerSlowRate: 150)
            var kiosk = try await world.kiosk()
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
                // A slow printer: the job is still going when the kiosk dies.
                _ = try await world.printer.control("slow")
                try await kiosk.tap("打印")
                try await kiosk.waitFor("正在打印", timeout: .seconds(30))
                // The kill lands while CUPS is printing the job (a kill before the job reaches CUPS
                // is PrintKillNineTests' case).
                try await TestEnvironment.waitUntil("the job printing in CUPS", timeout: .seconds(30)) {
                    try await world.cups.tool("lpstat", ["-p", world.cups.receiptQueue]).contains("now printing")
                }
                let pid = try await kiosk.programPID()
                #expect(kill(pid, SIGKILL) == 0)
                try await TestEnvironment.waitUntil("the killed kiosk to be gone", timeout: .seconds(10)) { kill(pid, 0) != 0 }
                await kiosk.stop()
                #expect(world.printer.transcripts().isEmpty, "the job was still printing when the kiosk died")

                // The restart settles the print first (the job completes meanwhile), then shows the
                // card still in the reader.
                _ = try await world.printer.control("fast")
                kiosk = try await world.kiosk()
                try await kiosk.waitFor("请核对您的信息", timeout: .seconds(90))
                let pages = try await world.printer.waitForTranscripts(1, timeout: .seconds(60))
                #expect(pages.count == 1)
                guard let code = pages.first?.firstMatch(of: /([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})/)?.1 else {
                    Issue.record("no verification code on the paper:\n\(pages.first ?? "")")
                    throw TestEnvironmentError.timedOut("a code on the paper")
                }
                var answer = ""
                try await TestEnvironment.waitUntil("the hub verifies \(code)", timeout: .seconds(90)) {
                    answer = try await world.verify(String(code))
                    return answer.contains("\"genuine\"")
                }
                let sqlite = try TestEnvironment.requireProgram("/usr/bin/sqlite3", package: "sqlite3")
                let printed = try await TestEnvironment.run(sqlite, [world.folder + "/hub.sqlite",
                                                                     "SELECT count(*) FROM transactions WHERE kind = 'certificate.printed'"])
                #expect(printed.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "registered once at the hub")
                let intents = try await TestEnvironment.run(TestEnvironment.executable("zizhu-kiosk"), ["journal", "prints"],
                                                            environment: world.environment)
                #expect(intents.contains("no interrupted print"), "no print left unsettled:\n\(intents)")
                // And nothing else comes out later.
                try await Task.sleep(for: .seconds(3))
                #expect(world.printer.transcripts().count == 1)
                #expect(world.kioskLog().contains("interrupted print recovered"))
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
