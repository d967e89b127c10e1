import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Why a program stopped.
public enum ProgramExit: Hashable, Sendable {
    /// The program returned ``Command/quit``.
    case quit
    /// A signal asked it to stop (SIGTERM, SIGINT or SIGHUP).
    case signal(Int32)
    /// Input reached end of file (the terminal went away).
    case inputClosed

    /// The process exit status for this ending: 0, or 128 + the signal number as shells report it.
    public var exitStatus: Int32 {
        switch self {
        case .quit: return 0
        case .signal(let number): return 128 + number
        case .inputClosed: return 0
        }
    }
}

/// Runs a ``ConsoleProgram`` on a terminal: raw input, diff rendering, timers on an injected
/// clock, speech, SIGWINCH relayout, the terminal's font following the size mode, and the
/// terminal restored on every way out (quit, input closed, SIGTERM, SIGINT, SIGHUP; the restore
/// runs before `run` returns).
public struct ProgramRunner<Program: ConsoleProgram, RunClock: Clock<Duration>>: Sendable {
    public let program: Program
    public let terminal: TerminalSession
    public let speaker: any Speaker
    public let clock: RunClock
    /// The terminal font per size mode, or nil to leave the terminal's font alone. When set, the
    /// runner switches the font whenever the model's size mode changes (the new grid arrives with
    /// SIGWINCH) and puts the normal font back on the way out.
    public let fonts: TerminalFonts?
    /// How long input must be quiet before a lone ESC counts as the Esc key.
    public var escapeDelay: Duration = .milliseconds(50)
    /// The signals that end the program (the terminal is restored first). A program inside a
    /// swift-service-lifecycle `ServiceGroup` passes `[]` and lets the group own SIGTERM/SIGINT/
    /// SIGHUP: two owners of one signal lose it (seen: neither heard Ctrl-C); the group's graceful
    /// shutdown then cancels `run()`, which restores the terminal the same way.
    public var stopSignals: [Int32] = [SIGTERM, SIGINT, SIGHUP]

    public init(program: Program, terminal: TerminalSession, speaker: any Speaker, clock: RunClock, fonts: TerminalFonts? = nil) {
        self.program = program
        self.terminal = terminal
        self.speaker = speaker
        self.clock = clock
        self.fonts = fonts
    }

    private enum Event: Sendable {
        /// Runs the program's start commands through the same path as every other event.
        case started
        case input([UInt8])
        case inputQuiet
        case inputClosed
        case message(Program.Message)
        case timer(id: String, generation: Int, message: Program.Message)
        case resized
        case signal(Int32)
    }

    /// Runs until the program quits, input closes or a stop signal arrives.
    public func run() async -> ProgramExit {
        let (events, sink) = AsyncStream<Event>.makeStream()
        let signalSources = installSignalHandlers(sink)
        let reader = InputThread(descriptor: terminal.inputDescriptor, quietAfter: escapeDelay, sink: sink)
        // The font the terminal was last asked for; it starts in the normal one.
        var fontMode = SizeMode.normal
        terminal.enter()
        defer {
            reader.stop()
            for source in signalSources { source.cancel() }
            // The next program (or the next session) starts from the normal font.
            if let fonts, fontMode != .normal { terminal.write(fonts.switchSequence(for: .normal)) }
            terminal.restore()
        }
        reader.start()

        let origin = clock.now
        var size = terminal.size()
        var (state, commands) = ProgramState.start(program, columns: size.columns, rows: size.rows)
        var renderer = DiffRenderer()
        var timers: [String: (generation: Int, task: Task<Void, Never>)] = [:]
        var nextGeneration = 0
        var settings = SpeechSettings()
        var tasks: [Task<Void, Never>] = []
        defer {
            for timer in timers.values { timer.task.cancel() }
            for task in tasks { task.cancel() }
        }

        var pending = commands
        sink.yield(.started)
        for await event in events {
            let now = origin.duration(to: clock.now)
            switch event {
            case .started: break
            case .input(let bytes): pending += state.input(bytes, time: now)
            case .inputQuiet: pending += state.inputQuiet(time: now)
            case .inputClosed: return .inputClosed
            case .message(let message): pending += state.receive(message)
            case .timer(let id, let generation, let message):
                // A timer restarted or cancelled since this one fired is stale.
                guard let timer = timers[id], timer.generation == generation else { continue }
                timers[id] = nil
                pending += state.receive(message)
            case .resized:
                size = terminal.size()
                state.resize(columns: size.columns, rows: size.rows)
                renderer.invalidate()
            case .signal(let number): return .signal(number)
            }
            terminal.write(renderer.render(state.frame.buffer))
            // After the frame, so a terminal that ignores the font change still shows it; xterm
            // answers with SIGWINCH, and the relayout at the new grid follows.
            let mode = program.sizeMode(state.model)
            if let fonts, mode != fontMode {
                terminal.write(fonts.switchSequence(for: mode))
                fontMode = mode
            }
            commands = pending
            pending = []
            for command in commands {
                switch command {
                case .startTimer(let id, let delay, let message):
                    timers[id]?.task.cancel()
                    nextGeneration += 1
                    let generation = nextGeneration
                    let clock = self.clock
                    timers[id] = (generation, Task {
                        guard (try? await clock.sleep(until: clock.now.advanced(by: delay), tolerance: nil)) != nil else { return }
                        sink.yield(.timer(id: id, generation: generation, message: message))
                    })
                case .cancelTimer(let id):
                    timers[id]?.task.cancel()
                    timers[id] = nil
                case .speakScreen:
                    let lines = state.frame.speech
                    let settingsNow = settings
                    await speaker.speak(lines, settings: settingsNow)
                case .speak(let lines):
                    await speaker.speak(lines, settings: settings)
                case .stopSpeaking:
                    await speaker.stop()
                case .setSpeech(let newSettings):
                    settings = newSettings
                case .run(let effect):
                    tasks.removeAll { $0.isCancelled }
                    tasks.append(Task {
                        if let message = await effect() { sink.yield(.message(message)) }
                    })
                case .quit:
                    return .quit
                }
            }
        }
        return .inputClosed
    }

    /// SIGWINCH relayouts; SIGTERM, SIGINT and SIGHUP end the loop so the terminal is restored.
    /// The signals' default actions are turned off, so they are only seen here.
    private func installSignalHandlers(_ sink: AsyncStream<Event>.Continuation) -> [any DispatchSourceSignal] {
        ([SIGWINCH] + stopSignals).map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { sink.yield(number == SIGWINCH ? .resized : .signal(number)) }
            source.resume()
            return source
        }
    }

    /// Reads the terminal on a thread of its own (a blocking read has no place on the cooperative
    /// pool); polls so that it can stop, and reports quiet input so a lone ESC is seen.
    private final class InputThread: Sendable {
        let descriptor: Int32
        let quietAfter: Duration
        let sink: AsyncStream<Event>.Continuation
        let stopped = Atomic<Bool>(false)

        init(descriptor: Int32, quietAfter: Duration, sink: AsyncStream<Event>.Continuation) {
            self.descriptor = descriptor
            self.quietAfter = quietAfter
            self.sink = sink
        }

        func start() {
            let milliseconds = Int32(quietAfter.components.seconds * 1000 + quietAfter.components.attoseconds / 1_000_000_000_000_000)
            let thread = Thread { [self] in
                var buffer = [UInt8](repeating: 0, count: 4096)
                var unflushed = false
                while !stopped.load(ordering: .relaxed) {
                    var descriptorSet = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                    let ready = poll(&descriptorSet, 1, unflushed ? milliseconds : 200)
                    if ready < 0 && errno == EINTR { continue }
                    if ready == 0 {
                        if unflushed { sink.yield(.inputQuiet) }
                        unflushed = false
                        continue
                    }
                    let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                    if count < 0 && errno == EINTR { continue }
                    guard count > 0 else {
                        sink.yield(.inputClosed)
                        return
                    }
                    sink.yield(.input(Array(buffer[0..<count])))
                    unflushed = true
                }
            }
            thread.start()
        }

        func stop() { stopped.store(true, ordering: .relaxed) }
    }
}
