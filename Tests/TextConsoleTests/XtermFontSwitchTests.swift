import ConsoleDemo
import Foundation
import Testing
import TestSupport
import TextConsole

/// Large mode in the kiosk's real terminal: zizhu-console-demo in xterm (kiosk/lib/xterm-kiosk.sh)
/// under Xvfb at 1920×1080, tapped with xdotool. Choosing 大字号 must give the demo the 40 px
/// font's grid (96×18) through SIGWINCH; the end of the session, and 标准字号, the 32 px grid
/// (120×22) back. The grid is read from the demo's own terminal (`stty size` on its pty), which
/// is what it lays out on.
@Suite(.serialized) struct XtermFontSwitchTests {
    @Test(.timeLimit(.minutes(1)))
    func largeModeSwitchesTheFontUntilTheSessionEnds() async throws {
        let xvfb = try TestEnvironment.requireProgram("/usr/bin/Xvfb", package: "xvfb")
        _ = try TestEnvironment.requireProgram("/usr/bin/xterm", package: "xterm")
        _ = try TestEnvironment.requireProgram("/usr/bin/xdpyinfo", package: "x11-utils")
        let xdotool = try TestEnvironment.requireProgram("/usr/bin/xdotool", package: "xdotool")
        let demo = try TestEnvironment.executable("zizhu-console-demo")
        let scratch = try TestEnvironment.temporaryDirectory("xterm-fonts")
        defer { try? FileManager.default.removeItem(atPath: scratch) }

        var number = 200 + Int(getpid() % 500)
        while FileManager.default.fileExists(atPath: "/tmp/.X11-unix/X\(number)") || FileManager.default.fileExists(atPath: "/tmp/.X\(number)-lock") {
            number += 1
        }
        let display = ":\(number)"
        let server = try ManagedProcess(name: "Xvfb", executable: xvfb, arguments: [display, "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
                                        logPath: scratch + "/xvfb.log")
        let environment = ["DISPLAY": display, "LANG": "C.UTF-8"]
        var terminal: ManagedProcess?
        do {
            try await TestEnvironment.waitUntil("Xvfb on \(display)") { FileManager.default.fileExists(atPath: "/tmp/.X11-unix/X\(number)") }
            let speechLog = scratch + "/speech.log"
            terminal = try ManagedProcess(name: "xterm", executable: TestEnvironment.script("lib/xterm-kiosk.sh"),
                                          arguments: [demo, "--xterm-fonts", "--speech-log", speechLog], environment: environment,
                                          logPath: scratch + "/xterm.log")
            let xterm = terminal!.pid

            /// Rows and columns of the demo's terminal, e.g. "22 120".
            func grid() async throws -> String {
                let child = try await TestEnvironment.run("/usr/bin/pgrep", ["-P", String(xterm), "-f", demo]).trimmingCharacters(in: .whitespacesAndNewlines)
                let tty = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(child)/fd/0")
                return try await TestEnvironment.run("/bin/stty", ["-F", tty, "size"]).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            /// Taps the middle of the button labelled `label` as the demo lays `model` out at the grid
            /// of its size mode's font (120×22 of 16×48 px at 32 px, 96×18 of 20×59 px at 40 px), as
            /// a finger on the panel would.
            func tap(_ label: String, _ model: ConsoleDemo.Model) async throws {
                let large = model.sizeMode == .large
                let layout = ScreenLayout(columns: large ? 96 : 120, rows: large ? 18 : 22, mode: model.sizeMode)
                let button = try #require(layout.render(DemoScreens.demo.view(model)).buttons.first { $0.label == label })
                let (cellWidth, cellHeight) = large ? (20, 59) : (16, 48)
                let x = (button.rect.column + button.rect.width / 2) * cellWidth + cellWidth / 2
                let y = (button.rect.row + button.rect.height / 2) * cellHeight + cellHeight / 2
                try await TestEnvironment.run(xdotool, ["mousemove", String(x), String(y), "click", "1"], environment: environment)
            }
            func said(_ text: String) -> Bool {
                ((try? String(contentsOfFile: speechLog, encoding: .utf8)) ?? "").contains("speak: " + text)
            }

            try await TestEnvironment.waitUntil("the welcome screen spoken") { said("欢迎使用社保自助服务") }
            try await TestEnvironment.waitUntil("the 32 px grid") { try await grid() == "22 120" }

            try await tap("大字号", ConsoleDemo.Model())
            try await TestEnvironment.waitUntil("the 40 px grid") { try await grid() == "18 96" }

            // Through a session in large mode; its end (完成) brings the normal font back.
            try await tap("开始", ConsoleDemo.Model(sizeMode: .large))
            try await TestEnvironment.waitUntil("the PIN pad spoken") { said("请输入社保卡密码") }
            for (count, digit) in ["1", "2", "3", "4", "5", "6"].enumerated() {
                try await tap(digit, ConsoleDemo.Model(page: .pin, sizeMode: .large, pin: Array(repeating: 0, count: count)))
            }
            try await tap("确认", ConsoleDemo.Model(page: .pin, sizeMode: .large, pin: [1, 2, 3, 4, 5, 6]))
            try await TestEnvironment.waitUntil("the records spoken") { said("个人缴费记录") }
            #expect(try await grid() == "18 96")
            try await tap("完成", ConsoleDemo.Model(page: .records(page: 0), sizeMode: .large))
            try await TestEnvironment.waitUntil("the 32 px grid after the session") { try await grid() == "22 120" }

            // And 标准字号 switches back from large mode on the first screen.
            try await tap("大字号", ConsoleDemo.Model())
            try await TestEnvironment.waitUntil("the 40 px grid again") { try await grid() == "18 96" }
            try await tap("标准字号", ConsoleDemo.Model(sizeMode: .large))
            try await TestEnvironment.waitUntil("the 32 px grid again") { try await grid() == "22 120" }
        } catch {
            Issue.record("xterm: \(terminal?.log() ?? "not started"); Xvfb: \(server.log())")
            await terminal?.stop()
            await server.stop()
            throw error
        }
        await terminal?.stop()
        await server.stop()
    }
}
