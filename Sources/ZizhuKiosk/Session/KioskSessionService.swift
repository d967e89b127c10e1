import KioskSession
import Logging
import ServiceLifecycle
import TextConsole

/// Runs the citizen session on this terminal until graceful shutdown: the device supervisor
/// feeds card and health events, ``ProgramRunner`` draws, speaks and times.
struct KioskSessionService: Service, CustomStringConvertible {
    let program: KioskSessionProgram
    let devices: DeviceSupervisor
    let speaker: any Speaker
    let fonts: TerminalFonts?
    /// Work beside the screen for as long as it runs (keeping the booking cache fresh).
    var background: [@Sendable () async -> Void] = []
    let logger: Logger

    func run() async throws {
        devices.start()
        defer { devices.stop() }
        let helpers = background.map { work in Task { await work() } }
        defer { helpers.forEach { $0.cancel() } }
        var runner = ProgramRunner(program: program, terminal: TerminalSession(mouseReporting: true), speaker: speaker,
                                   clock: ContinuousClock(), fonts: fonts)
        // The service group owns SIGTERM/SIGINT/SIGHUP; its graceful shutdown cancels the runner.
        runner.stopSignals = []
        let configured = runner
        // The runner restores the terminal on every way out; a graceful shutdown cancels it.
        let ending = await cancelWhenGracefulShutdown {
            await configured.run()
        }
        logger.notice("session screen ended", metadata: ["ending": .string("\(ending)")])
    }

    /// What the service group logs for it (not the whole program with its texts).
    var description: String { "KioskSessionService" }
}
