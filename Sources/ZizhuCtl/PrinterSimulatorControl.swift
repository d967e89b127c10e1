import ArgumentParser
import Foundation

/// `zizhuctl printer paper-out|paper-near-end|paper-ok|cover-open|cover-close|offline|online|slow|fast|sim-status`:
/// one line to zizhu-printersim's control socket, one reply line back (`ok <condition>` or `error …`),
/// the same protocol as zizhu-cardsim's (Sources/ZizhuPrinterSim/ZizhuPrinterSimCommand.swift).
struct PrinterSimulatorControlOption: ParsableArguments {
    /// zizhu-printersim has no default socket; the demo's is exported in .zizhu-demo/env.
    static let defaultPath = "/run/zizhu-printersim.sock"

    @Option(help: "zizhu-printersim's control socket. Default: $ZIZHU_PRINTERSIM_CONTROL, else \(defaultPath).")
    var control: String?

    var path: String {
        control ?? ProcessInfo.processInfo.environment["ZIZHU_PRINTERSIM_CONTROL"] ?? Self.defaultPath
    }

    func send(_ request: String) throws {
        let reply: String
        do {
            reply = try CardSimulatorControl.exchange(request, socketPath: path)
        } catch {
            print("zizhu-printersim at \(path): \(error)")
            throw ExitCode(1)
        }
        print(reply)
        guard reply.hasPrefix("ok") else { throw ExitCode(1) }
    }
}

/// The emulated printer's conditions, each a subcommand named as the emulator's command.
enum PrinterSimulatorCommands {
    static let all: [any ParsableCommand.Type] = [
        PaperOut.self, PaperNearEnd.self, PaperOK.self, CoverOpen.self, CoverClose.self,
        Offline.self, Online.self, Slow.self, Fast.self, SimStatus.self,
    ]

    struct PaperOut: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "paper-out", abstract: "Emulated printer: the paper runs out.")
        @OptionGroup var simulator: PrinterSimulatorControlOption
        func run() throws { try simulator.send("paper-out") }
    }

    struct PaperNearEnd: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "paper-near-end", abstract: "Emulated printer: the roll is nearly used up.")
        @OptionGroup var simulator: PrinterSimulatorControlOption
        func run() throws { try simulator.send("paper-near-end") }
    }

    struct PaperOK: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "paper-ok", abstract: "Emulated printer: a new roll is loaded.")
        @OptionGroup var simulator: PrinterSimulatorControlOption
        func run() throws { try simulator.send("paper-ok") }
    }

    struct CoverOpen: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "cover-open", abstract: "Emulated printer: the cover is opened.")
        @OptionGroup var simulator: PrinterSimulatorControlOption
        func run() throws { try simulator.send("cover-open") }
    }

    struct CoverClose: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "cover-close", abstract: "Emulated printer: the cover is closed.")
        @OptionGroup var simulator: PrinterSimulatorControlOption
        func run() throws { try simulator.send("cover-close") }
    }

    struct Offline: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "offline", abstract: "Emulated printer: goes off line.")
        @OptionGroup var simulator: PrinterSimulatorControlOption
        func run() throws { try simulator.send("offline") }
    }

    struct Online: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "online", abstract: "Emulated printer: back on line.")
        @OptionGroup var simulator: PrinterSimulatorControlOption
        func run() throws { try simulator.send("online") }
    }

    struct Slow: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "slow", abstract: "Emulated printer: prints slowly (--slow-rate bytes a second).")
        @OptionGroup var simulator: PrinterSimulatorControlOption
        func run() throws { try simulator.send("slow") }
    }

    struct Fast: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "fast", abstract: "Emulated printer: prints at once again.")
        @OptionGroup var simulator: PrinterSimulatorControlOption
        func run() throws { try simulator.send("fast") }
    }

    struct SimStatus: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "sim-status", abstract: "Show the emulated printer's condition.")
        @OptionGroup var simulator: PrinterSimulatorControlOption
        func run() throws { try simulator.send("status") }
    }
}
