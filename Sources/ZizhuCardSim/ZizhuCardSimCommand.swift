import ArgumentParser
import CardEmulation
import Foundation
import Logging
import ZizhuLogging

@main
struct ZizhuCardSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zizhu-cardsim",
        abstract: "Emulates a card in a vpcd reader of pcscd (development, tests and the demo only).",
        discussion: """
            Connecting to vpcd inserts the card; closing the connection removes it. Cards are
            inserted and removed through the control socket (`zizhuctl card insert FILE`,
            `zizhuctl card remove`, `zizhuctl card sim-status`) or given at start with --profile.
            When pcscd goes away the emulator reconnects every 200 ms, so the card is back when
            pcscd is. PIN changes and the PIN try counter are written back into the profile file.
            Never install vpcd on a production kiosk: it listens on all interfaces.
            """)

    /// Where the control socket is when neither --control nor ZIZHU_CARDSIM_CONTROL says
    /// (zizhuctl has the same default).
    static let defaultControlPath = "/run/zizhu-cardsim.sock"

    @Option(help: "vpcd's address.")
    var host = "127.0.0.1"

    @Option(help: "vpcd's port (the CHANNELID in its reader.conf; Debian's default reader uses 35963).")
    var port: UInt16 = 35963

    @Option(help: "A card profile (JSON, see assets/cards) to insert at start. Without it the reader starts empty.")
    var profile: String?

    @Flag(help: "Insert a blank chip (no applications) at start instead of a profile.")
    var blank = false

    @Option(help: "The control socket. Default: $ZIZHU_CARDSIM_CONTROL, else \(defaultControlPath).")
    var control: String?

    @Option(help: ArgumentHelp(
        "Pull the card out, unanswered, when the reader asks for this record tag (hex, e.g. 09): a card removed mid-read.",
        discussion: "For tests of the reader side only."))
    var pullOutAtRecord: String?

    @Option(help: "Log format: logfmt or json.")
    var logFormat: String = "logfmt"

    @Option(help: "Log level: info, or debug to log every APDU (PIN data masked).")
    var logLevel: String = "info"

    /// READ RECORD (INS B2) of the given tag, for --pull-out-at-record.
    static func pullOut(atRecord tagText: String?) -> (@Sendable ([UInt8]) -> Bool)? {
        guard let tagText, let tag = UInt8(tagText, radix: 16) else { return nil }
        return { command in command.count >= 4 && command[1] == 0xB2 && command[2] == tag }
    }

    func validate() throws {
        if blank && profile != nil { throw ValidationError("--blank and --profile both insert a card; give one") }
        if let pullOutAtRecord, UInt8(pullOutAtRecord, radix: 16) == nil {
            throw ValidationError("--pull-out-at-record: a record tag in hex, e.g. 09")
        }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level: one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        // Before any thread exists, so every thread inherits the mask and only the signal thread
        // below receives SIGTERM/SIGINT: it can then remove the socket file and exit cleanly.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGTERM)
        sigaddset(&stopSignals, SIGINT)
        pthread_sigmask(SIG_BLOCK, &stopSignals, nil)

        LoggingBootstrap.bootstrap(format: LogLineFormat(rawValue: logFormat) ?? .logfmt, level: Logger.Level(rawValue: logLevel) ?? .info)
        let logger = Logger(label: "zizhu.cardsim")
        let controlPath = control ?? ProcessInfo.processInfo.environment["ZIZHU_CARDSIM_CONTROL"] ?? Self.defaultControlPath

        let controlSocket: ControlSocket
        do {
            controlSocket = try ControlSocket(path: controlPath)
        } catch {
            logger.critical("cannot open the control socket", metadata: ["error": .string("\(error)")])
            throw ExitCode.failure
        }
        let slot = CardSlot(host: host, port: port, logger: logger, pullOutBefore: Self.pullOut(atRecord: pullOutAtRecord))

        let signals = stopSignals
        let signalThread = Thread {
            var waitSet = signals
            var received: Int32 = 0
            sigwait(&waitSet, &received)
            logger.info("stopping", metadata: ["signal": .stringConvertible(received)])
            slot.remove()
            controlSocket.unlinkPath()
            Foundation.exit(0)
        }
        signalThread.start()

        if blank {
            slot.insert(.blank)
        } else if let profile {
            let path = URL(fileURLWithPath: profile).standardizedFileURL.path
            do {
                slot.insert(.profile(path: path, try CardProfile.load(path: path)))
            } catch {
                controlSocket.unlinkPath()
                logger.critical("cannot insert the profile", metadata: ["error": .string("\(error)")])
                throw ExitCode.failure
            }
        }
        logger.info("listening for control requests", metadata: ["control": .string(controlPath), "vpcd.port": .stringConvertible(port)])
        controlSocket.serve { line in Self.handle(line, slot: slot, logger: logger) }
    }

    /// Carries out one control request and returns the reply line.
    static func handle(_ line: String, slot: CardSlot, logger: Logger) -> String {
        switch ControlRequest.parse(line) {
        case .failure(let error):
            return "error \(error)"
        case .success(.status):
            return "ok \(slot.status)"
        case .success(.remove):
            return slot.remove() ? "ok removed" : "ok no card was inserted"
        case .success(.insert(let path)):
            do {
                let profile = try CardProfile.load(path: path)
                slot.insert(.profile(path: path, profile))
                return "ok inserted profile=\(path)"
            } catch {
                logger.warning("profile rejected", metadata: ["error": .string("\(error)")])
                return "error \(error)"
            }
        }
    }
}
