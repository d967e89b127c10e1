import Foundation
import Testing
import TestSupport
import TextConsole

/// zizhu-console-demo under a private tmux server (console.md §4.1): taps sent as SGR mouse
/// reports with `send-keys`, the screen read back with `capture-pane -e`. Through the demo's
/// three screens: size choice, PIN pad, records.
@Suite(.serialized) struct TmuxEndToEndTests {
    typealias Tmux = TmuxPane

    @Test(arguments: [(120, 22), (96, 18)])
    func tapThroughTheDemoWithThePINPad(columns: Int, rows: Int) async throws {
        let demo = try TestEnvironment.executable("zizhu-console-demo")
        let scratch = try TestEnvironment.temporaryDirectory("console-speech")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let speechLog = scratch + "/speech.log"
        let tmux = try await Tmux(command: "exec \(demo) --speech-log \(speechLog)", columns: columns, rows: rows)
        /// What the demo's recording speaker was asked, one request a line.
        func spoken() -> [String] {
            ((try? String(contentsOfFile: speechLog, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        do {
            try await tmux.waitFor("欢迎使用社保自助服务")
            let flags = try await TestEnvironment.run(tmux.tmux, ["-L", tmux.socket, "display", "-p", "-t", "demo",
                                                                  "#{alternate_on} #{mouse_sgr_flag} #{mouse_standard_flag}"])
            #expect(flags.trimmingCharacters(in: .whitespacesAndNewlines) == "1 1 1")   // alt screen, SGR mouse, click reports

            try await tmux.tap("大字号")
            try await tmux.waitFor("大字号（已选）")
            try await tmux.tap("开始")
            try await tmux.waitFor("请输入社保卡密码")

            // 重听, at its fixed place beside 帮助: speech stops, then the PIN screen is said again.
            let pinScript = "speak: 请输入社保卡密码"
            try await TestEnvironment.waitUntil("the PIN screen spoken once") { spoken().filter { $0.hasPrefix(pinScript) }.count == 1 }
            let linesBefore = spoken().count
            try await tmux.tap(LayoutMetrics(columns: columns, rows: rows, mode: .large).repeatRect)
            try await TestEnvironment.waitUntil("the PIN screen spoken again") { spoken().filter { $0.hasPrefix(pinScript) }.count == 2 }
            let added = Array(spoken().dropFirst(linesBefore))
            #expect(added.count == 2 && added.first == "stop" && added.last?.hasPrefix(pinScript) == true, "\(added)")
            #expect(spoken().last?.contains("按钮：重听") == true)

            for digit in ["1", "2", "3", "4", "5", "6"] {
                try await tmux.tap("   \(digit)")   // a key (capture-pane trims trailing blanks), not 「已输入 n 位」
            }
            try await tmux.waitFor("＊＊＊＊＊＊")
            let pinScreen = try await tmux.capture()
            #expect(!pinScreen.contains("123456"))
            try await tmux.tap("确认")
            try await tmux.waitFor("个人缴费记录")
            try await tmux.waitFor("第 1 页")
            try await tmux.tap("下一页")
            try await tmux.waitFor("第 2 页")

            // 24-bit colours reach the terminal as RGB, so the contrast test's values are what shows.
            let styled = try await tmux.capture(escapes: true)
            #expect(styled.contains("38;2;255;235;59"))   // the title's yellow

            try await tmux.tap("完成")
            try await tmux.waitFor("标准字号（已选）")     // the session ended: size mode reset
        } catch {
            await tmux.stop()
            throw error
        }
        await tmux.stop()
    }

    @Test func sigtermRestoresTheTerminal() async throws {
        let demo = try TestEnvironment.executable("zizhu-console-demo")
        let tmux = try await Tmux(command: "\(demo); echo demo-exited-$?; sleep 30", columns: 100, rows: 20)
        do {
            try await tmux.waitFor("欢迎使用社保自助服务")
            let pid = try await TestEnvironment.run("/usr/bin/pgrep", ["-f", "-n", "^\(demo)$"])
            kill(Int32(pid.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1, SIGTERM)
            try await tmux.waitFor("demo-exited-143")
            let flags = try await TestEnvironment.run(tmux.tmux, ["-L", tmux.socket, "display", "-p", "-t", "demo",
                                                                  "#{alternate_on} #{mouse_sgr_flag} #{mouse_standard_flag} #{cursor_flag}"])
            #expect(flags.trimmingCharacters(in: .whitespacesAndNewlines) == "0 0 0 1")
        } catch {
            await tmux.stop()
            throw error
        }
        await tmux.stop()
    }
}
