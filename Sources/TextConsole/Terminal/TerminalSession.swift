import Glibc

/// The terminal as the kiosk uses it: alternate screen, hidden cursor, no echo; and back to how it
/// was on the way out.
public final class TerminalSession: @unchecked Sendable {
    // @unchecked: used from one task; the saved termios is written once in enter().
    private var saved = termios()
    private var entered = false
    private let input: Int32
    private let output: Int32

    public init(input: Int32 = STDIN_FILENO, output: Int32 = STDOUT_FILENO) {
        self.input = input
        self.output = output
    }

    /// Switches to the alternate screen and turns off echo and line buffering (when input is a terminal).
    public func enter() {
        if isatty(input) == 1, tcgetattr(input, &saved) == 0 {
            var raw = saved
            raw.c_lflag &= ~tcflag_t(ECHO | ICANON)
            tcsetattr(input, TCSAFLUSH, &raw)
            entered = true
        }
        write("\u{1B}[?1049h\u{1B}[?25l\u{1B}[?2004l")
    }

    /// Leaves the alternate screen, shows the cursor and restores the saved terminal settings.
    public func restore() {
        write("\u{1B}[0m\u{1B}[?25h\u{1B}[?1049l")
        if entered {
            tcsetattr(input, TCSAFLUSH, &saved)
            entered = false
        }
    }

    /// Size in cells; 80×24 when the output is not a terminal.
    public func size() -> (columns: Int, rows: Int) {
        var size = winsize()
        guard ioctl(output, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return (80, 24) }
        return (Int(size.ws_col), Int(size.ws_row))
    }

    public func write(_ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(output, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }
}
