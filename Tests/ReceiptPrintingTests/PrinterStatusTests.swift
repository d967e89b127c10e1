import KioskCore
import ReceiptPrinting
import Testing

@Suite struct PrinterAvailabilityTests {
    static func status(_ state: PrinterStatus.State, _ reasons: Set<String>, accepting: Bool = true) -> PrinterStatus {
        PrinterStatus(state: state, reasons: reasons, isAcceptingJobs: accepting, message: "")
    }

    @Test(arguments: [
        (status(.idle, []), PrintingAvailability.canPrint),
        (status(.processing, []), .canPrint),
        (status(.idle, ["media-low-report"]), .canPrintPaperLow),
        (status(.processing, ["media-empty-error"]), .cannotPrint(.paperOut)),
        (status(.idle, ["media-needed-warning"]), .cannotPrint(.paperOut)),
        (status(.stopped, ["media-jam-error"]), .cannotPrint(.paperJam)),
        (status(.idle, ["cover-open-error"]), .cannotPrint(.coverOpen)),
        (status(.idle, ["offline-report"]), .cannotPrint(.offline)),
        (status(.stopped, ["paused"]), .cannotPrint(.stopped)),
        (status(.idle, [], accepting: false), .cannotPrint(.notAcceptingJobs)),
        (status(.idle, ["media-low-report", "media-empty-error"]), .cannotPrint(.paperOut)),
    ])
    func mapsIPPToAvailability(_ status: PrinterStatus, _ expected: PrintingAvailability) {
        #expect(status.availability == expected)
    }

    @Test func faultsSayWhoMustAct() {
        #expect(PrintingFault.paperOut.responsibleParty == .staff)
        #expect(PrintingFault.offline.responsibleParty == .technician)
        #expect(PrintingFault.cupsUnavailable.responsibleParty == .technician)
    }
}
