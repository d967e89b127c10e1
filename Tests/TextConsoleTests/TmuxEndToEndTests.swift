import Foundation
import Testing
import TestSupport
import TextConsole

/// zizhu-console-demo under a private tmux server (console.md §4.1): taps sent as SGR mouse
/// reports with `send-keys`, the screen read back with `capture-pane -e`. Through the demo's
/// three screens: size choice, PIN pad, records.
@Suite(.serialized) struct TmuxEndToEndTests {
    final class Tmux: Sendable {
        let tmux: String
        let socket: String
        let server: ManagedProcess

        /// Starts a private tmux server whose one pane runs the shell `command`.
        init(command: String, columns: Int, rows: Int) async throws {
            tmux = try TestEnvironment.requireProgram("/usr/bin/tmux", package: "tmux")
            socket = "zizhu-test-\(getpid())-\(UUID().uuidString.prefix(8))"
            try await TestEnvironment.run(tmux, ["-L", socket, "-f", "/dev/null", "new-session", "-d", "-s", "demo",
                                                 "-x", String(columns), "-y", String(rows), command])
            let pid = try await TestEnvironment.run(tmux, ["-L", socket, "display", "-p", "-t", "demo", "#{pid}"])
            server = ManagedProcess(adopting: Int32(pid.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0, name: "tmux", logPath: "/dev/null")
            // Without these an attaching client could resize the window, and a status line would take a row.
            try await TestEnvironment.run(tmux, ["-L", socket, "set", "-g", "window-size", "manual"])
            try await TestEnvironment.run(tmux, ["-L", socket, "set", "-g", "status", "off"])
        }

        func capture(escapes: Bool = false) async throws -> String {
            try await TestEnvironment.run(tmux, ["-L", socket, "capture-pane", "-p", "-t", "demo"] + (escapes ? ["-e"] : []))
        }

        func send(_ text: String) async throws {
            try await TestEnvironment.run(tmux, ["-L", socket, "send-keys", "-t", "demo", "-l", text])
        }

        func waitFor(_ text: String) async throws {
            try await TestEnvironment.waitUntil("「\(text)」 on screen", timeout: .seconds(10)) {
                try await capture().contains(text)
            }
        }

        /// Taps the middle of `label` on the lowest row showing it (buttons sit below the text that
        /// names them), as xterm reports a touch: press, then release.
        func tap(_ label: String) async throws {
            let lines = try await capture().components(separatedBy: "\n")
            guard let row = lines.lastIndex(where: { $0.contains(label) }), let range = lines[row].range(of: label) else {
                throw TestEnvironmentError.timedOut("「\(label)」 on screen:\n\(lines.joined(separator: "\n"))")
            }
            // capture-pane prints a wide character once, so the cell column is the display width before it.
            let column = DisplayWidth.of(lines[row][..<range.lowerBound]) + DisplayWidth.of(label) / 2 + 1
            try await send("\u{1B}[<0;\(column);\(row + 1)M\u{1B}[<0;\(column);\(row + 1)m")
        }

        /// Taps the middle of a cell rectangle (0-based, as the layout gives it).
        func tap(_ rect: CellRect) async throws {
            let column = rect.column + rect.width / 2 + 1, row = rect.row + rect.height / 2 + 1
            try await send("\u{1B}[<0;\(column);\(row)M\u{1B}[<0;\(column);\(row)m")
        }

        func stop() async {
            _ = try? await TestEnvironment.run(tmux, ["-L", socket, "kill-server"])
            await server.stop()
        }
    }

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
