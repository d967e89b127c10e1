import KioskCore

/// What became of one print: a value the kiosk journals. Only `.printed` counts a certificate
/// as issued; every other case means "not on paper", and the citizen may print again (a reprint
/// of a certificate carries the same verification code).
public enum PrintOutcome: Equatable, Sendable {
    /// CUPS reported the job completed: our backend saw the printer finish it.
    case printed(jobID: Int32)
    case notPrinted(PrintFailure)

    public var isPrinted: Bool { if case .printed = self { return true } else { return false } }
}

/// Why a document did not print.
public enum PrintFailure: Error, Equatable, Sendable {
    /// The printer could not print, so nothing was sent.
    case unavailable(PrintingFault)
    /// CUPS did not take the job (cupsd down, queue refusing): nothing will print.
    case refused(PrintingFault)
    /// The job ended without printing: the backend gave up, or the kiosk cancelled it after
    /// waiting (paper ran out and nobody refilled it in time). `fault` is what the printer said.
    case abandoned(jobID: Int32, fault: PrintingFault?)
    /// The kiosk lost sight of the job (cupsd stopped while it ran). It is not counted as
    /// printed; if paper did come out, a reprint carries the same code, so nothing is counted twice.
    case unconfirmed(jobID: Int32)

    /// Who must act.
    public var responsibleParty: ResponsibleParty {
        switch self {
        case .unavailable(let fault), .refused(let fault): return fault.responsibleParty
        case .abandoned(_, let fault): return fault?.responsibleParty ?? .technician
        case .unconfirmed: return .staff
        }
    }

    /// What the screen tells the citizen: plain words, what happened and what to do.
    public var citizenMessage: String {
        switch self {
        case .unavailable(.paperOut), .abandoned(_, .paperOut?):
            return "打印机没有纸了，这次没有打印出来。请找大厅工作人员加纸，然后再打印一次。"
        case .unavailable(.coverOpen), .abandoned(_, .coverOpen?), .unavailable(.paperJam), .abandoned(_, .paperJam?):
            return "打印机出了点问题，这次没有打印出来。请找大厅工作人员帮忙，然后再打印一次。"
        case .unconfirmed:
            return "没能确认是否打印出来。请看看出纸口；如果没有纸出来，请找工作人员，稍后再打印一次，验证码不会变。"
        default:
            return "打印机现在用不了，这次没有打印出来。请找大厅工作人员，或者稍后再来打印。"
        }
    }
}

extension PrintingFault {
    /// The fault a set of IPP reasons points at, if any.
    static func from(reasons: Set<String>) -> PrintingFault? {
        if case .cannotPrint(let fault) = PrinterStatus(state: .processing, reasons: reasons, isAcceptingJobs: true, message: "").availability {
            return fault
        }
        return nil
    }
}
