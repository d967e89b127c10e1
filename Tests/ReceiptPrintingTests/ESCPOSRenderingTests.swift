import CertificateVerification
import ESCPOS
import Foundation
import KioskCore
import ReceiptPrinting
import TestSupport
import Testing

@Suite struct ESCPOSRenderingTests {
    static func document(periods: Int = 3) -> InsuranceCertificateDocument {
        InsuranceCertificateDocument(issued: Fixtures.issued(periods: periods), hubBaseURL: Fixtures.hub)
    }

    @Test(arguments: [ReceiptPaper.mm58, ReceiptPaper.mm80])
    func everyLineFitsThePaper(_ paper: ReceiptPaper) {
        let transcript = ESCPOSTranscript(ESCPOSRenderer(paper: paper).render(Self.document(periods: 24)))
        #expect(transcript.unknownCommandCount == 0)
        var scale = 1
        for line in transcript.lines {
            if line.hasPrefix("⟦size ") { scale = Int(String(line.dropFirst(6).prefix(1))) ?? 1; continue }
            if line.hasPrefix("⟦") { continue }
            #expect(PrinterColumns.width(of: line) * scale <= paper.columns, "\(line)")
        }
    }

    @Test func theCertificateReadsAsExpectedOn58mm() {
        let issued = Fixtures.issued()
        let transcript = ESCPOSTranscript(ESCPOSRenderer(paper: .mm58).render(Self.document()))
        let lines = transcript.lines
        #expect(lines.contains("⟦size 2×2⟧"))
        #expect(lines.contains("社会保险参保证明"))
        #expect(lines.contains("公民身份号码：330102198001011213"))
        #expect(lines.contains("2002.01-2002.12               10"))
        #expect(lines.contains("⟦cut partial⟧"))
        #expect(transcript.qrPayloads == [issued.seal.code.verifyURL(hubBaseURL: Fixtures.hub)])
        #expect(lines.contains { $0.contains("验证码 \(issued.seal.code.grouped)") })
        #expect(Fixtures.matchesGolden(transcript.text, "certificate-58mm.txt"))
    }

    @Test func goldenReceiptsOn80mm() {
        let transcript = ESCPOSTranscript(ESCPOSRenderer(paper: .mm80).render(Self.document()))
        #expect(Fixtures.matchesGolden(transcript.text, "certificate-80mm.txt"))
        let receipt = TransactionReceipt(service: "养老金资格认证", time: Fixtures.certificate().issuedAt, referenceNumber: "R-20261123-0007",
                                         holderName: "张三", citizenID: Fixtures.certificate().citizenID,
                                         nextSteps: ["认证结果将在3个工作日内通知您。", "如有疑问，请拨打12333咨询。"],
                                         office: "杭州市上城区社会保险服务中心", kioskID: "KX01")
        let receiptText = ESCPOSTranscript(ESCPOSRenderer(paper: .mm80).render(receipt)).text
        #expect(receiptText.contains("330102********1213"))
        #expect(!receiptText.contains("330102198001011213"))
        #expect(Fixtures.matchesGolden(receiptText, "receipt-80mm.txt"))
    }

    @Test func bookingSlipAndTestPageGoldens() {
        let certificate = Fixtures.certificate()
        let slip = HealthCheckBookingSlip(
            bookingNumber: "TJ-20261201-0031", holderName: "张三", citizenID: certificate.citizenID,
            hospital: "杭州市上城区示例社区卫生服务中心", address: "示例路88号二楼体检科",
            date: CalendarDate(year: 2026, month: 12, day: 1), timeSlot: "上午 8:00-10:00",
            instructions: ["体检前一天晚上十点后不要吃东西。", "请带上社保卡和身份证。"], bookedAt: certificate.issuedAt)
        let slipText = ESCPOSTranscript(ESCPOSRenderer(paper: .mm58).render(slip)).text
        #expect(slipText.contains("⟦size 1×2⟧\n       退休人员体检预约单\n"))
        #expect(slipText.contains("张*"))
        #expect(!slipText.contains("330102198001011213"))
        #expect(Fixtures.matchesGolden(slipText, "booking-slip-58mm.txt"))
        let page = StaffTestPage(kioskID: "KX01", queue: "zizhu-receipt", printedAt: certificate.issuedAt)
        let pageTranscript = ESCPOSTranscript(ESCPOSRenderer(paper: .mm58).render(page))
        #expect(pageTranscript.text.contains("欧阳䶮𬌗"))
        #expect(Fixtures.matchesGolden(pageTranscript.text, "test-page-58mm.txt"))
    }

    @Test func withoutNativeQRTheCodeIsARasterImageAScannerReads() async throws {
        let issued = Fixtures.issued()
        let transcript = ESCPOSTranscript(ESCPOSRenderer(paper: .mm58, nativeQR: false).render(Self.document()))
        #expect(transcript.qrPayloads.isEmpty)
        let image = try #require(transcript.rasterImages.first)
        #expect(image.widthDots == 384)
        let zbarimg = try TestEnvironment.requireProgram("/usr/bin/zbarimg", package: "zbar-tools")
        let directory = try TestEnvironment.temporaryDirectory("raster")
        let path = "\(directory)/qr.pbm"
        try image.pbm.write(toFile: path, atomically: true, encoding: .ascii)
        let decoded = try await TestEnvironment.run(zbarimg, ["--raw", "-q", path])
        #expect(decoded.trimmingCharacters(in: .whitespacesAndNewlines) == issued.seal.code.verifyURL(hubBaseURL: Fixtures.hub))
    }

    @Test func wrappingCountsChineseAsTwoColumns() {
        #expect(PrinterColumns.width(of: "参保abc") == 7)
        #expect(PrinterColumns.wrap("一二三四五六七八九十", columns: 8) == ["一二三四", "五六七八", "九十"])
        #expect(PrinterColumns.wrap("hello world again", columns: 12) == ["hello world", "again"])
        #expect(PrinterColumns.wrap("一二三四，五六", columns: 8) == ["一二三", "四，五六"])
        #expect(PrinterColumns.wrap("一二三）。四", columns: 8) == ["一二", "三）。四"])
    }
}

@Suite struct ESCPOSParserFuzzTests {
    /// Noise, and real receipts with bytes flipped, cut or repeated: the parser never traps,
    /// always consumes the whole input, and reads a stream fed in pieces as it reads it whole.
    @Test(arguments: [UInt64(1), 2, 3, 0xE5C0])
    func survivesNoiseAndMutatedReceipts(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        let receipt = ESCPOSRenderer(paper: .mm58, nativeQR: seed % 2 == 0).render(
            InsuranceCertificateDocument(issued: Fixtures.issued(), hubBaseURL: Fixtures.hub))
        for round in 0..<300 {
            var bytes: [UInt8]
            if round % 3 == 0 {
                bytes = (0..<Int.random(in: 0...400, using: &generator)).map { _ in
                    // Bias towards command bytes, where the parser's branches are.
                    Bool.random(using: &generator) ? [0x10, 0x1B, 0x1C, 0x1D, 0x28, 0x6B, 0x76, 0x30, 0x0A].randomElement(using: &generator)!
                        : UInt8.random(in: 0...255, using: &generator)
                }
            } else {
                bytes = receipt
                for _ in 0..<Int.random(in: 1...12, using: &generator) {
                    let index = Int.random(in: 0..<bytes.count, using: &generator)
                    switch Int.random(in: 0..<3, using: &generator) {
                    case 0: bytes[index] = UInt8.random(in: 0...255, using: &generator)
                    case 1: bytes.removeSubrange(index..<min(bytes.count, index + Int.random(in: 1...40, using: &generator)))
                    default: bytes.insert(contentsOf: [0x1D, 0x28, 0x6B, 0xFF, 0xFF], at: index)
                    }
                    if bytes.isEmpty { bytes = [0x0A] }
                }
            }
            let whole = ESCPOSParser.parse(bytes)
            var consumed = 0
            var pieces: [ESCPOSElement] = []
            var index = 0
            // Incremental: stop at .incomplete as the emulator does, then finish at the end.
            while index < bytes.count {
                guard case .element(let element, let length) = ESCPOSParser.step(bytes, at: index) else { break }
                #expect(length > 0)
                pieces.append(element)
                index += length
                consumed += length
            }
            if index < bytes.count { pieces.append(.unknown(Array(bytes[index...]))) }
            #expect(pieces == whole)
            _ = ESCPOSTranscript(bytes).text
        }
    }

    @Test func declaredLengthsBeyondTheLimitAreNotTrusted() {
        let bytes: [UInt8] = [0x1D, 0x76, 0x30, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x41, 0x0A]
        let elements = ESCPOSParser.parse(bytes)
        #expect(elements.first == .oversized(Array(bytes.prefix(8)), declaredLength: 65535 * 65535))
        #expect(elements.dropFirst().first == .text([0x41]))
    }

    @Test func statusRepliesRoundTrip() {
        for condition in [PrinterCondition(), PrinterCondition(paperNearEnd: true), PrinterCondition(paperOut: true),
                          PrinterCondition(coverOpen: true), PrinterCondition(offline: true), PrinterCondition(mechanicalError: true)] {
            var replies: [UInt8: UInt8] = [:]
            for n: UInt8 in 1...4 { replies[n] = condition.reply(to: n) }
            #expect(PrinterCondition(replies: replies) == condition)
        }
        #expect(PrinterCondition(replies: [1: 0x00]) == nil)
    }
}
