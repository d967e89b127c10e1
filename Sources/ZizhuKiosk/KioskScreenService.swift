import KioskCore
import Logging
import ServiceLifecycle
import TextConsole

/// Draws the attract screen and refreshes it as devices change, until graceful shutdown.
struct KioskScreenService: Service {
    let screen: AttractScreen
    let survey: DeviceSurvey
    let refresh: Duration
    let logger: Logger

    func run() async throws {
        let terminal = TerminalSession()
        terminal.enter()
        // Restored on every way out of run(): graceful shutdown (SIGTERM/SIGINT/SIGHUP) or an error.
        defer { terminal.restore() }
        var lastReport: DeviceReport?
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let report = await survey.run()
            if report != lastReport {
                logger.info("device status", metadata: [
                    "card.reader": .string("\(report.health.cardReader)"),
                    "printer.ok": .string("\(report.health.printer)"),
                    "hub.online": .string("\(report.health.hub)"),
                ])
                lastReport = report
            }
            terminal.write(AttractScreen.render(screen.lines(for: report), columns: terminal.size().columns))
            try? await cancelWhenGracefulShutdown {
                try await Task.sleep(for: refresh)
            }
        }
    }
}
