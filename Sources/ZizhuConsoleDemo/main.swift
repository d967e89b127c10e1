import ConsoleDemo
import Foundation
import TextConsole

// zizhu-console-demo [--speech] [--idle-seconds N]
//
// Runs the TextConsole demo full-screen in this terminal. Taps arrive as SGR mouse reports;
// digits, Enter, Backspace, Esc and F1 work from a keypad. Speech (espeak-ng, voice cmn) is off
// unless --speech is given, so tests and screenshots stay silent.

let arguments = CommandLine.arguments.dropFirst()
let speaker: any Speaker = arguments.contains("--speech") ? EspeakSpeaker() : RecordingSpeaker()
var idleSeconds = 60
if let flag = arguments.firstIndex(of: "--idle-seconds"), arguments.index(after: flag) < arguments.endIndex,
   let value = Int(arguments[arguments.index(after: flag)]), value > 0 {
    idleSeconds = value
}

let runner = ProgramRunner(program: ConsoleDemo(idleAfter: .seconds(idleSeconds)), terminal: TerminalSession(mouseReporting: true),
                           speaker: speaker, clock: ContinuousClock())
let ending = await runner.run()
exit(ending.exitStatus)
