import HubClient
import KioskCore
import ReceiptPrinting
import SocialSecurityCard
import ZizhuConfiguration

/// One look at every device and at the hub, as values.
struct DeviceReport: Equatable, Sendable {
    enum CardReader: Equatable, Sendable {
        case ready(reader: String, card: CardPresence)
        case noReader
        case fault(String)
    }

    var cardReader: CardReader
    /// What the card in the reader said, once read; `nil` while there is no card.
    var card: CardReading?
    var printer: Result<PrinterStatus, PrintingFault>
    var hubVersion: String?
    /// The configured camera is there (device node, or a folder of recorded frames).
    var cameraPresent = false

    var health: KioskHealth {
        let readerOK: Bool
        if case .ready = cardReader { readerOK = true } else { readerOK = false }
        let printerOK: Bool
        switch printer {
        case .success(let status):
            switch status.availability {
            case .canPrint, .canPrintPaperLow: printerOK = true
            case .cannotPrint: printerOK = false
            }
        case .failure: printerOK = false
        }
        return KioskHealth(cardReader: readerOK, printer: printerOK, camera: cameraPresent, hub: hubVersion != nil)
    }
}

/// The outcome of reading the card that was inserted.
enum CardReading: Equatable, Sendable {
    /// Masked for the screen: 张*, 330102********1213.
    case holder(maskedName: String, maskedID: String)
    case failed(CardError)
}

/// Asks each device and the hub for its state. Every failure becomes a value in the report.
struct DeviceSurvey: Sendable {
    let settings: KioskConfiguration
    let hub: HubConnection?

    init(settings: KioskConfiguration) {
        self.settings = settings
        hub = try? HubConnection(baseURL: settings.hubURL, httpClient: HubConnection.httpClient(trustingCertificateAt: settings.hubCACertificate),
                                 timeout: .seconds(2))
    }

    func run() async -> DeviceReport {
        async let hubVersion = try? hub?.health()
        let printer = CUPSConnection(server: settings.cupsServer).printerStatus(queue: settings.receiptQueue)
        return DeviceReport(cardReader: cardReader(), card: nil, printer: printer, hubVersion: await hubVersion ?? nil,
                            cameraPresent: KioskCamera(source: settings.cameraSource, demoPlan: nil).isPresent)
    }

    /// Reads the holder of the card in `reader`; the full record stays here, only masked text leaves.
    func readCard(reader: String, today: CalendarDate) -> CardReading {
        do {
            let session = try CardSession(context: PCSCContext(), reader: reader)
            defer { session.close() }
            let holder = try session.readCardHolder(today: today)
            return .holder(maskedName: holder.maskedName, maskedID: holder.citizenID.masked)
        } catch let error as CardError {
            return .failed(error)
        } catch let error as PCSCError {
            return .failed(.readerFault(error))
        } catch {
            return .failed(.malformedResponse("\(error)"))
        }
    }

    private func cardReader() -> DeviceReport.CardReader {
        do {
            let context = try PCSCContext()
            let readers = try context.readerNames()
            let wanted = settings.cardReader
            guard let reader = readers.first(where: { wanted == nil || $0.hasPrefix(wanted!) }) else { return .noReader }
            return .ready(reader: reader, card: try context.cardPresence(reader: reader))
        } catch {
            return error.kind == .readerUnavailable ? .noReader : .fault(error.description)
        }
    }
}
