import CertificateVerification

/// Turns documents into printer bytes, for a receipt printer or an A4 queue.
public enum DocumentRenderer: Sendable {
    case receipt(ESCPOSRenderer)
    case a4(PDFRenderer)

    public func render(_ document: some PrintableDocument) throws(PDFRenderingError) -> RenderedDocument {
        switch self {
        case .receipt(let renderer): return RenderedDocument(bytes: renderer.render(document), format: .raw, title: document.jobTitle)
        case .a4(let renderer): return RenderedDocument(bytes: try renderer.render(document), format: .pdf, title: document.jobTitle)
        }
    }
}

/// One attempt at printing an issued certificate: what the kiosk journals. The certificate is
/// issued (and counted) only by an attempt whose outcome is `.printed`; a failed attempt leaves
/// it unissued, and the next attempt prints the same `IssuedCertificate`, same code.
public struct CertificatePrintAttempt: Equatable, Sendable {
    public let serialNumber: String
    public let code: VerificationCode
    /// 1 for the first print, 2 for the first reprint, …
    public let attempt: Int
    public let outcome: PrintOutcome
}

/// Prints certificates through a printer and a renderer.
public struct CertificatePrinting: Sendable {
    public let printer: any ReceiptPrinter
    public let renderer: DocumentRenderer
    public let hubBaseURL: String

    public init(printer: any ReceiptPrinter, renderer: DocumentRenderer, hubBaseURL: String) {
        self.printer = printer
        self.renderer = renderer
        self.hubBaseURL = hubBaseURL
    }

    public func print(_ issued: IssuedCertificate, attempt: Int = 1) async -> CertificatePrintAttempt {
        let document = InsuranceCertificateDocument(issued: issued, hubBaseURL: hubBaseURL)
        let outcome: PrintOutcome
        do {
            outcome = await printer.print(try renderer.render(document))
        } catch {
            outcome = .notPrinted(.unavailable(.rendering))
        }
        return CertificatePrintAttempt(serialNumber: issued.certificate.serialNumber, code: issued.seal.code, attempt: attempt, outcome: outcome)
    }
}
