import ESCPOS
import KioskCore

/// What CUPS reports about a queue (IPP Get-Printer-Attributes), before any interpretation.
public struct PrinterStatus: Equatable, Sendable {
    /// IPP `printer-state`.
    public enum State: Int, Sendable {
        case idle = 3
        case processing = 4
        case stopped = 5
    }

    public var state: State
    /// IPP `printer-state-reasons` keywords, e.g. `media-empty-error`, `media-low-report`; never contains `none`.
    public var reasons: Set<String>
    /// IPP `printer-is-accepting-jobs`.
    public var isAcceptingJobs: Bool
    /// IPP `printer-state-message`, as the backend or an operator wrote it.
    public var message: String
    /// IPP `device-uri`: where the queue sends jobs (`zizhu-escpos://127.0.0.1:9100`), if CUPS said.
    public var deviceURI: String?

    public init(state: State, reasons: Set<String>, isAcceptingJobs: Bool, message: String) {
        self.state = state
        self.reasons = reasons
        self.isAcceptingJobs = isAcceptingJobs
        self.message = message
    }

    /// Maps the raw status onto what the kiosk needs to decide.
    public var availability: PrintingAvailability {
        // Reasons carry a severity suffix (-error, -warning, -report); the bare keyword is what matters.
        let keywords = Set(reasons.map(Self.keyword))
        if keywords.contains("media-empty") || keywords.contains("media-needed") { return .cannotPrint(.paperOut) }
        if keywords.contains("media-jam") { return .cannotPrint(.paperJam) }
        if keywords.contains("cover-open") || keywords.contains("door-open") { return .cannotPrint(.coverOpen) }
        if keywords.contains("offline") || keywords.contains("shutdown") || keywords.contains("connecting-to-device") {
            return .cannotPrint(.offline)
        }
        if state == .stopped || keywords.contains("paused") { return .cannotPrint(.stopped) }
        if !isAcceptingJobs { return .cannotPrint(.notAcceptingJobs) }
        if keywords.contains("media-low") { return .canPrintPaperLow }
        return .canPrint
    }

    static func keyword(_ reason: String) -> String {
        for suffix in ["-error", "-warning", "-report"] where reason.hasSuffix(suffix) {
            return String(reason.dropLast(suffix.count))
        }
        return reason
    }
}

/// Whether the kiosk may offer printing services right now, and who must act if not.
public enum PrintingAvailability: Equatable, Sendable {
    case canPrint
    /// Printing works; staff should refill paper soon.
    case canPrintPaperLow
    /// Printing services are disabled; the citizen is told plainly, staff or a technician acts.
    case cannotPrint(PrintingFault)
}

/// Why the printer cannot print.
public enum PrintingFault: Error, Equatable, Sendable {
    /// Staff: load paper.
    case paperOut
    /// Staff: clear the jam.
    case paperJam
    /// Staff: close the cover.
    case coverOpen
    /// Technician: the printer does not answer.
    case offline
    /// Staff or technician: the queue was stopped (`cupsdisable`) or the backend gave up.
    case stopped
    /// Staff: the queue refuses jobs (`cupsreject`).
    case notAcceptingJobs
    /// Technician: the queue does not exist in CUPS.
    case noSuchQueue
    /// Technician: cupsd does not answer.
    case cupsUnavailable
    /// Technician: the document could not be rendered (a font or cairo missing).
    case rendering

    /// Who must act to bring printing back.
    public var responsibleParty: ResponsibleParty {
        switch self {
        case .paperOut, .paperJam, .coverOpen, .notAcceptingJobs: return .staff
        case .offline, .stopped, .noSuchQueue, .cupsUnavailable, .rendering: return .technician
        }
    }
}

extension PrinterStatus {
    /// For a `zizhu-escpos` queue that is idle, asks the printer itself (`DLE EOT`) and adds its
    /// sensor reasons. CUPS learns a printer's paper state only while a backend runs a job; an
    /// idle kiosk must still stop offering printing the moment the paper runs out. While a job
    /// runs, the backend reports the same reasons to CUPS, so the printer is left alone.
    func withDeviceProbe(timeoutMilliseconds: Int32 = 700) -> PrinterStatus {
        guard state == .idle, let uri = deviceURI, let address = ESCPOSPrinterAddress(deviceURI: uri) else { return self }
        var probed = self
        do {
            let link = try ESCPOSPrinterLink(address, connectTimeoutMilliseconds: timeoutMilliseconds)
            let condition = try link.condition(timeoutMilliseconds: timeoutMilliseconds)
            probed.reasons.formUnion(condition.ippReasons)
        } catch {
            probed.reasons.insert("offline-report")
        }
        return probed
    }
}
