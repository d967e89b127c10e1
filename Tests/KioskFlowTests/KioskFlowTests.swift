import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TestSupport

/// The kiosk as a citizen meets it: `zizhu-kiosk run` in tmux, with the real pcscd + vpcd +
/// zizhu-cardsim, the private cupsd with the emulated receipt printer, and a seeded hub on
/// loopback that the kiosk enrolled with. Taps are SGR mouse reports, as xterm sends them.
@Suite(.serialized) struct KioskFlowTests {
    static let ouyangID = "440304196507203124"
    /// Everything one kiosk needs, started for one test and stopped after it.
    struct World: Sendable {
        let pcscd: PrivatePCSCD
        let cardsim: ManagedProcess
        let printer: PrinterSimulator
        let cups: PrivateCUPSD
        let hub: HubUnderTest
        let folder: String
        let environment: [String: String]

        var cardControl: String { folder + "/cardsim.sock" }

        /// - Parameter demoCamera: the demo's camera: the recording `challenge_frames.py --demo` makes,
        ///   as `camera.source`, with `camera.demo_plan` (as kiosk/demo.sh runs the kiosk).
        /// - Parameter printerSlowRate: bytes a second the emulated printer prints in slow mode.
        static func start(pcscd: PrivatePCSCD, card: String = "zhang-san-3.0.json", demoCamera: Bool = false,
                          printerSlowRate: Int? = nil) async throws -> World {
            let folder = try TestEnvironment.temporaryDirectory("kiosk-flow")
            // The emulator writes PIN tries back into its profile, like a chip: use a copy.
            try FileManager.default.copyItem(atPath: "\(TestEnvironment.repositoryRoot)/assets/cards", toPath: folder + "/cards")
            let cardsim = try pcscd.startCardSimulator(arguments: ["--control", folder + "/cardsim.sock", "--profile", folder + "/cards/" + card])
            let printer = try await PrinterSimulator.start(slowRate: printerSlowRate)
            let cups = try await PrivateCUPSD.start(receiptPrinterPort: printer.port)
            let database = folder + "/hub.sqlite"
            try await TestEnvironment.run(TestEnvironment.executable("zizhu-hub"), [
                "seed-demo", "--database", database, "--people", "200", "--cards", "\(TestEnvironment.repositoryRoot)/assets/cards",
            ])
            let hub = try await HubUnderTest.start(environment: ["ZIZHU_STORAGE_DATABASE": database])
            var environment = [
                "PCSCLITE_CSOCK_NAME": "\(pcscd.directory)/run/pcscd.comm",
                "ZIZHU_PRINTER_CUPS_SERVER": cups.server,
                "ZIZHU_HUB_URL": hub.url,
                "ZIZHU_UI_ASSETS_DIRECTORY": "\(TestEnvironment.repositoryRoot)/assets",
                "ZIZHU_STORAGE_STATE_DIRECTORY": folder + "/kiosk",
                "ZIZHU_UI_SPEECH": "off",
                "ZIZHU_UI_SPEECH_TRANSCRIPT": folder + "/speech.log",
                "ZIZHU_CARDSIM_CONTROL": folder + "/cardsim.sock",
            ]
            if demoCamera {
                let python = try TestEnvironment.requireProgram("/usr/bin/python3", package: "python3-opencv python3-skimage")
                try await TestEnvironment.run(python, [TestEnvironment.script("lib/challenge_frames.py"), "--demo", folder + "/camera"])
                environment["ZIZHU_CAMERA_SOURCE"] = folder + "/camera"
                environment["ZIZHU_CAMERA_DEMO_PLAN"] = "true"
            }
            // Enrolled as an operator does it: a one-time code from zizhuctl, then zizhu-kiosk enroll.
            let code = try await TestEnvironment.run(TestEnvironment.executable("zizhuctl"), [
                "hub", "enroll-code", "--office", "湖滨街道", "--database", database,
            ]).trimmingCharacters(in: .whitespacesAndNewlines)
            try await TestEnvironment.run(TestEnvironment.executable("zizhu-kiosk"), ["enroll", hub.url, code], environment: environment)
            return World(pcscd: pcscd, cardsim: cardsim, printer: printer, cups: cups, hub: hub, folder: folder, environment: environment)
        }

        func stop() async {
            await cardsim.stop()
            await cups.stop()
            await printer.stop()
            await hub.stop()
            try? FileManager.default.removeItem(atPath: folder)
        }

        /// `zizhu-kiosk run` in a tmux pane of the kiosk's normal grid; its log goes to a file.
        func kiosk(columns: Int = 120, rows: Int = 22) async throws -> TmuxPane {
            let exports = environment.map { "\($0.key)='\($0.value)'" }.sorted().joined(separator: " ")
            return try await TmuxPane(command: "exec env \(exports) \(try TestEnvironment.executable("zizhu-kiosk")) run 2>>\(folder)/kiosk.log",
                                      columns: columns, rows: rows)
        }

        func zizhuctl(_ arguments: [String]) async throws -> String {
            try await TestEnvironment.run(TestEnvironment.executable("zizhuctl"), arguments, environment: environment)
        }

        /// The hub's verification answer for a code, as a phone's JSON client gets it.
        func verify(_ code: String) async throws -> String {
            let compact = code.replacingOccurrences(of: "-", with: "")
            let (data, _) = try await URLSession.shared.data(for: {
                var request = URLRequest(url: URL(string: "\(hub.url)/verify/\(compact)")!)
                request.setValue("application/json", forHTTPHeaderField: "Accept")
                return request
            }())
            return String(decoding: data, as: UTF8.self)
        }

        func kioskLog() -> String { (try? String(contentsOfFile: folder + "/kiosk.log", encoding: .utf8)) ?? "" }

        /// What the kiosk said, one `speak: …` line per request (`ui.speech_transcript`).
        func speech() -> [String] {
            ((try? String(contentsOfFile: folder + "/speech.log", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
    }

    /// Card in, 打印参保证明 for every type over the last 12 months, the paper comes out with a
    /// code, the code verifies as genuine at the hub once the journal has synced, and the session
    /// ends when the card is taken.
    @Test func aCertificatePrintedAtTheKioskVerifiesAtTheHub() async throws {
        try await PrivatePCSCD.with { pcscd in
            let world = try await World.start(pcscd: pcscd)
            let kiosk = try await world.kiosk()
            do {
                try await kiosk.waitFor("请核对您的信息", timeout: .seconds(60))
                let confirm = try await kiosk.capture()
                #expect(confirm.contains("张*") && confirm.contains("330102********1213"))
                #expect(!confirm.contains("198001011213"), "the full citizen ID never reaches the screen")
                try await kiosk.tap("确认")
                try await kiosk.waitFor("请选择要办理的业务")
                try await kiosk.tap("打印参保证明")
                try await kiosk.waitFor("请选择险种", timeout: .seconds(60))
                try await kiosk.tap("全部险种")
                try await kiosk.waitFor("请选择证明的时间范围")
                try await kiosk.tap("最近12个月")
                try await kiosk.waitFor("请核对要打印的内容")
                try await kiosk.tap("打印")
                try await kiosk.waitFor("参保证明已打印", timeout: .seconds(90))
                let screen = try await kiosk.capture()
                guard let code = screen.firstMatch(of: /验证码是 ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})/)?.1 else {
                    Issue.record("no verification code on screen:\n\(screen)")
                    return
                }
                // The paper carries the same code.
                let transcripts = try await world.printer.waitForTranscripts(1, timeout: .seconds(30))
                #expect(transcripts.joined().contains(String(code)), "the receipt shows \(code)")
                // The journal syncs in the background; the hub then knows the certificate.
                var answer = ""
                try await TestEnvironment.waitUntil("the hub verifies \(code)", timeout: .seconds(90)) {
                    answer = try await world.verify(String(code))
                    return answer.contains("\"genuine\"")
                }
                #expect(answer.contains("张*"), "the verify page shows the holder masked: \(answer)")
                #expect(!answer.contains("张三"))

                try await kiosk.tap("结束办理")
                try await kiosk.waitFor("请取走您的社保卡")
                _ = try await world.zizhuctl(["card", "remove"])
                try await kiosk.waitFor("谢谢使用", timeout: .seconds(30))
                #expect(!world.kioskLog().contains("330102198001011213"), "the log carries no full citizen ID")
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

    /// No camera here: the qualification check goes card + PIN → staff review, and the
    /// submission reaches the hub's review queue through the journal's sync.
    @Test func aQualificationWithCardAndPINReachesTheHubsReviewQueue() async throws {
        try await PrivatePCSCD.with { pcscd in
            let world = try await World.start(pcscd: pcscd)
            let kiosk = try await world.kiosk()
            do {
                try await kiosk.waitFor("请核对您的信息", timeout: .seconds(60))
                try await kiosk.tap("确认")
                try await kiosk.waitFor("请选择要办理的业务")
                try await kiosk.tap("养老金资格认证")
                try await kiosk.waitFor("开始认证", timeout: .seconds(60))
                try await kiosk.tap("开始认证")
                try await kiosk.waitFor("请输入社保卡原密码")
                // The keypad's digits, as a physical PIN pad sends them; the screen shows only ＊.
                try await kiosk.send("123456")
                try await kiosk.send("\r")
                try await kiosk.waitFor("请选择认证方式", timeout: .seconds(30))
                #expect(try await kiosk.capture().contains("摄像头暂时不能用"))
                try await kiosk.tap("工作人员审核")
                try await kiosk.waitFor("认证材料已提交", timeout: .seconds(30))
                #expect(!(try await kiosk.capture()).contains("认证成功"))
                let sqlite = try TestEnvironment.requireProgram("/usr/bin/sqlite3", package: "sqlite3")
                try await TestEnvironment.waitUntil("the submission in the hub's review queue", timeout: .seconds(90)) {
                    let count = try await TestEnvironment.run(sqlite, [world.folder + "/hub.sqlite", "SELECT count(*) FROM qualification_reviews"])
                    return count.trimmingCharacters(in: .whitespacesAndNewlines) == "1"
                }
                #expect(!world.kioskLog().contains("123456"), "the PIN is never logged")
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

    /// The demo's qualification: a retiree who is due (欧阳䶮𬌗, born 1965) inserts the card, enters
    /// the PIN and does the face check on the demo's file camera (a recording of a face that comes
    /// closer, then blinks, with the fixed demo plan). Every action is spoken before its window
    /// opens, the kiosk says submitted (never passed), and the hub, whose policy approves a check
    /// with card, PIN and every step passed and no quality flag, has approved it from its queue.
    @Test func aDueRetireesFaceCheckOnTheDemoCameraIsSubmittedAndApprovedByTheHub() async throws {
        try await PrivatePCSCD.with { pcscd in
            let world = try await World.start(pcscd: pcscd, card: "ouyang-rare-3.0.json", demoCamera: true)
            let sqlite = try TestEnvironment.requireProgram("/usr/bin/sqlite3", package: "sqlite3")
            func hub(_ query: String) async throws -> String {
                try await TestEnvironment.run(sqlite, [world.folder + "/hub.sqlite", query]).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            #expect(try await hub("SELECT qualification_status FROM people WHERE citizen_id = '\(Self.ouyangID)'") == "due")
            let kiosk = try await world.kiosk()
            do {
                try await kiosk.waitFor("请核对您的信息", timeout: .seconds(60))
                try await kiosk.tap("确认")
                try await kiosk.waitFor("请选择要办理的业务")
                try await kiosk.tap("养老金资格认证")
                try await kiosk.waitFor("开始认证", timeout: .seconds(60))
                #expect(try await kiosk.capture().contains("需要认证"), "the hub says she is due")
                try await kiosk.tap("开始认证")
                try await kiosk.waitFor("请输入社保卡原密码")
                try await kiosk.send("123456")
                try await kiosk.send("\r")
                try await kiosk.waitFor("请选择认证方式", timeout: .seconds(30))
                #expect(!(try await kiosk.capture()).contains("摄像头暂时不能用"))
                try await kiosk.tap("刷脸认证")
                // The recording plays 20 s from the check's first frame; the check takes about 11.
                try await kiosk.waitFor("认证材料已提交", timeout: .seconds(120))
                let screen = try await kiosk.capture()
                #expect(screen.contains("已提交，正在等待审核结果"), "the face check's submission, not staff review:\n\(screen)")
                #expect(!screen.contains("认证成功") && !screen.contains("通过"))

                // Spoken: the nonce, each action in the plan's order, then submitted; never "passed".
                let said = world.speech().filter { $0.hasPrefix("speak: ") }.map { String($0.dropFirst("speak: ".count)) }
                let nonce = said.firstIndex { $0.contains("2 0 2 6 1 2") }
                let closer = said.firstIndex(of: "请慢慢靠近屏幕")
                let blink = said.firstIndex(of: "请眨一眨眼睛")
                let submitted = said.firstIndex(of: "已提交，请等待审核结果")
                #expect(nonce != nil && closer != nil && blink != nil && submitted != nil, "said: \(said)")
                if let nonce, let closer, let blink, let submitted { #expect(nonce < closer && closer < blink && blink < submitted) }
                #expect(!said.contains("没有看清，请再做一次"), "every action on the first attempt: \(said)")
                #expect(!said.contains { $0.contains("认证成功") || $0.contains("通过") })

                // The journal syncs; the hub's policy approves a complete check without quality flags.
                try await TestEnvironment.waitUntil("the submission in the hub's review queue", timeout: .seconds(90)) {
                    try await hub("SELECT count(*) FROM qualification_reviews") == "1"
                }
                let review = try await hub("SELECT status, decided_by, evidence_frames, evidence IS NOT NULL FROM qualification_reviews")
                #expect(review == "approved|policy|3|1", "status, decided by, frames (best frontal + one per action), evidence held")
                let facts = try await hub("SELECT facts FROM qualification_reviews")
                #expect(facts.contains("move_closer") && facts.contains("blink"), "the steps reached the hub: \(facts)")
                #expect(try await hub("SELECT qualification_status FROM people WHERE citizen_id = '\(Self.ouyangID)'") == "passed")
                #expect(!world.kioskLog().contains("123456"), "the PIN is never logged")
                #expect(!world.kioskLog().contains(Self.ouyangID), "the log carries no full citizen ID")
            } catch {
                Issue.record("screen:\n\((try? await kiosk.capture()) ?? "")\nspeech:\n\(world.speech().suffix(30).joined(separator: "\n"))\nkiosk log:\n\(world.kioskLog().suffix(3000))")
                await kiosk.stop()
                await world.stop()
                throw error
            }
            await kiosk.stop()
            await world.stop()
        }
    }

    /// A retiree (欧阳䶮𬌗, born 1965) books the free health check: hospital, day, time; the hub
    /// holds the booking and the slip comes out of the receipt printer with its reference.
    @Test func aRetireeBooksTheHealthCheckAndTheSlipIsPrinted() async throws {
        try await PrivatePCSCD.with { pcscd in
            let world = try await World.start(pcscd: pcscd, card: "ouyang-rare-3.0.json")
            let sqlite = try TestEnvironment.requireProgram("/usr/bin/sqlite3", package: "sqlite3")
            // Due for a check whatever the seed drew for the last one.
            try await TestEnvironment.run(sqlite, [world.folder + "/hub.sqlite",
                                                   "UPDATE people SET health_last_check = NULL WHERE citizen_id = '\(Self.ouyangID)'"])
            let kiosk = try await world.kiosk()
            do {
                try await kiosk.waitFor("请核对您的信息", timeout: .seconds(60))
                try await kiosk.tap("确认")
                try await kiosk.waitFor("请选择要办理的业务")
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
                try await kiosk.tap("确认预约")
                try await kiosk.waitFor("体检已预约", timeout: .seconds(60))
                let screen = try await kiosk.capture()
                guard let reference = screen.firstMatch(of: /预约号：([A-Za-z0-9-]+)/)?.1 else {
                    Issue.record("no reference on screen:\n\(screen)")
                    return
                }
                #expect(screen.contains("请从出纸口取走预约单"))
                let transcripts = try await world.printer.waitForTranscripts(1, timeout: .seconds(30))
                #expect(transcripts.joined().contains(String(reference)), "the slip carries the reference")
                let booked = try await TestEnvironment.run(sqlite, [world.folder + "/hub.sqlite",
                                                                    "SELECT count(*) FROM health_bookings WHERE reference = '\(reference)'"])
                #expect(booked.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
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

    /// The card is pulled while the citizen is choosing: the session ends on the spot, says so,
    /// and nothing is printed or journalled for it.
    @Test func pullingTheCardMidServiceEndsTheSession() async throws {
        try await PrivatePCSCD.with { pcscd in
            let world = try await World.start(pcscd: pcscd)
            let kiosk = try await world.kiosk()
            do {
                try await kiosk.waitFor("请核对您的信息", timeout: .seconds(60))
                try await kiosk.tap("确认")
                try await kiosk.waitFor("请选择要办理的业务")
                try await kiosk.tap("打印参保证明")
                try await kiosk.waitFor("请选择险种", timeout: .seconds(60))
                _ = try await world.zizhuctl(["card", "remove"])
                try await kiosk.waitFor("社保卡已拔出", timeout: .seconds(30))
                try await kiosk.waitFor("请插入社保卡")
                #expect(world.printer.transcripts().isEmpty)
                // Ctrl-C (SIGINT from the terminal) ends the kiosk cleanly: the pane closes.
                try await kiosk.send("\u{03}")
                try await TestEnvironment.waitUntil("zizhu-kiosk to exit on Ctrl-C", timeout: .seconds(30)) {
                    (try? await TestEnvironment.run(kiosk.tmux, ["-L", kiosk.socket, "has-session", "-t", "demo"])) == nil
                }
                #expect(world.kioskLog().contains("session screen ended"))
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
