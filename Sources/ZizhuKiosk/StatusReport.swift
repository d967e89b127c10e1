import KioskCore
import SocialSecurityCard
import ReceiptPrinting
import ZizhuConfiguration

/// Plain-English status lines for operators (`zizhu-kiosk status`); no personal data.
enum StatusReport {
    static func text(_ report: DeviceReport, settings: KioskConfiguration) -> String {
        var lines: [String] = []
        switch report.cardReader {
        case .ready(let reader, .empty): lines.append("card-reader: ready (\(reader)), no card")
        case .ready(let reader, .present): lines.append("card-reader: ready (\(reader)), card present")
        case .noReader: lines.append("card-reader: no reader found (technician: check the reader and pcscd)")
        case .fault(let text): lines.append("card-reader: fault: \(text)")
        }
        switch report.printer {
        case .success(let status):
            lines.append("printer \(settings.receiptQueue): \(text(status.availability))"
                         + (status.message.isEmpty ? "" : " (\(status.message))"))
        case .failure(let fault):
            lines.append("printer \(settings.receiptQueue): \(text(PrintingAvailability.cannotPrint(fault)))")
        }
        lines.append("hub \(settings.hubURL): " + (report.hubVersion.map { "online (version \($0))" } ?? "offline"))
        return lines.joined(separator: "\n")
    }

    static func text(_ availability: PrintingAvailability) -> String {
        switch availability {
        case .canPrint: return "can print"
        case .canPrintPaperLow: return "can print, paper low (staff: refill soon)"
        case .cannotPrint(let fault): return "cannot print: \(fault) (\(fault.responsibleParty) must act)"
        }
    }

    static func text(_ availability: ServiceAvailability) -> String {
        switch availability {
        case .available: return "available"
        case .availableOffline: return "available offline (saved, sent when the hub is back)"
        case .unavailable(let missing): return "unavailable (needs \(missing.map(\.rawValue).sorted().joined(separator: ", ")))"
        }
    }
}
