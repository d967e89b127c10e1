import CertificateVerification
import Foundation
import ReceiptPrinting
import TestSupport
import Testing

/// The A4 rendering, read back with poppler (pdftotext, pdftoppm) and zbarimg.
@Suite(.timeLimit(.minutes(2)))
struct PDFRenderingTests {
    static func render(periods: Int) throws -> (pdf: String, issued: IssuedCertificate) {
        let issued = Fixtures.issued(periods: periods)
        let bytes = try PDFRenderer().render(InsuranceCertificateDocument(issued: issued, hubBaseURL: Fixtures.hub))
        let directory = try TestEnvironment.temporaryDirectory("pdf")
        let path = "\(directory)/certificate.pdf"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        return (path, issued)
    }

    /// pdftotext drops or adds spaces between glyphs placed apart; compare without them.
    static func squeezed(_ text: String) -> String { text.filter { $0 != " " } }

    static func text(_ pdf: String) async throws -> String {
        let pdftotext = try TestEnvironment.requireProgram("/usr/bin/pdftotext", package: "poppler-utils")
        return try await TestEnvironment.run(pdftotext, ["-layout", pdf, "-"])
    }

    static func scanQR(_ pdf: String) async throws -> String {
        let pdftoppm = try TestEnvironment.requireProgram("/usr/bin/pdftoppm", package: "poppler-utils")
        let zbarimg = try TestEnvironment.requireProgram("/usr/bin/zbarimg", package: "zbar-tools")
        let prefix = pdf + "-page"
        try await TestEnvironment.run(pdftoppm, ["-r", "150", "-f", "1", "-l", "1", "-png", pdf, prefix])
        let page = try #require(try FileManager.default.contentsOfDirectory(atPath: (pdf as NSString).deletingLastPathComponent)
            .first { $0.hasPrefix((prefix as NSString).lastPathComponent) && $0.hasSuffix(".png") })
        let output = try await TestEnvironment.run(zbarimg, ["--raw", "-q", (pdf as NSString).deletingLastPathComponent + "/" + page])
        return output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func theChineseTextAndTheQRCodeCanBeReadBack() async throws {
        let (pdf, issued) = try Self.render(periods: 3)
        let text = try await Self.text(pdf)
        #expect(text.contains("社会保险参保证明"))
        #expect(text.contains("330102198001011213"))
        #expect(text.contains("企业职工基本养老保险（参保缴费）"))
        #expect(text.contains(issued.seal.code.grouped))
        #expect(Self.squeezed(text).contains("第1页/共1页"))
        #expect(try await Self.scanQR(pdf) == issued.seal.code.verifyURL(hubBaseURL: Fixtures.hub))
        #expect(Fixtures.matchesGolden(text, "certificate-a4.txt"))
    }

    @Test func aLongPeriodsTableRunsOverWithPageNumbersAndItsHeaderRepeated() async throws {
        let (pdf, _) = try Self.render(periods: 60)
        let text = try await Self.text(pdf)
        // Every page numbered "第 i 页 / 共 n 页", i = 1…n, n ≥ 2.
        let squeezed = Self.squeezed(text)
        let pageCount = (2...9).last { squeezed.contains("共\($0)页") } ?? 0
        #expect(pageCount >= 2)
        for page in 1...max(1, pageCount) { #expect(squeezed.contains("第\(page)页/共\(pageCount)页")) }
        // The table's header on each page it runs onto (first table has the pension's 60 rows).
        #expect(text.components(separatedBy: "缴费期间").count - 1 >= 3)
        #expect(text.contains("2060.01-2060.12"))
    }
}
