import ArgumentParser
import CardEmulation
import Glibc
import Logging
import ZizhuLogging

@main
struct ZizhuCardSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zizhu-cardsim",
        abstract: "Emulates a card in a vpcd reader of pcscd (development, tests and the demo only).",
        discussion: """
            Connecting to vpcd inserts the card; stopping this program removes it. When pcscd goes
            away the emulator waits and reconnects, so the card is back when pcscd is.
            Never install vpcd on a production kiosk: it listens on all interfaces.
            """)

    @Option(help: "vpcd's address.")
    var host = "127.0.0.1"

    @Option(help: "vpcd's port (the CHANNELID in its reader.conf; Debian's default reader uses 35963).")
    var port: UInt16 = 35963

    @Option(help: "Log format: logfmt or json.")
    var logFormat: String = "logfmt"

    func run() throws {
        LoggingBootstrap.bootstrap(format: LogLineFormat(rawValue: logFormat) ?? .logfmt, level: .info)
        let logger = Logger(label: "zizhu.cardsim")
        let card = BlankCard()
        var waitingLogged = false
        while true {
            do {
                let link = try VPCDLink(host: host, port: port)
                logger.info("card inserted", metadata: ["vpcd.port": .stringConvertible(port)])
                waitingLogged = false
                do {
                    try CardSession(link: link, card: card).run()
                } catch VPCDLink.LinkError.closed {
                    logger.info("vpcd closed the connection; waiting for pcscd", metadata: ["vpcd.port": .stringConvertible(port)])
                }
            } catch VPCDLink.LinkError.connectionRefused {
                if !waitingLogged {
                    logger.info("waiting for vpcd", metadata: ["vpcd.port": .stringConvertible(port)])
                    waitingLogged = true
                }
            } catch {
                logger.error("vpcd link failed", metadata: ["error": .string("\(error)")])
            }
            usleep(200_000)
        }
    }
}
