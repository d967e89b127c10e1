import Glibc

/// The terminal as the kiosk uses it: alternate screen, hidden cursor, no echo; and back to how it
/// was on the way out.
public final class TerminalSession: @unchecked Sendable {
    // @unchecked: used from one task; the saved termios is written once in enter().
    private var saved = termios()
    private var entered = false
    private let input: Int32
    private let output: Int32
    private let mouseReporting: Bool

    /// - Parameter mouseReporting: ask the terminal for SGR mouse reports (`?1000h ?1006h`), which
    ///   is how a tap reaches the program under Xorg + xterm (console.md §2).
    public init(input: Int32 = STDIN_FILENO, output: Int32 = STDOUT_FILENO, mouseReporting: Bool = false) {
        self.input = input
        self.output = output
        self.mouseReporting = mouseReporting
    }

    /// The file descriptor input is read from.
    public var inputDescriptor: Int32 { input }

    /// Switches to the alternate screen and to raw input (when input is a terminal): no echo, no
    /// line buffering, no CR→NL translation, no XON/XOFF (Ctrl-S must not freeze a kiosk screen).
    /// Signals stay on, so Ctrl-C reaches the program's SIGINT handler, which restores the terminal.
    public func enter() {
        if isatty(input) == 1, tcgetattr(input, &saved) == 0 {
            var raw = saved
            raw.c_lflag &= ~tcflag_t(ECHO | ICANON | IEXTEN)
            raw.c_iflag &= ~tcflag_t(IXON | ICRNL | INLCR | ISTRIP)
            withUnsafeMutableBytes(of: &raw.c_cc) { controls in
                controls[Int(VMIN)] = 1
                controls[Int(VTIME)] = 0
            }
            tcsetattr(input, TCSAFLUSH, &raw)
            entered = true
        }
        write("\u{1B}[?1049h\u{1B}[?25l\u{1B}[?2004l\u{1B}[?7l" + (mouseReporting ? "\u{1B}[?1000h\u{1B}[?1006h" : ""))
    }

    /// Leaves the alternate screen, shows the cursor and restores the saved terminal settings.
    /// Mouse modes are turned off in the reverse order they were turned on.
    public func restore() {
        write((mouseReporting ? "\u{1B}[?1006l\u{1B}[?1000l" : "") + "\u{1B}[0m\u{1B}[?7h\u{1B}[?25h\u{1B}[?1049l")
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

    /// Writes all of `text`, retrying after interrupted or partial writes.
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
