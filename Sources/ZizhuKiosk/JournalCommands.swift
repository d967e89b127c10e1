import ArgumentParser
import Foundation
import HubAPI
import HubClient
import KioskCore
import ReceiptPrinting
import Journal
import Logging
import ZizhuConfiguration

/// `zizhu-kiosk journal …`: what the journal holds and what still has to reach the hub.
struct JournalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal",
        abstract: "The on-device journal: backlog, parked items, recording and sending.",
        subcommands: [JournalStatus.self, JournalRecord.self, JournalSync.self, JournalWriteLoop.self],
        defaultSubcommand: JournalStatus.self)
}

/// The hub identity of an enrolled kiosk, or `nil` before enrollment.
func enrolledIdentity(_ settings: KioskConfiguration) throws -> (deviceID: String, key: KioskKey)? {
    let idPath = KioskIdentityFiles.deviceIDPath(settings)
    guard let text = try? String(contentsOfFile: idPath, encoding: .utf8) else { return nil }
    let deviceID = text.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !deviceID.isEmpty else { return nil }
    return (deviceID, try KioskKey.loadOrCreate(at: KioskIdentityFiles.keyPath(settings)))
}

/// The outbox sender for an enrolled kiosk, or `nil` before enrollment (nothing can be sent then).
func makeOutboxSync(_ settings: KioskConfiguration, journal: AppDatabase, logger: Logger) throws -> OutboxSync? {
    guard let identity = try enrolledIdentity(settings) else { return nil }
    let connection = try HubConnection(
        baseURL: settings.hubURL, httpClient: HubConnection.httpClient(trustingCertificateAt: settings.hubCACertificate),
        timeout: .seconds(10), signer: KioskSigningMiddleware(key: identity.key, deviceID: identity.deviceID))
    let survey = DeviceSurvey(settings: settings)
    return OutboxSync(database: journal, connection: connection, deviceID: identity.deviceID,
                      health: { await heartbeatHealth(survey.run()) }, logger: logger)
}

/// The device survey as a heartbeat reports it. The camera has no survey yet: reported missing.
func heartbeatHealth(_ report: DeviceReport) -> HeartbeatHealth {
    let cardReader: Components.Schemas.Heartbeat.CardReaderPayload
    switch report.cardReader {
    case .ready: cardReader = .ready
    case .noReader: cardReader = .noReader
    case .fault: cardReader = .fault
    }
    let printer: Components.Schemas.Heartbeat.PrinterPayload
    switch report.printer {
    case .success(let status):
        switch status.availability {
        case .canPrint: printer = .ready
        case .canPrintPaperLow: printer = .paperLow
        case .cannotPrint: printer = .fault
        }
    case .failure: printer = .offline
    }
    return HeartbeatHealth(softwareVersion: ZizhuVersion.current, cardReader: cardReader, printer: printer, camera: .missing)
}

/// Operator lines for the journal's backlog; no personal data (kinds and seqs only).
func journalStatusLines(_ journal: AppDatabase, now: Date = Date()) throws -> [String] {
    let backlog = try journal.backlog()
    var lines: [String] = []
    if let oldest = backlog.oldestPendingWallTime {
        let age = max(0, Int(now.timeIntervalSince(oldest)))
        lines.append("journal: \(backlog.pendingCount) waiting to be sent to the hub, oldest \(age) s old")
    } else {
        lines.append("journal: nothing waiting to be sent")
    }
    if backlog.parkedCount > 0 {
        lines.append("journal: \(backlog.parkedCount) refused by the hub and parked (staff must look at them):")
        for item in try journal.parkedItems() {
            lines.append("  parked seq \(item.seq) \(item.kind): \(item.reason)")
        }
    }
    return lines
}

struct JournalStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "Print the backlog and parked items.")
    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let settings = try options.load()
        let journal = try openJournal(settings, logger: Logger(label: "zizhu.kiosk"))
        for line in try journalStatusLines(journal) { print(line) }
    }
}

struct JournalRecord: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Journal one business transaction (a fact, never a PIN or a full citizen ID) for the hub.")
    @OptionGroup var options: ConfigOptions
    @Argument(help: "A lower-case dotted kind, e.g. certificate.printed.") var kind: String
    @Argument(help: "The fact as a JSON object.") var payload: String = "{}"

    func run() async throws {
        let settings = try options.load()
        let journal = try openJournal(settings, logger: Logger(label: "zizhu.kiosk"))
        guard (try? JSONSerialization.jsonObject(with: Data(payload.utf8))) is [String: Any] else {
            throw ValidationError("the payload must be a JSON object")
        }
        let entry: JournalEntry
        do {
            entry = try journal.record(kind: kind, payloadJSON: payload)
        } catch let error as JournalError {
            print(error.citizenMessage ?? "not saved: \(error) (a technician must act)")
            throw ExitCode(3)
        }
        let backlog = try journal.backlog()
        print("saved as seq \(entry.seq); \(backlog.pendingCount) waiting, sent when the hub can be reached")
    }
}

struct JournalSync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync", abstract: "Send what waits to the hub once, now, and print the outcome.")
    @OptionGroup var options: ConfigOptions
    @Option(help: "Items per batch.") var batchSize: Int = 500

    func run() async throws {
        let settings = try options.load()
        let logger = Logger(label: "zizhu.kiosk")
        let journal = try openJournal(settings, logger: logger)
        guard let identity = try enrolledIdentity(settings) else {
            print("not enrolled: run zizhu-kiosk enroll first")
            throw ExitCode(1)
        }
        let connection = try HubConnection(
            baseURL: settings.hubURL, httpClient: HubConnection.httpClient(trustingCertificateAt: settings.hubCACertificate),
            timeout: .seconds(10), signer: KioskSigningMiddleware(key: identity.key, deviceID: identity.deviceID))
        let sync = OutboxSync(database: journal, connection: connection, deviceID: identity.deviceID, batchSize: batchSize, logger: logger)
        let outcome = try await sync.drainAll()
        print("sync: \(outcome)")
        for line in try journalStatusLines(journal) { print(line) }
        if case .delivered = outcome { return }
        if case .idle = outcome { return }
        throw ExitCode(2)
    }
}

/// For the crash tests: journals `count` transactions as fast as it can and prints each seq only
/// after its commit returned, so a test that kills it knows which seqs were acknowledged.
struct JournalWriteLoop: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "write-loop", abstract: "Journal transactions in a loop, printing each seq after commit (crash tests).",
        shouldDisplay: false)
    @Option(help: "The journal file.") var journal: String
    @Option(help: "How many transactions.") var count: Int = 1_000_000

    func run() async throws {
        let database = try AppDatabase(path: journal)
        for index in 0..<count {
            let entry = try database.record(kind: "certificate.printed", payload: ["document": "参保证明", "copies": index % 3 + 1])
            // FileHandle writes straight to the descriptor: a line on stdout means the commit returned.
            FileHandle.standardOutput.write(Data("\(entry.seq)\n".utf8))
        }
    }
}
