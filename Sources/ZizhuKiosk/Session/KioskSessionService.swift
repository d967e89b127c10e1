import KioskSession
import Logging
import ServiceLifecycle
import TextConsole

/// Runs the citizen session on this terminal until graceful shutdown: the device supervisor
/// feeds card and health events, ``ProgramRunner`` draws, speaks and times.
struct KioskSessionService: Service {
    let program: KioskSessionProgram
    let devices: DeviceSupervisor
    let speaker: any Speaker
    let fonts: TerminalFonts?
    let logger: Logger

    func run() async throws {
        devices.start()
        defer { devices.stop() }
        let runner = ProgramRunner(program: program, terminal: TerminalSession(mouseReporting: true), speaker: speaker,
                                   clock: ContinuousClock(), fonts: fonts)
        // The runner restores the terminal on every way out; a graceful shutdown cancels it.
        let ending = await cancelWhenGracefulShutdown {
            await runner.run()
        }
        logger.notice("session screen ended", metadata: ["ending": .string("\(ending)")])
    }
}
