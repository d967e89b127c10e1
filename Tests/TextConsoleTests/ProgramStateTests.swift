import ConsoleDemo
import Foundation
import Testing
import TextConsole

/// The demo driven through ``ProgramState`` with the bytes a terminal sends: taps are hit-tested
/// against the last frame, commands come back as values (no clock, no terminal).
@Suite struct ProgramStateTests {
    typealias Demo = ConsoleDemo

    /// The SGR press and release for the middle of the button labelled `label`.
    static func tap(_ label: String, on state: ProgramState<Demo>) -> [UInt8] {
        guard let button = state.frame.buttons.first(where: { $0.label == label }) else {
            Issue.record("no button 「\(label)」 on \(state.frame.buffer.text.joined(separator: "\n"))")
            return []
        }
        let column = button.rect.column + button.rect.width / 2 + 1
        let row = button.rect.row + button.rect.height / 2 + 1
        return Array("\u{1B}[<0;\(column);\(row)M\u{1B}[<0;\(column);\(row)m".utf8)
    }

    static func timers(_ commands: [Command<Demo.Message>]) -> [String] {
        commands.compactMap { if case .startTimer(let id, _, _) = $0 { return id } else { return nil } }
    }

    @Test func tapsThroughThePINPadToTheRecords() {
        var (state, start) = ProgramState.start(Demo(), columns: 96, rows: 18)
        #expect(Self.timers(start) == ["idle"])
        var time = Duration.zero
        func tap(_ label: String) -> [Command<Demo.Message>] {
            time += .seconds(1)
            return state.input(Self.tap(label, on: state), time: time)
        }
        _ = tap("大字号")
        #expect(state.model.sizeMode == .large)
        _ = tap("开始")
        #expect(state.model.page == .pin)
        for digit in ["1", "2", "3", "4", "5", "9"] { _ = tap(digit) }
        _ = tap("更正")
        let commands = tap("6")
        #expect(commands.first.map { if case .stopSpeaking = $0 { true } else { false } } == true)   // any input stops speech
        #expect(state.frame.buffer.text.joined().contains("＊＊＊＊＊＊"))
        let confirm = tap("确认")
        #expect(state.model.page == .verifying(step: 0))
        #expect(Self.timers(confirm) == ["verify"])
        #expect(confirm.contains { if case .cancelTimer("idle") = $0 { true } else { false } })     // A21: no timeout while busy
        for _ in 0..<Demo.verificationSteps { _ = state.receive(.verificationStep) }
        #expect(state.model.page == .records(page: 0))
        #expect(state.model.pin.isEmpty)
        _ = tap("下一页")
        #expect(state.model.page == .records(page: 1))
        #expect(state.frame.buffer.text.joined().contains("第 2 页"))
        _ = tap("完成")
        #expect(state.model == Demo.Model())   // the session ended: size mode back to normal
    }

    @Test func theRepeatButtonStopsSpeechAndSaysTheScreenAgain() {
        var (state, _) = ProgramState.start(Demo(), columns: 120, rows: 22)
        _ = state.input(Array("\r12".utf8), time: .seconds(1))
        let before = state.model
        let commands = state.input(Self.tap("重听", on: state), time: .seconds(2))
        let kinds = commands.map { command -> String in
            switch command {
            case .stopSpeaking: "stop"
            case .speakScreen: "speakScreen"
            case .startTimer(let id, _, _): "timer \(id)"
            default: "other"
            }
        }
        #expect(kinds == ["stop", "speakScreen", "timer idle"])
        #expect(state.model == before)   // nothing else changes: the PIN digits stay
        #expect(state.frame.speech.first == "请输入社保卡密码")
        // F2 on the keypad does the same.
        #expect(state.input(Array("\u{1B}OQ".utf8), time: .seconds(3)).contains { if case .speakScreen = $0 { true } else { false } })
    }

    @Test func aWrongPINLeadsToTheErrorScreenWithRetryAndStaffHelp() {
        var (state, _) = ProgramState.start(Demo(), columns: 120, rows: 22)
        _ = state.input(Array("\r".utf8), time: .seconds(1))             // Enter = 开始
        _ = state.input(Array("000000\r".utf8), time: .seconds(2))       // the keypad's digits, then Enter
        for _ in 0..<Demo.verificationSteps { _ = state.receive(.verificationStep) }
        #expect(state.model.page == .wrongPIN)
        let text = state.frame.buffer.text.joined(separator: "\n")
        #expect(text.contains("【错误】密码不正确"))
        #expect(text.contains("重试") && text.contains("人工帮助"))
        _ = state.input(Self.tap("重试", on: state), time: .seconds(3))
        #expect(state.model.page == .pin)
    }

    @Test func theIdleWarningCountsDownAndClearsTheSession() {
        var (state, _) = ProgramState.start(Demo(warningSeconds: 3), columns: 120, rows: 22)
        _ = state.input(Array("\r1".utf8), time: .seconds(1))
        #expect(state.model.pin == [1])
        let warning = state.receive(.idleWarning)
        #expect(Self.timers(warning) == ["countdown"])
        #expect(state.frame.buffer.text.joined().contains("3 秒后返回首页"))
        #expect(state.frame.regions.map(\.target) == [.stayInSession])   // modal: nothing else can be tapped
        _ = state.receive(.countdownTick)
        _ = state.receive(.countdownTick)
        #expect(state.model.idleSecondsLeft == 1)
        _ = state.receive(.countdownTick)
        #expect(state.model == Demo.Model())
    }

    @Test func tappingContinueKeepsTheSession() {
        var (state, _) = ProgramState.start(Demo(), columns: 96, rows: 18)
        _ = state.input(Array("\r12".utf8), time: .seconds(1))
        _ = state.receive(.idleWarning)
        _ = state.input(Self.tap("继续操作", on: state), time: .seconds(2))
        #expect(state.model.idleSecondsLeft == nil)
        #expect(state.model.pin == [1, 2])
    }

    @Test func aResizeRelaysOutAndDropsAPressInProgress() {
        var (state, _) = ProgramState.start(Demo(), columns: 120, rows: 22)
        let press = Self.tap("开始", on: state).prefix { $0 != UInt8(ascii: "M") } + [UInt8(ascii: "M")]
        _ = state.input(press, time: .zero)
        state.resize(columns: 96, rows: 18)
        #expect(state.frame.buffer.columns == 96)
        let release = Self.tap("开始", on: state).suffix(from: Self.tap("开始", on: state).firstIndex(of: UInt8(ascii: "M"))! + 1)
        _ = state.input(release, time: .seconds(1))
        #expect(state.model.page == .welcome)
    }
}

@Suite struct SpeakerTests {
    @Test func theRecordingSpeakerKeepsWhatWasSaid() async {
        let speaker = RecordingSpeaker()
        await speaker.speak(["请输入社保卡密码", "按钮：确认"], settings: SpeechSettings())
        await speaker.stop()
        #expect(await speaker.utterances == [["请输入社保卡密码", "按钮：确认"]])
        #expect(await speaker.stops == 1)
    }

    @Test func speechSettingsHaveEnoughStepsAndClamp() {
        #expect(SpeechSettings.volumes.count >= 3 && SpeechSettings.rates.count >= 2)
        #expect(SpeechSettings(rateStep: 9, volumeStep: -1) == SpeechSettings(rateStep: 2, volumeStep: 0))
    }

    @Test func espeakSpeaksMandarinIntoAWaveFile() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/espeak-ng") else {
            Issue.record("espeak-ng is missing: apt-get install espeak-ng (kiosk/test.sh installs it)")
            return
        }
        let directory = NSTemporaryDirectory() + "zizhu-test-espeak-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let speaker = EspeakSpeaker(output: .file(directory + "/prompt.wav"))
        await speaker.speak(["请插入社保卡"], settings: SpeechSettings(rateStep: 0))
        await speaker.waitUntilDone()
        let wave = try Data(contentsOf: URL(fileURLWithPath: directory + "/prompt.wav"))
        #expect(wave.prefix(4) == Data("RIFF".utf8))
        // 22050 Hz, 16-bit mono: about 2.7 s at the default rate, longer at 130 wpm (accessibility.md §3.4).
        #expect(wave.count > 22_050 * 2 * 2)
    }

    /// The face check's prompts wait until espeak-ng is done (the action's window opens then), and
    /// the transcript shows what was said on a kiosk or demo without speakers.
    @Test func espeakSpeaksToTheEndAndKeepsATranscript() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/espeak-ng") else {
            Issue.record("espeak-ng is missing: apt-get install espeak-ng (kiosk/test.sh installs it)")
            return
        }
        let directory = NSTemporaryDirectory() + "zizhu-test-espeak-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let speaker = EspeakSpeaker(output: .file(directory + "/prompt.wav"), transcriptPath: directory + "/speech.log")
        await speaker.speakToEnd(["请眨一眨眼睛"], settings: SpeechSettings(rateStep: 0))
        // No waitUntilDone: the whole utterance is already there.
        let wave = try Data(contentsOf: URL(fileURLWithPath: directory + "/prompt.wav"))
        #expect(wave.prefix(4) == Data("RIFF".utf8))
        #expect(wave.count > 22_050 * 2 * 2)
        let transcript = try String(contentsOfFile: directory + "/speech.log", encoding: .utf8)
        #expect(transcript == "speak: 请眨一眨眼睛\n")
    }
}
