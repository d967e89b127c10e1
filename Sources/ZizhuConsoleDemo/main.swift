import ConsoleDemo
import Foundation
import TextConsole

// zizhu-console-demo [--speech] [--speech-log FILE] [--idle-seconds N] [--xterm-fonts]
//
// Runs the TextConsole demo full-screen in this terminal. Taps arrive as SGR mouse reports;
// digits, Enter, Backspace, Esc, F1 (帮助) and F2 (重听) work from a keypad. Speech (espeak-ng,
// voice cmn) is off unless --speech is given, so tests and screenshots stay silent; --speech-log
// appends what would have been said to FILE instead (the tmux test reads it). --xterm-fonts makes
// large mode ask xterm for Noto Sans Mono CJK SC at 40 px instead of 32 px (xterm must allow it:
// kiosk/lib/xterm-kiosk.sh); without it large mode changes only the layout.

let arguments = CommandLine.arguments.dropFirst()
func value(after flag: String) -> String? {
    guard let index = arguments.firstIndex(of: flag), arguments.index(after: index) < arguments.endIndex else { return nil }
    return arguments[arguments.index(after: index)]
}
let speaker: any Speaker = arguments.contains("--speech") ? EspeakSpeaker() : RecordingSpeaker(transcriptPath: value(after: "--speech-log"))
var idleSeconds = 60
if let text = value(after: "--idle-seconds"), let seconds = Int(text), seconds > 0 {
    idleSeconds = seconds
}

let runner = ProgramRunner(program: ConsoleDemo(idleAfter: .seconds(idleSeconds)), terminal: TerminalSession(mouseReporting: true),
                           speaker: speaker, clock: ContinuousClock(), fonts: arguments.contains("--xterm-fonts") ? TerminalFonts() : nil)
let ending = await runner.run()
exit(ending.exitStatus)
