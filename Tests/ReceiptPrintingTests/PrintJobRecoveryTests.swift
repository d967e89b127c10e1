import ReceiptPrinting
import Testing

/// What a kiosk decides on start about a certificate it was printing when it was killed, with the
/// in-memory printer standing in for CUPS.
@Suite struct PrintJobRecoveryTests {
    let title = InsuranceCertificateDocument.jobTitle(serial: "KX01-1")

    func recovery(_ printer: MemoryReceiptPrinter) -> PrintJobRecovery {
        PrintJobRecovery(printer: printer, processingGrace: .milliseconds(200), cancelSettle: .milliseconds(300), poll: .milliseconds(10))
    }

    @Test func aCompletedJobMeansThePaperExists() async {
        let printer = MemoryReceiptPrinter()
        let job = await printer.addJob(titled: title, state: .completed)
        #expect(await recovery(printer).decide(serial: "KX01-1") == .printed(jobID: job))
        #expect(await printer.cancelRequests.isEmpty)
    }

    @Test func aWaitingOrPrintingJobIsCancelledAndVoidedNeverResubmitted() async {
        let printer = MemoryReceiptPrinter()
        let pending = await printer.addJob(titled: title, state: .pending)
        let processing = await printer.addJob(titled: title, state: .processing)
        _ = await printer.addJob(titled: InsuranceCertificateDocument.jobTitle(serial: "KX01-2"), state: .processing)
        #expect(await recovery(printer).decide(serial: "KX01-1") == .voided(cancelledJobs: [pending, processing]))
        #expect(await printer.cancelRequests == [pending, processing])
        #expect(await printer.printed.isEmpty)
    }

    @Test func aPrintingJobThatFinishesByItselfMeanwhileIsNotCancelled() async throws {
        let printer = MemoryReceiptPrinter()
        let job = await printer.addJob(titled: title, state: .processing)
        async let decision = PrintJobRecovery(printer: printer, processingGrace: .seconds(5), poll: .milliseconds(10)).decide(serial: "KX01-1")
        try await Task.sleep(for: .milliseconds(100))
        await printer.setJobState(job, .completed)
        #expect(await decision == .printed(jobID: job))
        #expect(await printer.cancelRequests.isEmpty)
    }

    @Test func aJobThatCompletesBeforeItsCancelLandsCountsAsPrinted() async {
        let printer = MemoryReceiptPrinter()
        let job = await printer.addJob(titled: title, state: .processing, completesDespiteCancel: true)
        #expect(await recovery(printer).decide(serial: "KX01-1") == .printed(jobID: job))
    }

    @Test func noJobOrOnlyEndedOnesMeansVoided() async {
        let printer = MemoryReceiptPrinter()
        #expect(await recovery(printer).decide(serial: "KX01-1") == .voided(cancelledJobs: []))
        await printer.addJob(titled: title, state: .cancelled)
        await printer.addJob(titled: title, state: .aborted)
        #expect(await recovery(printer).decide(serial: "KX01-1") == .voided(cancelledJobs: []))
        #expect(await printer.cancelRequests.isEmpty)
    }

    @Test func withoutCUPSNothingIsDecided() async {
        let printer = MemoryReceiptPrinter()
        await printer.addJob(titled: title, state: .processing)
        await printer.failJobListing(.cupsUnavailable)
        guard case .undecided = await recovery(printer).decide(serial: "KX01-1") else { Issue.record("decided without CUPS"); return }
        #expect(await printer.cancelRequests.isEmpty)
    }
}
