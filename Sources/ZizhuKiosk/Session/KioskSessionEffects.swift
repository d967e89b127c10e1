import CertificateVerification
import Foundation
import HubClient
import Journal
import KioskCore
import KioskSession
import Logging
import ReceiptPrinting
import SocialSecurityCard
import StaffAccess
import TextConsole
import Synchronization
import ZizhuConfiguration

/// The session's effects on the real kiosk: the card through pcscd, the receipt printer through
/// CUPS, the journal (every business fact in one durable transaction with its outbox row) and
/// the hub's records.
final class KioskSessionEffects: SessionEffects {
    let settings: KioskConfiguration
    let devices: DeviceSupervisor
    let journal: AppDatabase
    let printing: CertificatePrinting
    /// The hub's records for the card holder; nil while the kiosk has no enrolled hub identity.
    let records: (@Sendable (CardHolder) async -> RecordsAnswer)?
    /// Signs certificates: the key the kiosk enrolled with, so the hub can verify them.
    let signer: (any CertificateSigner)?
    let kioskID: String
    /// The hub's signed client; nil before enrollment.
    let hub: HubConnection?
    let camera: KioskCamera
    /// The check's spoken prompts go through the same speaker as the screens.
    let speaker: any Speaker
    let liveness = LivenessCheckSlot()
    let logger: Logger
    /// Wrong operator codes and used ones, for staff mode (in memory: a restart forgets the count,
    /// and restarts are audited).
    let staffGate = Mutex(OperatorCodeGate())
    /// The certificate of the last print request, so a retry prints the same one (same code).
    private let lastIssued = Mutex<(request: CertificateRequest, issued: IssuedCertificate)?>(nil)

    init(settings: KioskConfiguration, devices: DeviceSupervisor, journal: AppDatabase, printing: CertificatePrinting,
         records: (@Sendable (CardHolder) async -> RecordsAnswer)?, signer: (any CertificateSigner)?, kioskID: String,
         hub: HubConnection?, camera: KioskCamera, speaker: any Speaker, logger: Logger) {
        self.settings = settings
        self.devices = devices
        self.journal = journal
        self.printing = printing
        self.records = records
        self.signer = signer
        self.kioskID = kioskID
        self.hub = hub
        self.camera = camera
        self.speaker = speaker
        self.logger = logger
    }

    func nextDeviceEvent() async -> DeviceEvent { await devices.next() }

    func readCard() async -> CardReadOutcome {
        guard let reader = devices.cardReader else { return .failed(.removed) }
        let today = Today.date()
        // pcscd calls block; keep them off the cooperative pool's threads.
        return await Self.offPool {
            do {
                let session = try CardSession(context: PCSCContext(), reader: reader)
                defer { session.close() }
                return .holder(try session.readCardHolder(today: today))
            } catch let error as CardError {
                return .failed(Self.problem(error))
            } catch {
                return .failed(.readerFault)
            }
        }
    }

    static func problem(_ error: CardError) -> CardProblem {
        switch error {
        case .cardExpired: return .expired
        case .notASocialSecurityCard: return .notASocialSecurityCard
        case .cardRemoved, .noCard: return .removed
        case .readerFault, .secureReadRequired: return .readerFault
        default: return .unreadable
        }
    }

    func insuranceRecords(for holder: CardHolder) async -> RecordsAnswer {
        guard let records else { return .failed(.offline) }
        let answer = await records(holder)
        logger.info("records asked", metadata: ["citizen.id": .string(holder.citizenID.masked), "answer": .string(Self.describe(answer))])
        return answer
    }

    private static func describe(_ answer: RecordsAnswer) -> String {
        switch answer {
        case .records(let records, _): return "\(records.count) types"
        case .failed(let problem): return "\(problem)"
        }
    }

    func printCertificate(_ request: CertificateRequest) async -> CertificatePrintResult {
        do {
            try journal.admitNewService()
        } catch {
            logger.error("journal refuses new work", metadata: ["error": .string("\(error)")])
            return .refused(citizenMessage: "这台机器的存储空间不足，暂时不能办理。")
        }
        guard let signer else {
            return .notPrinted(citizenMessage: "这台机器还没有登记到社保系统，不能出具证明。", tryAgain: false)
        }
        let issued: IssuedCertificate
        do {
            issued = try certificate(for: request, signer: signer)
        } catch {
            logger.error("certificate not issued", metadata: ["error": .string("\(error)")])
            return .notPrinted(citizenMessage: "证明没有生成成功。", tryAgain: false)
        }
        // Crash-only: the intent is journalled before CUPS gets the job, and replaced by
        // certificate.printed (which registers it with the hub, so its QR verifies) in one transaction.
        let journalled = JournalledCertificatePrinting(journal: journal, printing: printing, logger: logger)
        switch await journalled.print(issued, attempt: request.attempt) {
        case .printed(let attempt):
            logger.info("certificate printed", metadata: ["serial": .string(issued.certificate.serialNumber), "attempt": "\(attempt.attempt)"])
            return .printed(code: issued.seal.code.grouped)
        case .notPrinted(let failure):
            logger.warning("certificate not printed", metadata: ["failure": .string("\(failure)"),
                                                                 "who": .string("\(failure.responsibleParty)")])
            return .notPrinted(citizenMessage: failure.citizenMessage, tryAgain: failure.responsibleParty == .staff)
        case .notStarted:
            return .refused(citizenMessage: "这台机器暂时不能保存您的办理记录，不能打印。")
        }
    }

    /// The same request prints the same certificate; a new request gets a new serial.
    private func certificate(for request: CertificateRequest, signer: any CertificateSigner) throws -> IssuedCertificate {
        if let last = lastIssued.withLock({ $0 }), last.request.holder == request.holder, last.request.records == request.records {
            return last.issued
        }
        let now = Int64(Date().timeIntervalSince1970)
        let issueTime = IssueTime(secondsSinceEpoch: now)
        let serial = "\(kioskID.suffix(6))-\(issueTime.description.filter(\.isNumber))-\(UInt16.random(in: 0...9999))"
        let certificate = InsuranceCertificate(serialNumber: serial, holderName: request.holder.name, citizenID: request.holder.citizenID,
                                               records: request.records, issuingOffice: settings.office, issuedAt: issueTime,
                                               kioskID: kioskID, purpose: "参保缴费情况证明")
        let issued = try IssuedCertificate.issue(certificate, signer: signer)
        lastIssued.withLock { $0 = (request, issued) }
        return issued
    }

    func recordRating(_ rating: ServiceRating) async -> JournalWriteOutcome {
        var payload: [String: any Sendable] = ["service": rating.serviceID, "level": rating.level.rawValue]
        if let reason = rating.reason { payload["reason"] = reason }
        return write(kind: "rating.given", payload: payload)
    }

    func callStaff(_ reason: StaffCallReason) async -> JournalWriteOutcome {
        logger.notice("staff called", metadata: ["reason": .string(reason.rawValue)])
        return write(kind: "staff.called", payload: ["reason": reason.rawValue])
    }

    private func write(kind: String, payload: [String: any Sendable]) -> JournalWriteOutcome {
        do {
            try journal.admitNewService()
            try journal.record(kind: kind, payload: payload)
            return .saved
        } catch {
            logger.error("journal write failed", metadata: ["kind": .string(kind), "error": .string("\(error)")])
            return .refused(citizenMessage: "这台机器暂时不能保存您的办理记录。")
        }
    }

    func changePIN(old: [Int], new: [Int]) async -> PINChangeOutcome {
        guard let reader = devices.cardReader else { return .failed(.removed) }
        let outcome = await Self.changePIN(old: old, new: new, reader: reader)
        if case .changed = outcome {
            // The fact only: no PIN, no card number. The card holds the new PIN already, so a
            // journal that cannot take the fact does not undo it; it is logged for a technician.
            if case .refused = write(kind: "pin.changed", payload: ["service": "change-pin"]) {
                logger.error("a PIN change is not journalled")
            }
        }
        return outcome
    }

    private static func changePIN(old: [Int], new: [Int], reader: String) async -> PINChangeOutcome {
        await Self.offPool {
            do {
                let oldPIN = try PINBuffer(digits: old.map { UInt8(clamping: $0) })
                let newPIN = try PINBuffer(digits: new.map { UInt8(clamping: $0) })
                defer {
                    oldPIN.wipe()
                    newPIN.wipe()
                }
                let session = try CardSession(context: PCSCContext(), reader: reader)
                defer { session.close() }
                try session.changePIN(old: oldPIN, new: newPIN)
                return .changed
            } catch let error as CardError {
                switch error {
                case .wrongPIN(let triesLeft): return triesLeft == 0 ? .blocked : .wrongPIN(triesLeft: triesLeft)
                case .pinBlocked: return .blocked
                default: return .failed(Self.problem(error))
                }
            } catch {
                return .failed(.readerFault)
            }
        }
    }

    /// Runs blocking device work on a plain thread and awaits it.
    static func offPool<Value: Sendable>(_ work: @escaping @Sendable () -> Value) async -> Value {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: work()) }.start()
        }
    }
}
