/// What became of a certificate's print job whose kiosk was killed before it learnt the outcome.
public enum PrintRecoveryDecision: Equatable, Sendable {
    /// The job completed: the paper exists, so the certificate must be registered.
    case printed(jobID: Int32)
    /// The job will never print: it was not in the print system, it had ended without printing,
    /// or it was still waiting or printing and has now been cancelled (never resubmitted).
    case voided(cancelledJobs: [Int32])
    /// The print system cannot say (cupsd unreachable, a cancel that does not take): keep the
    /// intent and decide on a later start; staff must look if it stays.
    case undecided(reason: String)
}

/// Decides, at the kiosk's start, what became of a print a killed kiosk had started; it cancels
/// a job that has not finished, so nothing a citizen has given up on comes out later.
public struct PrintJobRecovery: Sendable {
    public let printer: any ReceiptPrinter
    /// How long a cancelled job may take to end (the backend clears the printer's buffer).
    public let cancelSettle: Duration
    public let poll: Duration

    public init(printer: any ReceiptPrinter, cancelSettle: Duration = .seconds(10), poll: Duration = .milliseconds(50)) {
        self.printer = printer
        self.cancelSettle = cancelSettle
        self.poll = poll
    }

    /// The decision for the certificate with `serial`.
    public func decide(serial: String) async -> PrintRecoveryDecision {
        let title = InsuranceCertificateDocument.jobTitle(serial: serial)
        let jobs: [JobStatus]
        switch await printer.jobs(titled: title) {
        case .success(let found): jobs = found
        case .failure(let fault): return .undecided(reason: "jobs not listed: \(fault)")
        }
        if let done = jobs.first(where: { $0.state == .completed }) { return .printed(jobID: done.id) }
        let live = jobs.filter { !$0.state.isFinal }.map(\.id)
        if live.isEmpty { return .voided(cancelledJobs: []) }
        for job in live { _ = await printer.cancel(job: job) }
        // A job may complete before its cancel lands: only its final state decides.
        let clock = ContinuousClock()
        let deadline = clock.now + cancelSettle
        while true {
            if case .success(let now) = await printer.jobs(titled: title) {
                if let done = now.first(where: { $0.state == .completed }) { return .printed(jobID: done.id) }
                if !now.contains(where: { live.contains($0.id) && !$0.state.isFinal }) { return .voided(cancelledJobs: live) }
            }
            if clock.now >= deadline { return .undecided(reason: "cancelled job(s) \(live) did not end") }
            try? await Task.sleep(for: poll)
        }
    }
}
