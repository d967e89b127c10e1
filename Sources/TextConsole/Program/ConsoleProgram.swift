/// A full-screen program in the Elm architecture (style-anchors.md §4, item 13): a model, the
/// messages that change it, a pure `update` that returns the new model and the effects to run,
/// and a pure `view`. Effects (timers, speech, device calls) are ``Command``s, run by the runtime
/// outside `update`, so `update` and `view` can be tested with plain values.
public protocol ConsoleProgram: Sendable {
    associatedtype Model: Sendable
    associatedtype Message: Sendable
    /// What a tap can hit: the targets the view's buttons carry.
    associatedtype Target: Hashable & Sendable

    /// The first model and the commands to run at start.
    func start() -> (Model, [Command<Message>])
    func update(_ model: Model, _ message: Message) -> (Model, [Command<Message>])
    func view(_ model: Model) -> Screen<Target>
    /// The size mode the model has chosen (A03).
    func sizeMode(_ model: Model) -> SizeMode
    /// The message for a tapped target.
    func message(tapped target: Target) -> Message
    /// The message for a key, or nil to ignore it.
    func message(key: Key) -> Message?
}

/// An effect for the runtime to perform; its outcome, if any, comes back as a message.
public enum Command<Message: Sendable>: Sendable {
    /// Sends `message` after `delay` on the runtime's clock; replaces a running timer with the same id.
    case startTimer(id: String, after: Duration, message: Message)
    case cancelTimer(id: String)
    /// Reads the current screen's spoken script (after the frame is drawn): on entering a screen,
    /// and for the 重听 button (A14, A15).
    case speakScreen
    /// Speaks these lines, interrupting anything being said.
    case speak([String])
    case stopSpeaking
    /// Changes speech rate and volume steps (A15).
    case setSpeech(SpeechSettings)
    /// Runs an effect (a device call) off the update loop; its result, if any, is the next message.
    case run(@Sendable () async -> Message?)
    /// Ends the program; the runtime restores the terminal.
    case quit
}

/// The pure half of the runtime: the model, the last frame the user saw, and how input becomes
/// messages. The runner adds the terminal, the clock, timers and speech; tests drive this directly.
public struct ProgramState<Program: ConsoleProgram>: Sendable {
    public let program: Program
    public private(set) var model: Program.Model
    /// The frame last laid out; taps are hit-tested against it (A10).
    public private(set) var frame: Frame<Program.Target>
    public private(set) var columns: Int
    public private(set) var rows: Int
    private var parser = InputParser()
    private var recognizer = TapRecognizer<Program.Target>()

    /// Starts the program on a grid; returns the state and the start commands.
    public static func start(_ program: Program, columns: Int, rows: Int) -> (ProgramState, [Command<Program.Message>]) {
        let (model, commands) = program.start()
        return (ProgramState(program: program, model: model, columns: columns, rows: rows), commands)
    }

    private init(program: Program, model: Program.Model, columns: Int, rows: Int) {
        self.program = program
        self.model = model
        self.columns = columns
        self.rows = rows
        self.frame = ScreenLayout(columns: columns, rows: rows, mode: program.sizeMode(model)).render(program.view(model))
    }

    /// Delivers a message: update, then lay out the new view.
    public mutating func receive(_ message: Program.Message) -> [Command<Program.Message>] {
        let (model, commands) = program.update(self.model, message)
        self.model = model
        relayout()
        return commands
    }

    /// The terminal changed size (SIGWINCH): lay out again; a press in progress no longer means anything.
    public mutating func resize(columns: Int, rows: Int) {
        self.columns = columns
        self.rows = rows
        recognizer.cancel()
        relayout()
    }

    /// Terminal input bytes at `time` (any fixed origin). Any input stops speech first (A15).
    public mutating func input(_ bytes: some Sequence<UInt8>, time: Duration) -> [Command<Program.Message>] {
        handle(parser.feed(bytes), time: time)
    }

    /// Input went quiet: a pending lone ESC is the Esc key.
    public mutating func inputQuiet(time: Duration) -> [Command<Program.Message>] {
        handle(parser.flush(), time: time)
    }

    /// Whether the parser holds a partial sequence (the runner then reports quiet input later).
    public var hasPendingInput: Bool { parser.hasPending }

    /// A touch from the evdev reader, already turned into a press or release.
    public mutating func touch(_ event: MouseEvent, time: Duration) -> [Command<Program.Message>] {
        handle([.mouse(event)], time: time)
    }

    private mutating func handle(_ events: [InputEvent], time: Duration) -> [Command<Program.Message>] {
        guard !events.isEmpty else { return [] }
        var commands: [Command<Program.Message>] = [.stopSpeaking]
        for event in events {
            let message: Program.Message?
            switch event {
            case .mouse(let mouse):
                message = recognizer.handle(mouse, regions: frame.regions, time: time).map { program.message(tapped: $0) }
            case .key(let key):
                message = program.message(key: key)
            }
            if let message { commands += receive(message) }
        }
        return commands
    }

    private mutating func relayout() {
        frame = ScreenLayout(columns: columns, rows: rows, mode: program.sizeMode(model)).render(program.view(model))
    }
}
