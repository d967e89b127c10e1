import ArgumentParser
import CertificateVerification
import Foundation
import KioskCore
import ReceiptPrinting

/// Printing: render time of a 24-period certificate (ESC/POS and PDF), and submit-to-completed
/// through libcups beside `lp -d <queue> -o raw` of the same bytes, in the same run, against the
/// same cupsd and emulated printer (kiosk/bench/print.sh sets them up).
struct PrintBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "print",
        abstract: "Time certificate rendering, and printing through libcups against lp, to the same queue.")

    @Option(help: "cupsd's socket (CUPS_SERVER).")
    var cupsServer: String

    @Option(help: "The raw receipt queue.")
    var queue = "zizhu-receipt"

    @Option(help: "Iterations per side.")
    var iterations = 50

    @Option(help: "A second raw queue to the same printer through CUPS's stock socket backend, to show what zizhu-escpos's status checks cost.")
    var socketQueue: String?

    func run() async throws {
        let signer = try Ed25519CertificateSigner(rawPrivateKey: (0..<32).map { UInt8(truncatingIfNeeded: $0 * 13 + 1) })
        let periods = (0..<24).map { ContributionPeriod(from: YearMonth(year: 2001 + $0, month: 1), through: YearMonth(year: 2001 + $0, month: 12)) }
        let certificate = InsuranceCertificate(
            serialNumber: "BENCH-0001", holderName: "张三", citizenID: try CitizenID("330102198001011213"),
            records: [InsuranceRecord(type: .enterpriseEmployeePension, status: .contributing, firstInsured: CalendarDate(year: 2001, month: 1, day: 1),
                                      currentInsuredSince: CalendarDate(year: 2001, month: 1, day: 1), periods: periods)],
            issuingOffice: "杭州市上城区社会保险服务中心", issuedAt: IssueTime(secondsSinceEpoch: 1_795_397_405), kioskID: "BENCH", purpose: "基准测试")
        let document = InsuranceCertificateDocument(issued: try IssuedCertificate.issue(certificate, signer: signer), hubBaseURL: "https://hub.example")

        var escpos: [Double] = [], pdf: [Double] = []
        var bytes: [UInt8] = []
        for _ in 0..<iterations {
            var start = ContinuousClock.now
            bytes = ESCPOSRenderer(paper: .mm80).render(document)
            escpos.append((ContinuousClock.now - start).seconds)
            start = ContinuousClock.now
            _ = try PDFRenderer().render(document)
            pdf.append((ContinuousClock.now - start).seconds)
        }
        print("render 24-period certificate: ESC/POS median \(Summary(escpos).median.ms) ms (\(bytes.count) bytes), PDF median \(Summary(pdf).median.ms) ms")

        let connection = CUPSConnection(server: cupsServer)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("zizhu-bench-receipt-\(getpid()).bin")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        var viaLibcups: [Double] = [], viaLp: [Double] = [], viaSocket: [Double] = []
        // Alternate the two so that drift in the machine's load hits both alike.
        for _ in 0..<iterations {
            var start = ContinuousClock.now
            let job = try connection.submit(queue: queue, document: bytes, format: .raw, title: "bench").get()
            try await waitCompleted(job, connection)
            viaLibcups.append((ContinuousClock.now - start).seconds)

            start = ContinuousClock.now
            let lp = Process()
            lp.executableURL = URL(fileURLWithPath: "/usr/bin/lp")
            lp.arguments = ["-d", queue, "-o", "raw", file.path]
            lp.environment = ["CUPS_SERVER": cupsServer]
            let output = Pipe()
            lp.standardOutput = output
            try lp.run()
            let reply = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            lp.waitUntilExit()
            // "request id is zizhu-receipt-12 (1 file(s))"
            guard let token = reply.split(separator: " ").first(where: { $0.hasPrefix(queue + "-") }),
                  let lpJob = Int32(token.dropFirst(queue.count + 1)) else { throw ValidationError("lp said: \(reply)") }
            try await waitCompleted(lpJob, connection)
            viaLp.append((ContinuousClock.now - start).seconds)

            if let socketQueue {
                start = ContinuousClock.now
                let job = try connection.submit(queue: socketQueue, document: bytes, format: .raw, title: "bench").get()
                try await waitCompleted(job, connection)
                viaSocket.append((ContinuousClock.now - start).seconds)
            }
        }
        let ours = Summary(viaLibcups), baseline = Summary(viaLp)
        print("submit→completed, libcups: median \(ours.median.ms) ms, p99 \(ours.p99.ms) ms")
        print("submit→completed, lp -o raw: median \(baseline.median.ms) ms, p99 \(baseline.p99.ms) ms")
        print("ratio libcups/lp (median): \(String(format: "%.2f", ours.median / baseline.median))")
        if !viaSocket.isEmpty {
            let socket = Summary(viaSocket)
            print("submit→completed, libcups to the stock socket backend: median \(socket.median.ms) ms, p99 \(socket.p99.ms) ms; zizhu-escpos/socket \(String(format: "%.2f", ours.median / socket.median))")
        }
    }

    /// Polls the job every 2 ms, the same way for both sides.
    private func waitCompleted(_ job: Int32, _ connection: CUPSConnection) async throws {
        while true {
            let status = try connection.jobStatus(job).get()
            if status.state == .completed { return }
            if status.state.isFinal { throw ValidationError("job \(job) ended \(status.state)") }
            try await Task.sleep(for: .milliseconds(2))
        }
    }
}
