import ArgumentParser
import Foundation
import HubAPI
import Journal
import KioskCore
import KioskSession
import SystemdNotify
import Logging
import ServiceLifecycle
import UnixSignals
import ZizhuConfiguration
import ZizhuLogging

@main
struct ZizhuKioskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zizhu-kiosk",
        abstract: "The Zizhu self-service kiosk.",
        version: ZizhuVersion.current,
        subcommands: [Run.self, ScreenOnly.self, BackgroundService.self, Status.self, Enroll.self, JournalCommand.self],
        defaultSubcommand: Run.self)
}

struct ConfigOptions: ParsableArguments {
    @Option(help: "Configuration file (YAML). Default: \(KioskConfiguration.defaultPath) if it exists, else built-in defaults.")
    var config: String?

    func load() throws -> KioskConfiguration {
        do {
            return try KioskConfiguration.load(path: config, environment: ProcessInfo.processInfo.environment)
        } catch {
            throw ValidationError("configuration: \(error)")
        }
    }
}

/// What one kiosk process runs: the citizen screen, the background work (sync, heartbeats,
/// journal upkeep, the systemd watchdog), or both (the demo and development).
enum KioskRole {
    case screenAndBackground, screen, background

    var hasScreen: Bool { self != .background }
    var hasBackground: Bool { self != .screen }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the kiosk screen on this terminal and sync in the background, until SIGTERM, SIGINT or SIGHUP.")

    @OptionGroup var options: ConfigOptions

    @Option(help: "Seconds between device health checks (cards are seen at once, from pcscd's events).")
    var refresh: Double = 2

    func run() async throws {
        try await runKiosk(.screenAndBackground, options: options, refresh: refresh)
    }
}

/// `zizhu-kiosk screen`: only the citizen screen, for the kiosk session unit (Xorg + xterm on
/// tty1); `zizhu-kiosk service` does the background work beside it.
struct ScreenOnly: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "screen",
        abstract: "Show only the citizen screen on this terminal (the session unit runs it in xterm; `service` syncs).")

    @OptionGroup var options: ConfigOptions

    @Option(help: "Seconds between device health checks.")
    var refresh: Double = 2

    func run() async throws {
        try await runKiosk(.screen, options: options, refresh: refresh)
    }
}

/// `zizhu-kiosk service`: the background half under systemd (Type=notify): outbox sync,
/// heartbeats, downstream updates, journal upkeep, watchdog pings while the journal answers.
struct BackgroundService: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "service",
        abstract: "Sync the journal with the hub and keep it healthy, without a screen (zizhu-kiosk.service).")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        try await runKiosk(.background, options: options, refresh: 30)
    }
}

func runKiosk(_ role: KioskRole, options: ConfigOptions, refresh: Double) async throws {
    let settings = try options.load()
    // Logs go to standard error; the screen owns standard output. The demo sends standard
    // error to a file so the two never mix on the terminal.
    LoggingBootstrap.bootstrap(format: settings.logFormat, level: settings.logLevel)
    let logger = Logger(label: "zizhu.kiosk")
    let journal = try openJournal(settings, logger: logger)
    let migrations = try journal.appliedMigrations()
    logger.info("journal open", metadata: ["journal.migrations": .stringConvertible(migrations.count), "role": "\(role)"])
    var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
    if role.hasScreen {
        let assets = AssetLoader(directory: settings.assetsDirectory)
        let texts: SessionTexts
        let catalogue: ServiceCatalogue
        do {
            let screenTexts = try assets.screenTexts()
            try screenTexts.require(SessionTexts.requiredKeys)
            texts = SessionTexts(screenTexts.texts)
            catalogue = try assets.serviceCatalogue()
        } catch {
            throw ValidationError("assets: \(error)")
        }
        // A certificate a killed kiosk was printing is settled before the session takes a card:
        // registered if the paper is out, voided (its job cancelled) if not.
        await JournalledCertificatePrinting.receiptQueue(settings, journal: journal, logger: logger).recoverLeftovers()
        // The screen ending (its terminal closed) ends the process cleanly; the sync stops with it.
        services.append(.init(service: try makeSessionService(settings: settings, texts: texts, catalogue: catalogue, journal: journal,
                                                              refresh: .milliseconds(Int(refresh * 1000)), logger: logger),
                              successTerminationBehavior: .gracefullyShutdownGroup))
    }
    if role.hasBackground {
        try auditStart(journal, settings: settings, logger: logger)
        services.append(.init(service: JournalMaintenance(
            database: journal, faceEvidenceRetention: .seconds(settings.faceEvidenceRetentionHours * 3600))))
        // An enrolled kiosk sends its journal to the hub in the background; before enrollment
        // the work stays in the journal and is sent once the kiosk is enrolled.
        if let sync = try makeOutboxSync(settings, journal: journal, logger: logger) {
            services.append(.init(service: sync))
        } else {
            logger.notice("not enrolled with a hub: journalled work is kept and sent after enrollment")
        }
        // Under systemd: ready once the journal is open; pinged only while it answers.
        services.append(.init(service: SystemdWatchdogService(
            notifier: SystemdNotifier(environment: ProcessInfo.processInfo.environment), logger: logger,
            status: { (try? journal.backlog()).map { "backlog \($0.pendingCount), parked \($0.parkedCount)" } ?? "journal unreadable" },
            isHealthy: { (try? journal.backlog()) != nil })))
    }
    let group = ServiceGroup(configuration: .init(
        services: services,
        gracefulShutdownSignals: [.sigterm, .sigint, .sighup],
        logger: logger))
    try await group.run()
}

struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check every device and the hub once and print what the kiosk would offer.")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let settings = try options.load()
        let report = await DeviceSurvey(settings: settings).run()
        print(StatusReport.text(report, settings: settings))
        let catalogue: ServiceCatalogue
        do {
            catalogue = try AssetLoader(directory: settings.assetsDirectory).serviceCatalogue()
        } catch {
            throw ValidationError("assets: \(error)")
        }
        for (service, availability) in catalogue.availability(under: report.health) {
            print("service \(service.id): \(StatusReport.text(availability))")
        }
        let journal = try openJournal(settings, logger: Logger(label: "zizhu.kiosk"))
        for line in try journalStatusLines(journal) { print(line) }
    }
}

/// Opens the journal in the state directory, creating the directory (owner-only) if needed.
/// A journal that cannot be opened stops the kiosk: it must never take requests it cannot record.
func openJournal(_ settings: KioskConfiguration, logger: Logger) throws -> AppDatabase {
    let directory = settings.stateDirectory
    do {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let journalPath = "\(directory)/journal.sqlite"
        // The device key (journal-data.key, 0600) and the ballast file live beside the journal.
        let ballast = settings.ballastMiB > 0
            ? Ballast(path: Ballast.standard(journalPath: journalPath).path, bytes: Int64(settings.ballastMiB) << 20) : nil
        let journal = try AppDatabase(path: journalPath, ballast: ballast, logger: logger)
        // A damaged journal must not take new work. Recovery (README, "Journal recovery"): stop
        // the kiosk, copy the file aside, and let a technician rescue the readable rows with
        // `sqlite3 journal.sqlite .dump` into a fresh file beside the same device key.
        let problems = try journal.integrityCheck()
        guard problems == ["ok"] else {
            logger.critical("journal damaged", metadata: ["path": .string(directory), "problems": .stringConvertible(problems.count)])
            throw ValidationError("the journal in \(directory) is damaged (integrity_check: \(problems.prefix(3).joined(separator: "; "))); "
                                  + "a technician must recover it (README: Journal recovery)")
        }
        return journal
    } catch let error as ValidationError {
        throw error
    } catch let error as JournalError {
        // Device key problems land here: the message says which file and what to do.
        logger.critical("journal unusable", metadata: ["path": .string(directory), "error": .string("\(error)")])
        throw ValidationError("the journal in \(directory) cannot be used: \(error)")
    } catch {
        logger.critical("journal unusable", metadata: ["path": .string(directory), "error": .string("\(error)")])
        throw ValidationError("the journal in \(directory) cannot be opened (\(error)); a technician must check storage.state_directory and the disk")
    }
}
