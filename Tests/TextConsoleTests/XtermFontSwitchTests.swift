import ConsoleDemo
import Foundation
import Testing
import TestSupport
import TextConsole

/// Large mode in the kiosk's real terminal: zizhu-console-demo in xterm (kiosk/lib/xterm-kiosk.sh)
/// under Xvfb at 1920×1080, tapped with xdotool. Choosing 大字号 must give the demo the 40 px
/// font's grid (96×18) through SIGWINCH, and 标准字号 the 32 px grid (120×22) back; the grid is
/// read from the demo's own terminal (`stty size` on its pty), which is what it lays out on.
@Suite(.serialized) struct XtermFontSwitchTests {
    @Test(.timeLimit(.minutes(1)))
    func largeModeSwitchesTheFontAndTheGridFollows() async throws {
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
            /// Taps the centre of a cell (0-based) of the given pixel size, as a finger on the panel would.
            func tap(column: Int, row: Int, cellWidth: Int, cellHeight: Int) async throws {
                try await TestEnvironment.run(xdotool, ["mousemove", String(column * cellWidth + cellWidth / 2),
                                                        String(row * cellHeight + cellHeight / 2), "click", "1"], environment: environment)
            }

            try await TestEnvironment.waitUntil("the welcome screen spoken") {
                ((try? String(contentsOfFile: speechLog, encoding: .utf8)) ?? "").contains("speak: 欢迎使用社保自助服务")
            }
            try await TestEnvironment.waitUntil("the 32 px grid") { try await grid() == "22 120" }

            // 大字号 on the 120×22 layout (16×48 px cells at 32 px).
            let normal = ScreenLayout(columns: 120, rows: 22, mode: .normal).render(DemoScreens.demo.view(ConsoleDemo.Model(page: .welcome, sizeMode: .normal))).buttons
            let large = try #require(normal.first { $0.label == "大字号" })
            try await tap(column: large.rect.column + large.rect.width / 2, row: large.rect.row + large.rect.height / 2, cellWidth: 16, cellHeight: 48)
            try await TestEnvironment.waitUntil("the 40 px grid") { try await grid() == "18 96" }

            // 标准字号 on the 96×18 large layout (20×59 px cells at 40 px) brings 32 px back.
            let enlarged = ScreenLayout(columns: 96, rows: 18, mode: .large).render(DemoScreens.demo.view(ConsoleDemo.Model(page: .welcome, sizeMode: .large))).buttons
            let standard = try #require(enlarged.first { $0.label == "标准字号" })
            try await tap(column: standard.rect.column + standard.rect.width / 2, row: standard.rect.row + standard.rect.height / 2,
                          cellWidth: 20, cellHeight: 59)
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
