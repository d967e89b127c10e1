import CertificateVerification
import Foundation
import Journal
import Logging
import ReceiptPrinting
import ZizhuConfiguration

/// Crash-only certificate printing: the intent to print is journalled before CUPS gets the job
/// (its name carries the serial), `certificate.printed` replaces the intent in one transaction
/// once the paper is out, and a kiosk killed in between finds the job on its next start
/// (``recoverLeftovers()``): completed → `certificate.printed`; waiting or printing → cancelled
/// and `certificate.voided`; gone → `certificate.voided`. Nothing is ever resubmitted.
struct JournalledCertificatePrinting: Sendable {
    let journal: AppDatabase
    let printing: CertificatePrinting
    let logger: Logger

    enum Outcome {
        /// On paper and journalled (or, if the journal write failed, left to the next start's recovery).
        case printed(CertificatePrintAttempt)
        case notPrinted(PrintFailure)
        /// The intent could not be journalled: nothing went to the printer.
        case notStarted(any Error)
    }

    /// The `certificate.printed` fact for the hub: what registers the certificate so its QR verifies.
    /// The canonical form holds the holder's name and ID; the journal seals it.
    static func printedPayload(_ issued: IssuedCertificate, attempt: Int) -> [String: any Sendable] {
        [
            "serial": issued.certificate.serialNumber,
            "attempt": attempt,
            "verification_code": issued.seal.code.compact,
            "canonical_form": Data(issued.certificate.canonicalForm).base64EncodedString(),
            "signature": Data(issued.seal.signature).base64EncodedString(),
            "types": issued.certificate.records.map(\.type.rawValue),
        ]
    }

    /// - Parameter onIntent: called once the intent is durable, before the job goes to CUPS.
    func print(_ issued: IssuedCertificate, attempt: Int, onIntent: () -> Void = {}) async -> Outcome {
        let serial = issued.certificate.serialNumber
        // An intent left open (CUPS did not answer at start, or lost sight of a job since) is
        // settled first, so its job is registered or cancelled before anything else prints.
        if let open = try? journal.printIntents(), !open.isEmpty {
            await recoverLeftovers()
        }
        do {
            try journal.recordPrintIntent(serial: serial, payload: Self.printedPayload(issued, attempt: attempt))
        } catch {
            logger.error("print intent not journalled; not printing", metadata: ["serial": .string(serial), "error": .string("\(error)")])
            return .notStarted(error)
        }
        onIntent()
        let result = await printing.print(issued, attempt: attempt)
        switch result.outcome {
        case .printed:
            do {
                try journal.resolvePrintIntent(serial: serial, as: .printed)
            } catch {
                // The intent stays: the next start finds the completed job and registers it.
                logger.critical("printed certificate not journalled; the next start registers it",
                                metadata: ["serial": .string(serial), "error": .string("\(error)")])
            }
            return .printed(result)
        case .notPrinted(let failure):
            if case .unconfirmed = failure {
                // The job may yet print: the intent stays for the next start to decide.
                logger.warning("print unconfirmed; the intent stays for recovery", metadata: ["serial": .string(serial)])
            } else {
                do {
                    try journal.dropPrintIntent(serial: serial)
                } catch {
                    logger.error("print intent not dropped; the next start voids it", metadata: ["serial": .string(serial), "error": .string("\(error)")])
                }
            }
            return .notPrinted(failure)
        }
    }

    /// Settles every intent a killed kiosk left behind; run before the session takes a card.
    /// - Returns: each serial with what was decided (for the operator's command and the tests).
    @discardableResult
    func recoverLeftovers() async -> [(serial: String, decision: PrintRecoveryDecision)] {
        let intents: [PrintIntent]
        do {
            intents = try journal.printIntents()
        } catch {
            logger.critical("print intents unreadable; staff must check the journal", metadata: ["error": .string("\(error)")])
            return []
        }
        let recovery = PrintJobRecovery(printer: printing.printer)
        var decided: [(serial: String, decision: PrintRecoveryDecision)] = []
        for intent in intents {
            let decision = await recovery.decide(serial: intent.serial)
            decided.append((intent.serial, decision))
            let metadata: Logger.Metadata = ["serial": .string(intent.serial), "decision": .string("\(decision)")]
            do {
                switch decision {
                case .printed:
                    try journal.resolvePrintIntent(serial: intent.serial, as: .printed)
                    logger.notice("interrupted print recovered: the certificate is on paper and registered", metadata: metadata)
                case .voided:
                    try journal.resolvePrintIntent(serial: intent.serial, as: .voided)
                    logger.notice("interrupted print recovered: the certificate is voided", metadata: metadata)
                case .undecided:
                    logger.critical("interrupted print undecided; the intent stays for the next start", metadata: metadata)
                }
            } catch {
                logger.critical("interrupted print not journalled", metadata: metadata.merging(["error": .string("\(error)")]) { $1 })
            }
        }
        return decided
    }
}

extension JournalledCertificatePrinting {
    /// The kiosk's certificate printing: the receipt queue through CUPS, as the session prints.
    static func receiptQueue(_ settings: KioskConfiguration, journal: AppDatabase, giveUpAfter: Duration = .seconds(90),
                             logger: Logger) -> JournalledCertificatePrinting {
        let printer = CUPSReceiptPrinter(connection: CUPSConnection(server: settings.cupsServer), queue: settings.receiptQueue,
                                         timing: PrintTiming(giveUpAfter: giveUpAfter), logger: logger)
        let printing = CertificatePrinting(printer: printer, renderer: .receipt(ESCPOSRenderer(paper: .mm80)), hubBaseURL: settings.hubURL)
        return JournalledCertificatePrinting(journal: journal, printing: printing, logger: logger)
    }
}
