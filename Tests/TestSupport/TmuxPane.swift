import Foundation
import TextConsole

/// A program in one pane of a private tmux server (console.md §4.1): taps sent as SGR mouse
/// reports with `send-keys`, the screen read back with `capture-pane`.
public final class TmuxPane: Sendable {
    public let tmux: String
    public let socket: String
    public let server: ManagedProcess

    /// Starts a private tmux server whose one pane runs the shell `command`.
    public init(command: String, columns: Int, rows: Int) async throws {
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

    /// The PID of the pane's program (the command's process; `exec` in it keeps the PID).
    public func programPID() async throws -> Int32 {
        let text = try await TestEnvironment.run(tmux, ["-L", socket, "display", "-p", "-t", "demo", "#{pane_pid}"])
        guard let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0 else {
            throw TestEnvironmentError.didNotStart(service: "the pane's program", log: text)
        }
        return pid
    }

    public func capture(escapes: Bool = false) async throws -> String {
        try await TestEnvironment.run(tmux, ["-L", socket, "capture-pane", "-p", "-t", "demo"] + (escapes ? ["-e"] : []))
    }

    public func send(_ text: String) async throws {
        try await TestEnvironment.run(tmux, ["-L", socket, "send-keys", "-t", "demo", "-l", text])
    }

    public func waitFor(_ text: String, timeout: Duration = .seconds(10)) async throws {
        try await TestEnvironment.waitUntil("「\(text)」 on screen", timeout: timeout) {
            try await capture().contains(text)
        }
    }

    /// Taps the middle of `label` on the lowest row showing it (buttons sit below the text that
    /// names them), as xterm reports a touch: press, then release.
    public func tap(_ label: String) async throws {
        let lines = try await capture().components(separatedBy: "\n")
        guard let row = lines.lastIndex(where: { $0.contains(label) }), let range = lines[row].range(of: label) else {
            throw TestEnvironmentError.timedOut("「\(label)」 on screen:\n\(lines.joined(separator: "\n"))")
        }
        // capture-pane prints a wide character once, so the cell column is the display width before it.
        let column = DisplayWidth.of(lines[row][..<range.lowerBound]) + DisplayWidth.of(label) / 2 + 1
        try await send("\u{1B}[<0;\(column);\(row + 1)M\u{1B}[<0;\(column);\(row + 1)m")
    }

    /// Taps the middle of a cell rectangle (0-based, as the layout gives it).
    public func tap(_ rect: CellRect) async throws {
        let column = rect.column + rect.width / 2 + 1, row = rect.row + rect.height / 2 + 1
        try await send("\u{1B}[<0;\(column);\(row)M\u{1B}[<0;\(column);\(row)m")
    }

    public func stop() async {
        _ = try? await TestEnvironment.run(tmux, ["-L", socket, "kill-server"])
        await server.stop()
    }
}
