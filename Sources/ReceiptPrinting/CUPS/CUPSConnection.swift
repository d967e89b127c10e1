import CCUPS
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
        return .success(PrinterStatus(
            state: PrinterStatus.State(rawValue: Int(stateValue)) ?? .stopped,
            reasons: reasons, isAcceptingJobs: accepting, message: message))
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
