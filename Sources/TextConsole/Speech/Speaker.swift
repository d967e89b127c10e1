import Foundation

/// Speech rate and volume, each in steps the user can change (A15: ≥ 3 volume and ≥ 2 rate steps).
public struct SpeechSettings: Hashable, Sendable {
    /// espeak-ng words per minute for each rate step: slow first, as older users prefer.
    public static let rates = [130, 160, 190]
    /// espeak-ng amplitude for each volume step.
    public static let volumes = [50, 100, 150, 200]

    public var rateStep: Int
    public var volumeStep: Int

    public init(rateStep: Int = 0, volumeStep: Int = 1) {
        self.rateStep = min(max(rateStep, 0), Self.rates.count - 1)
        self.volumeStep = min(max(volumeStep, 0), Self.volumes.count - 1)
    }

    public var wordsPerMinute: Int { Self.rates[rateStep] }
    public var amplitude: Int { Self.volumes[volumeStep] }
}

/// Reads text aloud. Speaking again interrupts what is being said.
public protocol Speaker: Sendable {
    /// Starts saying `lines` and returns at once.
    func speak(_ lines: [String], settings: SpeechSettings) async
    /// Says `lines` and returns once they have been said, or were interrupted (`stop`, the next
    /// `speak`, or the task's cancellation): the face check opens an action's window only then.
    func speakToEnd(_ lines: [String], settings: SpeechSettings) async
    func stop() async
}

extension Speaker {
    /// For speakers that make no sound: done as soon as asked.
    public func speakToEnd(_ lines: [String], settings: SpeechSettings) async {
        await speak(lines, settings: settings)
    }
}

/// The optional transcript file: one line per request, `speak: ` and the lines joined by ` / `,
/// or `stop`, so a test or a demo without speakers can read what was said.
final class SpeechTranscript: Sendable {
    private let file: FileHandle?

    init(path: String?) {
        guard let path, !path.isEmpty else {
            file = nil
            return
        }
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        file = FileHandle(forWritingAtPath: path)
        _ = try? file?.seekToEnd()
    }

    func speak(_ lines: [String]) { append("speak: " + lines.joined(separator: " / ")) }

    func stop() { append("stop") }

    private func append(_ line: String) {
        // Best effort: a transcript that cannot be written must not stop the screen.
        try? file?.write(contentsOf: Data((line + "\n").utf8))
    }
}

/// Speaks through espeak-ng with the Mandarin voice `cmn` (accessibility.md §3.4): one process per
/// utterance, killed to interrupt it.
public actor EspeakSpeaker: Speaker {
    public enum Output: Sendable {
        /// The sound card.
        case speakers
        /// A WAV file (tests, and recording prompts).
        case file(String)
    }

    private let executable: String
    private let voice: String
    private let output: Output
    private let transcript: SpeechTranscript
    private var current: Process?

    /// - Parameter transcriptPath: a file that also receives every request (see ``RecordingSpeaker``), or nil.
    public init(executable: String = "/usr/bin/espeak-ng", voice: String = "cmn", output: Output = .speakers,
                transcriptPath: String? = nil) {
        self.executable = executable
        self.voice = voice
        self.output = output
        transcript = SpeechTranscript(path: transcriptPath)
    }

    public func speak(_ lines: [String], settings: SpeechSettings) async {
        stop()
        transcript.speak(lines)
        let text = lines.filter { !$0.isEmpty }.joined(separator: "。")
        guard !text.isEmpty else { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        var arguments = ["-v", voice, "-s", String(settings.wordsPerMinute), "-a", String(settings.amplitude)]
        if case .file(let path) = output { arguments += ["-w", path] }
        process.arguments = arguments + ["--", text]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        // Speech is a nicety: if espeak-ng is missing the screen still works, so a failure to
        // start is not an error for the caller.
        guard (try? process.run()) != nil else { return }
        current = process
    }

    public func speakToEnd(_ lines: [String], settings: SpeechSettings) async {
        await speak(lines, settings: settings)
        guard let process = current else { return }
        // Polled, since an actor must not block in waitUntilExit; a `stop` or the next `speak`
        // meanwhile ends the process, and so the wait.
        while process.isRunning, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    public func stop() {
        if let current, current.isRunning {
            current.terminate()
            current.waitUntilExit()
        }
        current = nil
    }

    /// Waits until the current utterance has been spoken (tests).
    public func waitUntilDone() {
        current?.waitUntilExit()
    }
}

/// A speaker for tests and silent kiosks: says nothing, records what it was asked to say.
///
/// With a transcript file it also appends one line per request, so a test driving the program in
/// another process (tmux) can read what was said: `speak: ` and the lines joined by ` / `, or
/// `stop`.
public actor RecordingSpeaker: Speaker {
    /// Every utterance, in order.
    public private(set) var utterances: [[String]] = []
    /// How many times speech was interrupted.
    public private(set) var stops = 0
    private let transcript: SpeechTranscript

    /// - Parameter transcriptPath: a file to append requests to (created if missing), or nil.
    public init(transcriptPath: String? = nil) {
        transcript = SpeechTranscript(path: transcriptPath)
    }

    public func speak(_ lines: [String], settings: SpeechSettings) async {
        utterances.append(lines)
        transcript.speak(lines)
    }

    public func stop() async {
        stops += 1
        transcript.stop()
    }
}
