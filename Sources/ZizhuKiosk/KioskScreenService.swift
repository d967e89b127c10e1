import Foundation
import KioskCore
import Logging
import ServiceLifecycle
import SocialSecurityCard
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
        var cardReading: CardReading?
        var cardEventCount: Int?
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var report = await survey.run()
            // Read each inserted card once; forget it as soon as it leaves the reader.
            if case .ready(let reader, .present(_, let eventCount)) = report.cardReader {
                // A new event count is a new insertion, even a swap between two looks.
                if eventCount != cardEventCount {
                    cardReading = survey.readCard(reader: reader, today: Today.date())
                    if case .failed(let error) = cardReading {
                        logger.notice("card not usable", metadata: ["card.error": .string("\(error)")])
                    }
                }
                cardEventCount = eventCount
            } else {
                cardEventCount = nil
                cardReading = nil
            }
            report.card = cardReading
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

/// Today's date in the kiosk's time zone (China Standard Time unless TZ says otherwise).
enum Today {
    static func date() -> CalendarDate {
        let parts = Calendar.current.dateComponents([.year, .month, .day], from: Date())
        return CalendarDate(year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1)
    }
}
