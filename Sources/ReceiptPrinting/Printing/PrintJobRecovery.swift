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
    /// How long a job that is printing may take to finish on its own before it is cancelled: the
    /// printer may have put the last line on paper while cupsd has not yet marked the job
    /// completed, and a cancel then would void a certificate that is on paper. Generous (20 s):
    /// the backend confirms the paper with the printer before cupsd marks the job, which took
    /// over 3 s on a loaded CI machine; a kiosk starting up can wait that long.
    public let processingGrace: Duration
    /// How long a cancelled job may take to end (the backend clears the printer's buffer).
    public let cancelSettle: Duration
    public let poll: Duration

    public init(printer: any ReceiptPrinter, processingGrace: Duration = .seconds(20), cancelSettle: Duration = .seconds(10),
                poll: Duration = .milliseconds(50)) {
        self.printer = printer
        self.processingGrace = processingGrace
        self.cancelSettle = cancelSettle
        self.poll = poll
    }

    /// The decision for the certificate with `serial`.
    public func decide(serial: String) async -> PrintRecoveryDecision {
        let title = InsuranceCertificateDocument.jobTitle(serial: serial)
        var jobs: [JobStatus]
        switch await printer.jobs(titled: title) {
        case .success(let found): jobs = found
        case .failure(let fault): return .undecided(reason: "jobs not listed: \(fault)")
        }
        if let done = jobs.first(where: { $0.state == .completed }) { return .printed(jobID: done.id) }
        let clock = ContinuousClock()
        // Jobs still waiting are cancelled at once: nothing a citizen has left behind starts later.
        let waiting = jobs.filter { !$0.state.isFinal && $0.state != .processing }.map(\.id)
        for job in waiting { _ = await printer.cancel(job: job) }
        // A job that is printing may be finishing: it gets a moment to end by itself.
        let graceEnds = clock.now + processingGrace
        while jobs.contains(where: { $0.state == .processing }) && clock.now < graceEnds {
            try? await Task.sleep(for: poll)
            if case .success(let now) = await printer.jobs(titled: title) { jobs = now }
            if let done = jobs.first(where: { $0.state == .completed }) { return .printed(jobID: done.id) }
        }
        let printing = jobs.filter { !$0.state.isFinal && !waiting.contains($0.id) }.map(\.id)
        for job in printing { _ = await printer.cancel(job: job) }
        let cancelled = waiting + printing
        if cancelled.isEmpty { return .voided(cancelledJobs: []) }
        // A job may complete before its cancel lands: only its final state decides.
        let deadline = clock.now + cancelSettle
        while true {
            if case .success(let now) = await printer.jobs(titled: title) {
                if let done = now.first(where: { $0.state == .completed }) { return .printed(jobID: done.id) }
                if !now.contains(where: { cancelled.contains($0.id) && !$0.state.isFinal }) { return .voided(cancelledJobs: cancelled) }
            }
            if clock.now >= deadline { return .undecided(reason: "cancelled job(s) \(cancelled) did not end") }
            try? await Task.sleep(for: poll)
        }
    }
}
