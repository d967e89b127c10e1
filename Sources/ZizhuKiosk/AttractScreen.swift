import KioskCore
import ReceiptPrinting
import SocialSecurityCard
import TextConsole
import ZizhuConfiguration

/// The attract screen: what the kiosk offers, whether each service works right now, and the
/// instruction to insert the card. Pure: a report in, lines of text out.
struct AttractScreen {
    let office: String
    let texts: ScreenTexts
    let catalogue: ServiceCatalogue

    static let textKeys = [
        "attract.title", "attract.insert_card", "attract.card_detected", "attract.hours", "attract.services_heading",
        "attract.unavailable_suffix", "attract.offline_suffix", "status.heading", "status.card_reader_ok",
        "status.card_reader_missing", "status.printer_ok", "status.printer_paper_low", "status.printer_unavailable",
        "status.hub_ok", "status.hub_offline", "card.confirm_heading", "card.name_label", "card.id_label", "card.expired",
        "card.not_social_security", "card.removed", "card.unreadable", "card.reader_fault",
    ]

    /// A line of the screen and how it should stand out.
    struct Line: Equatable {
        enum Emphasis { case title, normal, prompt, muted }
        var text: String
        var emphasis: Emphasis
    }

    func lines(for report: DeviceReport) -> [Line] {
        var lines: [Line] = [
            Line(text: texts["attract.title"], emphasis: .title),
            Line(text: office, emphasis: .normal),
            Line(text: "", emphasis: .normal),
        ]
        if let card = report.card {
            lines += cardLines(card)
        } else if case .ready(_, .present) = report.cardReader {
            lines.append(Line(text: texts["attract.card_detected"], emphasis: .prompt))
        } else {
            lines.append(Line(text: "【" + texts["attract.insert_card"] + "】", emphasis: .prompt))
        }
        lines.append(Line(text: "", emphasis: .normal))
        lines.append(Line(text: texts["attract.services_heading"], emphasis: .normal))
        for (service, availability) in catalogue.availability(under: report.health) {
            switch availability {
            case .available: lines.append(Line(text: "  " + service.title, emphasis: .normal))
            case .availableOffline: lines.append(Line(text: "  " + service.title + texts["attract.offline_suffix"], emphasis: .normal))
            case .unavailable: lines.append(Line(text: "  " + service.title + texts["attract.unavailable_suffix"], emphasis: .muted))
            }
        }
        lines.append(Line(text: "", emphasis: .normal))
        lines.append(Line(text: statusLine(report), emphasis: .muted))
        lines.append(Line(text: texts["attract.hours"], emphasis: .muted))
        return lines
    }

    private func cardLines(_ card: CardReading) -> [Line] {
        switch card {
        case .holder(let name, let id):
            return [
                Line(text: texts["card.confirm_heading"], emphasis: .prompt),
                Line(text: texts["card.name_label"] + name, emphasis: .normal),
                Line(text: texts["card.id_label"] + id, emphasis: .normal),
            ]
        case .failed(let error):
            let key: String
            switch error {
            case .cardExpired: key = "card.expired"
            case .notASocialSecurityCard: key = "card.not_social_security"
            case .cardRemoved, .noCard: key = "card.removed"
            case .readerFault, .secureReadRequired: key = "card.reader_fault"
            default: key = "card.unreadable"
            }
            return [Line(text: "【" + texts[key] + "】", emphasis: .prompt)]
        }
    }

    private func statusLine(_ report: DeviceReport) -> String {
        let reader: String
        if case .ready = report.cardReader { reader = texts["status.card_reader_ok"] } else { reader = texts["status.card_reader_missing"] }
        let printer: String
        switch report.printer {
        case .success(let status) where status.availability == .canPrint: printer = texts["status.printer_ok"]
        case .success(let status) where status.availability == .canPrintPaperLow: printer = texts["status.printer_paper_low"]
        default: printer = texts["status.printer_unavailable"]
        }
        let hub = report.hubVersion != nil ? texts["status.hub_ok"] : texts["status.hub_offline"]
        return "\(reader)  \(printer)  \(hub)"
    }

    /// Renders the lines for a terminal of `columns` cells: titles centred, text cut (never mid
    /// character) to fit. High-contrast colours: white or yellow on black.
    static func render(_ lines: [Line], columns: Int) -> String {
        var out = "\u{1B}[H\u{1B}[2J"
        for line in lines {
            let text = DisplayWidth.truncate(line.text, toColumns: columns)
            switch line.emphasis {
            case .title:
                let padding = max(0, (columns - DisplayWidth.of(text)) / 2)
                out += String(repeating: " ", count: padding) + "\u{1B}[1;97m" + text + "\u{1B}[0m\r\n"
            case .prompt: out += "\u{1B}[1;93m" + text + "\u{1B}[0m\r\n"
            case .normal: out += "\u{1B}[97m" + text + "\u{1B}[0m\r\n"
            case .muted: out += "\u{1B}[37m" + text + "\u{1B}[0m\r\n"
            }
        }
        return out
    }
}
