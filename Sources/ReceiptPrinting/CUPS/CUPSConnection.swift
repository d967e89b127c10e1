import CCUPS
import ESCPOS
import Glibc

/// A connection to one cupsd, given explicitly rather than through libcups's per-thread defaults.
///
/// libcups keeps its default server in thread-local state, and Swift tasks hop threads; so every
/// request here carries its own `http_t`, opened from the configured server address.
public struct CUPSConnection: Sendable {
    /// A socket path (`/run/cups/cups.sock`) or `host:port`; `nil` asks libcups for its default.
    public let server: String?

    public init(server: String?) {
        self.server = server
    }

    /// Reads a queue's state through IPP Get-Printer-Attributes.
    /// - Returns: the status, or the fault that explains why there is none.
    public func printerStatus(queue: String) -> Result<PrinterStatus, PrintingFault> {
        guard let http = open() else { return .failure(.cupsUnavailable) }
        defer { httpClose(http) }
        guard let request = ippNewRequest(IPP_OP_GET_PRINTER_ATTRIBUTES) else { return .failure(.cupsUnavailable) }
        _ = ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nil, "ipp://localhost/printers/\(queue)")
        let wanted = ["printer-state", "printer-state-reasons", "printer-is-accepting-jobs", "printer-state-message", "device-uri"]
        let names = wanted.map { strdup($0) }
        defer { names.forEach { free($0) } }
        names.map { UnsafePointer($0) }.withUnsafeBufferPointer { pointers in
            _ = ippAddStrings(request, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", Int32(pointers.count), nil, pointers.baseAddress)
        }
        // cupsDoRequest frees the request.
        guard let response = cupsDoRequest(http, request, "/") else { return .failure(.cupsUnavailable) }
        defer { ippDelete(response) }
        let status = ippGetStatusCode(response)
        if status == IPP_STATUS_ERROR_NOT_FOUND { return .failure(.noSuchQueue) }
        guard status.rawValue < 0x0400 else { return .failure(.cupsUnavailable) }

        let stateValue = ippFindAttribute(response, "printer-state", IPP_TAG_ENUM).map { ippGetInteger($0, 0) } ?? 3
        var reasons: Set<String> = []
        if let attribute = ippFindAttribute(response, "printer-state-reasons", IPP_TAG_KEYWORD) {
            for index in 0..<ippGetCount(attribute) {
                if let text = ippGetString(attribute, index, nil) {
                    let reason = String(cString: text)
                    if reason != "none" { reasons.insert(reason) }
                }
            }
        }
        let accepting = ippFindAttribute(response, "printer-is-accepting-jobs", IPP_TAG_BOOLEAN).map { ippGetBoolean($0, 0) != 0 } ?? false
        let message = ippFindAttribute(response, "printer-state-message", IPP_TAG_TEXT)
            .flatMap { ippGetString($0, 0, nil) }.map { String(cString: $0) } ?? ""
        let deviceURI = ippFindAttribute(response, "device-uri", IPP_TAG_URI)
            .flatMap { ippGetString($0, 0, nil) }.map { String(cString: $0) }
        var printer = PrinterStatus(
            state: PrinterStatus.State(rawValue: Int(stateValue)) ?? .stopped,
            reasons: reasons, isAcceptingJobs: accepting, message: message)
        printer.deviceURI = deviceURI
        return .success(printer.withDeviceProbe())
    }

    /// Sends a document to `queue` (IPP Create-Job + Send-Document).
    /// - Returns: the job ID, or why CUPS did not take the job (then nothing will print).
    /// - Parameter notAfter: seconds since the epoch after which the job must not start printing
    ///   (the citizen has gone). cupsd passes the `zizhu-not-after` option to the backend, and
    ///   `zizhu-escpos` cancels a job it is given later, such as one cupsd resumes after a restart.
    public func submit(queue: String, document: [UInt8], format: DocumentFormat, title: String,
                       notAfter: Int64? = nil) -> Result<Int32, PrintingFault> {
        guard let http = open() else { return .failure(.cupsUnavailable) }
        defer { httpClose(http) }
        var options: UnsafeMutablePointer<cups_option_t>? = nil
        var count: Int32 = 0
        if format == .raw { count = cupsAddOption("raw", "true", count, &options) }
        if let notAfter { count = cupsAddOption(Self.notAfterOption, String(notAfter), count, &options) }
        defer { cupsFreeOptions(count, options) }
        let job = cupsCreateJob(http, queue, title, count, options)
        guard job > 0 else { return .failure(Self.fault(cupsLastError())) }
        guard cupsStartDocument(http, queue, job, "document", format.mimeType, 1) == HTTP_STATUS_CONTINUE else {
            return .failure(Self.fault(cupsLastError()))
        }
        let written = document.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { cupsWriteRequestData(http, $0, buffer.count) }
        }
        guard written == HTTP_STATUS_CONTINUE else { return .failure(.cupsUnavailable) }
        guard cupsFinishDocument(http, queue).rawValue < 0x0400 else { return .failure(Self.fault(cupsLastError())) }
        return .success(job)
    }

    /// A job's state (IPP Get-Job-Attributes).
    public func jobStatus(_ job: Int32) -> Result<JobStatus, PrintingFault> {
        guard let http = open() else { return .failure(.cupsUnavailable) }
        defer { httpClose(http) }
        guard let request = ippNewRequest(IPP_OP_GET_JOB_ATTRIBUTES) else { return .failure(.cupsUnavailable) }
        _ = ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_URI, "job-uri", nil, "ipp://localhost/jobs/\(job)")
        guard let response = cupsDoRequest(http, request, "/") else { return .failure(.cupsUnavailable) }
        defer { ippDelete(response) }
        guard ippGetStatusCode(response).rawValue < 0x0400 else { return .failure(Self.fault(ippGetStatusCode(response))) }
        let state = ippFindAttribute(response, "job-state", IPP_TAG_ENUM).map { ippGetInteger($0, 0) } ?? 0
        var reasons: Set<String> = []
        if let attribute = ippFindAttribute(response, "job-state-reasons", IPP_TAG_KEYWORD) {
            for index in 0..<ippGetCount(attribute) {
                if let text = ippGetString(attribute, index, nil) { reasons.insert(String(cString: text)) }
            }
        }
        let message = ippFindAttribute(response, "job-printer-state-message", IPP_TAG_TEXT)
            .flatMap { ippGetString($0, 0, nil) }.map { String(cString: $0) } ?? ""
        return .success(JobStatus(id: job, state: JobStatus.State(rawValue: Int(state)) ?? .pending, reasons: reasons, printerMessage: message))
    }

    /// The jobs of `queue` titled `name`, finished ones included (IPP Get-Jobs with
    /// which-jobs=all; cupsd keeps finished jobs while its job history lasts). CUPS has no filter
    /// by name, so the queue's jobs are read and matched here. A job's name is private to its
    /// owner in cupsd's default policy, so the request names this process's user, as the kiosk
    /// that submitted the job.
    public func jobs(queue: String, named name: String) -> Result<[JobStatus], PrintingFault> {
        guard let http = open() else { return .failure(.cupsUnavailable) }
        defer { httpClose(http) }
        guard let request = ippNewRequest(IPP_OP_GET_JOBS) else { return .failure(.cupsUnavailable) }
        _ = ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nil, "ipp://localhost/printers/\(queue)")
        _ = ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", nil, cupsUser())
        _ = ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "which-jobs", nil, "all")
        let wanted = ["job-id", "job-name", "job-state", "job-state-reasons"]
        let names = wanted.map { strdup($0) }
        defer { names.forEach { free($0) } }
        names.map { UnsafePointer($0) }.withUnsafeBufferPointer { pointers in
            _ = ippAddStrings(request, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", Int32(pointers.count), nil, pointers.baseAddress)
        }
        guard let response = cupsDoRequest(http, request, "/") else { return .failure(.cupsUnavailable) }
        defer { ippDelete(response) }
        let status = ippGetStatusCode(response)
        // No jobs at all is "not found" to cupsd.
        if status == IPP_STATUS_ERROR_NOT_FOUND, ippFindAttribute(response, "job-id", IPP_TAG_INTEGER) == nil {
            return .success([])
        }
        guard status.rawValue < 0x0400 else { return .failure(Self.fault(status)) }
        // The response lists each job's attributes as a group; a group ends at a separator.
        var found: [JobStatus] = []
        var id: Int32?
        var jobName: String?
        var state: Int32 = 0
        var reasons: Set<String> = []
        func endGroup() {
            if let id, jobName == name {
                found.append(JobStatus(id: id, state: JobStatus.State(rawValue: Int(state)) ?? .pending, reasons: reasons, printerMessage: ""))
            }
            id = nil
            jobName = nil
            state = 0
            reasons = []
        }
        var attribute = ippFirstAttribute(response)
        while let current = attribute {
            if ippGetGroupTag(current) != IPP_TAG_JOB {
                endGroup()
            } else if let attributeName = ippGetName(current).map({ String(cString: $0) }) {
                switch attributeName {
                case "job-id": id = ippGetInteger(current, 0)
                case "job-name": jobName = ippGetString(current, 0, nil).map { String(cString: $0) }
                case "job-state": state = ippGetInteger(current, 0)
                case "job-state-reasons":
                    for index in 0..<ippGetCount(current) {
                        if let text = ippGetString(current, index, nil) { reasons.insert(String(cString: text)) }
                    }
                default: break
                }
            }
            attribute = ippNextAttribute(response)
        }
        endGroup()
        return .success(found)
    }

    /// Cancels a job (the kiosk gave up waiting); the backend gets SIGTERM and clears the printer.
    @discardableResult
    public func cancel(queue: String, job: Int32) -> Bool {
        guard let http = open() else { return false }
        defer { httpClose(http) }
        return cupsCancelJob2(http, queue, job, 0).rawValue < 0x0400
    }

    /// The job option that carries the latest start time, in seconds since the epoch.
    public static let notAfterOption = ESCPOSPrinterAddress.notAfterJobOption

    static func fault(_ status: ipp_status_t) -> PrintingFault {
        switch status {
        case IPP_STATUS_ERROR_NOT_FOUND: return .noSuchQueue
        case IPP_STATUS_ERROR_NOT_ACCEPTING_JOBS: return .notAcceptingJobs
        default: return .cupsUnavailable
        }
    }

    private func open() -> OpaquePointer? {
        let host = server ?? String(cString: cupsServer())
        var name = host
        var port = ippPort()
        // A path is a domain socket; otherwise "host:port" or a bare host.
        if !host.hasPrefix("/"), let colon = host.lastIndex(of: ":"), let parsed = Int32(host[host.index(after: colon)...]) {
            name = String(host[..<colon])
            port = parsed
        }
        return httpConnect2(name, port, nil, AF_UNSPEC, HTTP_ENCRYPTION_IF_REQUESTED, 1, 5000, nil)
    }
}

/// How the document's bytes are to be taken.
public enum DocumentFormat: Equatable, Sendable {
    /// Printer-ready bytes (ESC/POS), passed through untouched.
    case raw
    /// A PDF for CUPS's filters (A4 queues).
    case pdf

    var mimeType: String {
        switch self {
        case .raw: return CUPS_FORMAT_RAW
        case .pdf: return "application/pdf"
        }
    }
}

/// A job as CUPS reports it.
public struct JobStatus: Equatable, Sendable {
    /// IPP `job-state`.
    public enum State: Int, Sendable {
        case pending = 3, held = 4, processing = 5, stopped = 6, cancelled = 7, aborted = 8, completed = 9

        /// Whether the job has ended, one way or another.
        public var isFinal: Bool { rawValue >= 7 }
    }

    public let id: Int32
    public let state: State
    public let reasons: Set<String>
    /// What the backend last said about the printer while the job ran.
    public let printerMessage: String
}
