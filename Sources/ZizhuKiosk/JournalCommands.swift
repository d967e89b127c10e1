import ArgumentParser
import CertificateVerification
import Foundation
import HubAPI
import HubClient
import KioskCore
import ReceiptPrinting
import Journal
import Logging
import Synchronization
import ZizhuConfiguration

/// `zizhu-kiosk journal …`: what the journal holds and what still has to reach the hub.
struct JournalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "journal",
        abstract: "The on-device journal: backlog, parked items, recording and sending.",
        subcommands: [JournalStatus.self, JournalParked.self, JournalAudit.self, JournalRecord.self, JournalSync.self, JournalPrints.self,
                      JournalRecoverPrints.self, JournalWriteLoop.self, JournalPrintSample.self],
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
    let faults = DeviceFaultAudit(journal: journal, logger: logger)
    return OutboxSync(database: journal, connection: connection, deviceID: identity.deviceID,
                      health: {
                          let health = heartbeatHealth(await survey.run())
                          faults.observe(health)
                          return health
                      }, logger: logger)
}

/// Writes a `device_fault` audit entry whenever a device's state changes between heartbeats.
final class DeviceFaultAudit: Sendable {
    private let journal: AppDatabase
    private let logger: Logger
    private let last = Mutex<[String: String]>([:])

    init(journal: AppDatabase, logger: Logger) {
        self.journal = journal
        self.logger = logger
    }

    func observe(_ health: HeartbeatHealth) {
        let now = ["card_reader": health.cardReader.rawValue, "printer": health.printer.rawValue, "camera": health.camera.rawValue]
        let before = last.withLock { last in
            defer { last = now }
            return last
        }
        for (device, state) in now.sorted(by: { $0.key < $1.key }) where before[device] != state {
            let healthy = state == "ready"
            // The first survey after start is recorded only when a device is not ready.
            if before.isEmpty && healthy { continue }
            do {
                try journal.appendAudit(AuditEvent(.deviceFault, healthy ? "\(device).recovered" : "\(device).\(state)", actor: .system,
                                                   succeeded: healthy, detail: ["device": device, "state": state, "previous": before[device] ?? "unknown"]))
            } catch {
                logger.error("audit entry not written", metadata: ["error": "\(error)"])
            }
        }
    }
}

/// Audit entries for a kiosk start: the software version, and a configuration change when the
/// settings differ from the last start (a digest, never the values).
func auditStart(_ journal: AppDatabase, settings: KioskConfiguration, logger: Logger) throws {
    try journal.appendAudit(AuditEvent(.session, "kiosk.started", actor: .system, detail: ["software_version": String(ZizhuVersion.current.prefix(64))]))
    let digest = AuditEvent.digest(Data(String(reflecting: settings).utf8))
    let previous = try journal.deviceSetting("audit.configuration_digest")
    if previous != digest {
        try journal.appendAudit(AuditEvent(.configuration, previous == nil ? "configuration.first_seen" : "configuration.changed", actor: .technician,
                                           detail: ["digest": digest, "previous_digest": previous ?? ""]))
        try journal.setDeviceSetting("audit.configuration_digest", to: digest)
    }
    if case .broken(let index, let reason) = try journal.verifyAuditChain() {
        logger.critical("audit log chain broken; the journal file was altered outside the kiosk", metadata: ["index": "\(index)", "reason": "\(reason.rawValue)"])
    }
}

/// The device survey as a heartbeat reports it.
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
    return HeartbeatHealth(softwareVersion: ZizhuVersion.current, cardReader: cardReader, printer: printer,
                           camera: report.cameraPresent ? .ready : .missing)
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
    let evidence = try journal.faceEvidenceCounts()
    if evidence != FaceEvidenceCounts(held: 0, deletedAfterAcknowledgement: 0, deletedWhenParked: 0, deletedByRetention: 0) {
        lines.append("journal: face evidence \(evidence.held) held (sealed); deleted \(evidence.deletedAfterAcknowledgement) after the hub's ack, "
                     + "\(evidence.deletedWhenParked) when parked, \(evidence.deletedByRetention) by the retention limit")
    }
    switch try journal.verifyAuditChain() {
    case .intact(let entries, _): lines.append("journal: audit log \(entries) entries, chain intact")
    case .broken(let index, let reason):
        lines.append("journal: audit log chain BROKEN at entry \(index) (\(reason.rawValue)): the file was altered outside the kiosk; a technician must keep it and report it")
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

struct JournalParked: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parked", abstract: "List items the hub refused for good (kinds, seqs and reasons; no content).")
    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let settings = try options.load()
        let journal = try openJournal(settings, logger: Logger(label: "zizhu.kiosk"))
        let parked = try journal.parkedItems()
        if parked.isEmpty { print("journal: nothing parked") }
        for item in parked { print("parked seq \(item.seq) \(item.kind): \(item.reason)") }
    }
}

struct JournalAudit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Print the latest audit log entries and check the hash chain.")
    @OptionGroup var options: ConfigOptions
    @Option(help: "How many of the latest entries to print.") var last: Int = 20

    func run() async throws {
        let settings = try options.load()
        let journal = try openJournal(settings, logger: Logger(label: "zizhu.kiosk"))
        let formatter = ISO8601DateFormatter()
        for entry in try journal.auditEntries(last: max(0, last)) {
            let time = formatter.string(from: Date(timeIntervalSince1970: Double(entry.wallTimeMilliseconds) / 1000))
            let detail = entry.detail.keys.sorted().map { "\($0)=\(entry.detail[$0] ?? "")" }.joined(separator: " ")
            print("\(entry.index) \(time) \(entry.category.rawValue) \(entry.action) \(entry.actorCode) \(entry.succeeded ? "success" : "failure") \(detail)")
        }
        switch try journal.verifyAuditChain() {
        case .intact(let entries, let head):
            print("audit chain intact: \(entries) entries, head \(head.prefix(16))…")
        case .broken(let index, let reason):
            print("audit chain BROKEN at entry \(index) (\(reason.rawValue)): the journal file was altered outside the kiosk; a technician must keep the file and report it")
            throw ExitCode(4)
        }
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

struct JournalPrints: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prints", abstract: "List certificates whose printing was interrupted (serials and ages; no content).")
    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let settings = try options.load()
        let journal = try openJournal(settings, logger: Logger(label: "zizhu.kiosk"))
        let intents = try journal.printIntents()
        if intents.isEmpty { print("journal: no interrupted print") }
        for intent in intents {
            print("interrupted print \(intent.serial), \(max(0, Int(Date().timeIntervalSince(intent.createdAt)))) s old")
        }
    }
}

struct JournalRecoverPrints: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover-prints",
        abstract: "Settle interrupted certificate prints now, as the kiosk does on start (the kiosk screen must not be running).")
    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let settings = try options.load()
        let logger = Logger(label: "zizhu.kiosk")
        let journal = try openJournal(settings, logger: logger)
        let decided = await JournalledCertificatePrinting.receiptQueue(settings, journal: journal, logger: logger).recoverLeftovers()
        if decided.isEmpty { print("journal: no interrupted print") }
        for (serial, decision) in decided {
            switch decision {
            case .printed(let job): print("\(serial): printed (job \(job)); certificate.printed journalled")
            case .voided(let jobs): print("\(serial): voided\(jobs.isEmpty ? "" : " (cancelled job \(jobs.map(String.init).joined(separator: ", ")))"); certificate.voided journalled")
            case .undecided(let reason): print("\(serial): undecided (\(reason)); left for the next start")
            }
        }
        if decided.contains(where: { if case .undecided = $0.decision { return true } else { return false } }) { throw ExitCode(2) }
    }
}

/// For the crash tests: prints a sample certificate (a made-up holder, signed with a throwaway
/// key, so it never verifies at a hub) through the kiosk's crash-only path, saying `intent <serial>`
/// once the intent is journalled and `printed`/`not printed` at the end.
struct JournalPrintSample: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "print-sample", abstract: "Print a sample certificate through the journalled path (crash tests).",
        shouldDisplay: false)
    @OptionGroup var options: ConfigOptions
    @Option(help: "The certificate's serial.") var serial: String

    func run() async throws {
        let settings = try options.load()
        // Its certificate.printed would go to the hub, which refuses the throwaway signature.
        guard try enrolledIdentity(settings) == nil else {
            throw ValidationError("print-sample is for test journals: this kiosk is enrolled with a hub")
        }
        let logger = Logger(label: "zizhu.kiosk")
        let journal = try openJournal(settings, logger: logger)
        let signer = try Ed25519CertificateSigner(rawPrivateKey: (0..<32).map { _ in UInt8.random(in: 0...255) })
        let certificate = InsuranceCertificate(
            serialNumber: serial, holderName: "张三", citizenID: try CitizenID("330102198001011213"),
            records: [InsuranceRecord(type: .employeeMedical, status: .contributing, firstInsured: CalendarDate(year: 2003, month: 5, day: 1),
                                      currentInsuredSince: CalendarDate(year: 2010, month: 7, day: 1),
                                      periods: [ContributionPeriod(from: YearMonth(year: 2010, month: 7), through: YearMonth(year: 2026, month: 10))])],
            issuingOffice: settings.office, issuedAt: IssueTime(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)),
            kioskID: "SAMPLE", purpose: "打印测试")
        let issued = try IssuedCertificate.issue(certificate, signer: signer)
        let printing = JournalledCertificatePrinting.receiptQueue(settings, journal: journal, logger: logger)
        switch await printing.print(issued, attempt: 1, onIntent: { FileHandle.standardOutput.write(Data("intent \(serial)\n".utf8)) }) {
        case .printed(let attempt): print("printed \(serial) \(attempt.outcome)")
        case .notPrinted(let failure): print("not printed \(serial) \(failure)"); throw ExitCode(1)
        case .notStarted(let error): print("not started \(serial) \(error)"); throw ExitCode(3)
        }
    }
}
