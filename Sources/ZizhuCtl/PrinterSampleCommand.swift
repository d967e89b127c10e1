import ArgumentParser
import CertificateVerification
import Foundation
import KioskCore
import Logging
import ReceiptPrinting
import ZizhuConfiguration

/// `zizhuctl printer sample-certificate`: prints a 参保证明 for a synthetic person (张三 of
/// assets/cards/zhang-san-3.0.json), signed with this kiosk's device key, to the receipt queue or
/// (`--a4`) the A4 queue — what staff use to check a printer, and what the demo shows.
struct PrintSampleCertificate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample-certificate",
        abstract: "Print a certificate for a synthetic person (no real data) and show its verification code; exit 1 if not printed.")

    @OptionGroup var options: KioskConfigOption

    @Flag(help: "Print as an A4 PDF to the A4 queue instead of the receipt printer.")
    var a4 = false

    @Option(help: "The queue (default: printer.receipt_queue, or zizhu-a4 with --a4).")
    var queue: String?

    @Option(help: "Receipt paper width in mm: 58 or 80.")
    var paper = 80

    @Option(help: "Contribution periods (a year each) of the pension record.")
    var periods = 3

    @Option(help: "The device key to sign with (default: <storage.state_directory>/hub-identity.key, the key the kiosk enrolled with).")
    var key: String?

    func run() async throws {
        let settings = try options.load()
        let keyPath = key ?? "\(settings.stateDirectory)/hub-identity.key"
        let signer: Ed25519CertificateSigner
        if FileManager.default.fileExists(atPath: keyPath) {
            signer = try Ed25519CertificateSigner(keyFile: keyPath)
        } else {
            print("note: no device key at \(keyPath) (kiosk not enrolled): signing with a throwaway key; the hub will not know the code")
            signer = try Ed25519CertificateSigner(rawPrivateKey: (0..<32).map { _ in UInt8.random(in: 0...255) })
        }
        let now = IssueTime(secondsSinceEpoch: Int64(Date().timeIntervalSince1970))
        let pension = (0..<max(1, periods)).map {
            ContributionPeriod(from: YearMonth(year: 2001 + $0, month: 1), through: YearMonth(year: 2001 + $0, month: 12), employer: "示例机械有限公司")
        }
        let certificate = InsuranceCertificate(
            serialNumber: "SAMPLE-" + now.description.filter(\.isNumber), holderName: "张三",
            citizenID: try CitizenID("330102198001011213"),
            records: [
                InsuranceRecord(type: .enterpriseEmployeePension, status: .contributing, firstInsured: CalendarDate(year: 2001, month: 1, day: 1),
                                currentInsuredSince: CalendarDate(year: 2001, month: 1, day: 1), periods: pension),
                InsuranceRecord(type: .employeeMedical, status: .contributing, firstInsured: CalendarDate(year: 2003, month: 5, day: 1),
                                currentInsuredSince: CalendarDate(year: 2010, month: 7, day: 1),
                                periods: [ContributionPeriod(from: YearMonth(year: 2010, month: 7), through: YearMonth(year: 2026, month: 10))]),
            ],
            issuingOffice: settings.office, issuedAt: now, kioskID: "SAMPLE", purpose: "打印机检查（样例，非真实证明）")
        let issued = try IssuedCertificate.issue(certificate, signer: signer)
        let renderer: DocumentRenderer = a4 ? .a4(PDFRenderer()) : .receipt(ESCPOSRenderer(paper: paper == 58 ? .mm58 : .mm80))
        let target = queue ?? (a4 ? "zizhu-a4" : settings.receiptQueue)
        let printer = CUPSReceiptPrinter(connection: CUPSConnection(server: settings.cupsServer), queue: target,
                                         timing: PrintTiming(giveUpAfter: .seconds(30)), logger: Logger(label: "zizhuctl"))
        let attempt = await CertificatePrinting(printer: printer, renderer: renderer, hubBaseURL: settings.hubURL).print(issued)
        print("verification code \(issued.seal.code.grouped), \(issued.seal.code.verifyURL(hubBaseURL: settings.hubURL))")
        switch attempt.outcome {
        case .printed(let job):
            print("\(target): printed (job \(job))")
        case .notPrinted(let failure):
            print("\(target): not printed: \(failure) (\(failure.responsibleParty) must act)")
            print("the citizen would read: \(failure.citizenMessage)")
            throw ExitCode(1)
        }
    }
}
