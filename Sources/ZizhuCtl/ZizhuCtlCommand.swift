import ArgumentParser
import Foundation
import HubAPI
import HubClient
import ReceiptPrinting
import SocialSecurityCard
import ZizhuConfiguration

@main
struct ZizhuCtlCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zizhuctl",
        abstract: "Operator commands for a Zizhu kiosk and hub.",
        version: ZizhuVersion.current,
        subcommands: [HubCommands.self, CardCommands.self, PrinterCommands.self, ConfigCommands.self, OperatorCodeCommand.self])
}

struct KioskConfigOption: ParsableArguments {
    @Option(help: "Kiosk configuration file. Default: \(KioskConfiguration.defaultPath) if it exists.")
    var config: String?

    func load() throws -> KioskConfiguration {
        do {
            return try KioskConfiguration.load(path: config, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError("configuration: \(error)")
        }
    }
}

struct HubCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "hub", abstract: "Talk to the hub.", subcommands: [Health.self, EnrollCode.self, Revoke.self, Kiosks.self, StaffCommands.self])

    struct Health: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Ask the hub whether it is up; exit 1 if not.")
        @OptionGroup var options: KioskConfigOption
        @Option(help: "Hub URL (default: hub.url from the kiosk configuration).")
        var url: String?

        func run() async throws {
            let hubURL = try url ?? options.load().hubURL
            do {
                let version = try await HubConnection(baseURL: hubURL).health()
                print("hub \(hubURL): online, version \(version)")
            } catch {
                print("hub \(hubURL): not reachable (\(error))")
                throw ExitCode(1)
            }
        }
    }
}

struct CardCommands: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "card", abstract: "Card readers, and the emulated card of zizhu-cardsim.",
        subcommands: [Readers.self, InsertCard.self, RemoveCard.self, CardSimulatorStatus.self])

    struct Readers: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the PC/SC readers and whether each holds a card.")

        func run() throws {
            do {
                let context = try PCSCContext()
                let readers = try context.readerNames()
                if readers.isEmpty { print("no readers") }
                for reader in readers {
                    switch try context.cardPresence(reader: reader) {
                    case .empty: print("\(reader): no card")
                    case .present(let atr, _): print("\(reader): card present, ATR \(atr.map { String(format: "%02X", $0) }.joined(separator: " "))")
                    }
                }
            } catch {
                print("PC/SC: \(error)")
                throw ExitCode(1)
            }
        }
    }
}

struct PrinterCommands: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "printer", abstract: "The receipt printer, and the emulated one (zizhu-printersim).",
        subcommands: [Status.self, PrintSampleCertificate.self] + PrinterSimulatorCommands.all)

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the receipt queue's state as CUPS reports it; exit 1 if it cannot print.")
        @OptionGroup var options: KioskConfigOption
        @Option(help: "CUPS queue (default: printer.receipt_queue).")
        var queue: String?

        func run() throws {
            let settings = try options.load()
            let name = queue ?? settings.receiptQueue
            switch CUPSConnection(server: settings.cupsServer).printerStatus(queue: name) {
            case .success(let status):
                let reasons = status.reasons.isEmpty ? "none" : status.reasons.sorted().joined(separator: ",")
                print("\(name): state \(status.state), reasons \(reasons), accepting \(status.isAcceptingJobs), \(status.availability)")
                if case .cannotPrint = status.availability { throw ExitCode(1) }
            case .failure(let fault):
                print("\(name): cannot print: \(fault) (\(fault.responsibleParty) must act)")
                throw ExitCode(1)
            }
        }
    }
}

struct ConfigCommands: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Configuration files.", subcommands: [Check.self, Keys.self])

    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case kiosk, hub
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate a configuration file; exit 1 with the file, line, key and what is allowed if it is wrong.")
        @Option(help: "kiosk or hub.") var kind: Kind
        @Argument(help: "The YAML file.") var file: String

        func run() throws {
            do {
                switch kind {
                case .kiosk: _ = try KioskConfiguration.load(path: file, environment: [:])
                case .hub: _ = try HubConfiguration.load(path: file, environment: [:])
                }
                print("\(file): ok")
            } catch {
                print("\(error)")
                throw ExitCode(1)
            }
        }
    }

    struct Keys: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every key with its default and what it accepts.")
        @Option(help: "kiosk or hub.") var kind: Kind

        func run() {
            switch kind {
            case .kiosk: print(KioskConfiguration.schema.reference(), terminator: "")
            case .hub: print(HubConfiguration.schema.reference(), terminator: "")
            }
        }
    }
}
