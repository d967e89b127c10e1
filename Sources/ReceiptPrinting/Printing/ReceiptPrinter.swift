import CertificateVerification
import Glibc
import Logging

/// A document ready for a queue.
public struct RenderedDocument: Equatable, Sendable {
    public let bytes: [UInt8]
    public let format: DocumentFormat
    /// The CUPS job title; holds no personal data.
    public let title: String

    public init(bytes: [UInt8], format: DocumentFormat, title: String) {
        self.bytes = bytes
        self.format = format
        self.title = title
    }
}

/// A printer the kiosk prints on: the receipt printer or the hall's A4 printer.
public protocol ReceiptPrinter: Sendable {
    /// Whether printing services may be offered now.
    func availability() async -> PrintingAvailability
    /// Prints and waits until the document is on paper or certainly not.
    func print(_ document: RenderedDocument) async -> PrintOutcome
    /// The jobs titled `title` the print system knows, finished ones included: how a kiosk that
    /// was killed while printing finds its job again (the title carries the certificate's serial).
    func jobs(titled title: String) async -> Result<[JobStatus], PrintingFault>
    /// Asks the print system to cancel a job; `false` when the request did not reach it.
    func cancel(job: Int32) async -> Bool
}

/// How long the kiosk waits for a job; every delay named.
public struct PrintTiming: Sendable {
    /// How often the job's state is read.
    public var poll: Duration = .milliseconds(20)
    /// How long a job may wait for the printer (paper out, cover open) before the kiosk cancels
    /// it and tells the citizen; a citizen will not stand at a kiosk for longer.
    public var giveUpAfter: Duration = .seconds(60)
    /// How long cupsd may be unreachable while a job runs before the job counts as unconfirmed.
    public var cupsGoneAfter: Duration = .seconds(3)

    public init(poll: Duration = .milliseconds(20), giveUpAfter: Duration = .seconds(60), cupsGoneAfter: Duration = .seconds(3)) {
        self.poll = poll
        self.giveUpAfter = giveUpAfter
        self.cupsGoneAfter = cupsGoneAfter
    }
}

/// A CUPS queue through libcups.
public struct CUPSReceiptPrinter: ReceiptPrinter {
    public let connection: CUPSConnection
    public let queue: String
    public let timing: PrintTiming
    public let logger: Logger

    public init(connection: CUPSConnection, queue: String, timing: PrintTiming = PrintTiming(), logger: Logger) {
        self.connection = connection
        self.queue = queue
        self.timing = timing
        self.logger = logger
    }

    public func availability() async -> PrintingAvailability {
        switch connection.printerStatus(queue: queue) {
        case .success(let status): return status.availability
        case .failure(let fault): return .cannotPrint(fault)
        }
    }

    public func print(_ document: RenderedDocument) async -> PrintOutcome {
        if case .cannotPrint(let fault) = await availability() {
            logger.info("print not started", metadata: ["printer.queue": .string(queue), "print.fault": .string("\(fault)")])
            return .notPrinted(.unavailable(fault))
        }
        let job: Int32
        // A job must not start printing once the kiosk has stopped waiting for it.
        let notAfter = Int64(time(nil)) + timing.giveUpAfter.components.seconds
        switch connection.submit(queue: queue, document: document.bytes, format: document.format, title: document.title,
                                 notAfter: notAfter) {
        case .success(let id): job = id
        case .failure(let fault):
            logger.info("print refused", metadata: ["printer.queue": .string(queue), "print.fault": .string("\(fault)")])
            return .notPrinted(.refused(fault))
        }
        let outcome = await follow(job: job)
        logger.info("print finished", metadata: [
            "printer.queue": .string(queue), "print.job": .stringConvertible(job), "print.outcome": .string("\(outcome)"),
        ])
        return outcome
    }

    public func jobs(titled title: String) async -> Result<[JobStatus], PrintingFault> {
        connection.jobs(queue: queue, named: title)
    }

    public func cancel(job: Int32) async -> Bool {
        connection.cancel(queue: queue, job: job)
    }

    /// Follows a job until CUPS says it ended; cancels it if it waits too long.
    public func follow(job: Int32) async -> PrintOutcome {
        let clock = ContinuousClock()
        let started = clock.now
        var lastSeen = clock.now
        var lastFault: PrintingFault?
        var cancelled = false
        while true {
            switch connection.jobStatus(job) {
            case .success(let status):
                lastSeen = clock.now
                switch status.state {
                case .completed: return .printed(jobID: job)
                case .cancelled, .aborted: return .notPrinted(.abandoned(jobID: job, fault: lastFault))
                default: break
                }
                if case .success(let printer) = connection.printerStatus(queue: queue),
                   case .cannotPrint(let fault) = printer.availability {
                    lastFault = fault
                }
                if !cancelled && clock.now - started > timing.giveUpAfter {
                    // The backend clears the printer's buffer when cancelled, so a refill later
                    // cannot print a certificate the kiosk recorded as not printed.
                    cancelled = true
                    logger.info("print cancelled after waiting", metadata: ["print.job": .stringConvertible(job)])
                    connection.cancel(queue: queue, job: job)
                }
            case .failure:
                if clock.now - lastSeen > timing.cupsGoneAfter { return .notPrinted(.unconfirmed(jobID: job)) }
            }
            try? await Task.sleep(for: timing.poll)
        }
    }
}

/// A printer in memory for unit tests of the kiosk's flows: it keeps what was printed and is
/// told what to report.
public actor MemoryReceiptPrinter: ReceiptPrinter {
    public private(set) var printed: [RenderedDocument] = []
    private var currentAvailability: PrintingAvailability = .canPrint
    private var nextFailures: [PrintFailure] = []
    private var nextJobID: Int32 = 1

    public init() {}

    public func setAvailability(_ availability: PrintingAvailability) { currentAvailability = availability }

    /// The next print fails this way (paper running out mid-job, say).
    public func failNextPrint(_ failure: PrintFailure) { nextFailures.append(failure) }

    public func availability() async -> PrintingAvailability { currentAvailability }

    /// Jobs as the print system would list them, by title (printed ones are added by `print`).
    private var jobList: [(title: String, status: JobStatus)] = []
    /// When set, `jobs(titled:)` fails this way (cupsd down).
    private var listingFault: PrintingFault?
    /// Jobs that complete although they are cancelled (the paper was out before the cancel landed).
    private var completingDespiteCancel: Set<Int32> = []
    public private(set) var cancelRequests: [Int32] = []

    public func print(_ document: RenderedDocument) async -> PrintOutcome {
        if case .cannotPrint(let fault) = currentAvailability { return .notPrinted(.unavailable(fault)) }
        defer { nextJobID += 1 }
        if !nextFailures.isEmpty { return .notPrinted(nextFailures.removeFirst()) }
        printed.append(document)
        jobList.append((document.title, JobStatus(id: nextJobID, state: .completed, reasons: [], printerMessage: "")))
        return .printed(jobID: nextJobID)
    }

    /// Adds a job the print system holds in `state` (one left behind by a killed kiosk); returns its ID.
    @discardableResult
    public func addJob(titled title: String, state: JobStatus.State, completesDespiteCancel: Bool = false) -> Int32 {
        defer { nextJobID += 1 }
        jobList.append((title, JobStatus(id: nextJobID, state: state, reasons: [], printerMessage: "")))
        if completesDespiteCancel { completingDespiteCancel.insert(nextJobID) }
        return nextJobID
    }

    public func failJobListing(_ fault: PrintingFault?) { listingFault = fault }

    /// Moves a job to `state`, as the print system would when it finishes by itself.
    public func setJobState(_ job: Int32, _ state: JobStatus.State) {
        guard let index = jobList.firstIndex(where: { $0.status.id == job }) else { return }
        let old = jobList[index].status
        jobList[index].status = JobStatus(id: old.id, state: state, reasons: old.reasons, printerMessage: old.printerMessage)
    }

    public func jobs(titled title: String) async -> Result<[JobStatus], PrintingFault> {
        if let listingFault { return .failure(listingFault) }
        return .success(jobList.filter { $0.title == title }.map(\.status))
    }

    public func cancel(job: Int32) async -> Bool {
        cancelRequests.append(job)
        guard let index = jobList.firstIndex(where: { $0.status.id == job }), !jobList[index].status.state.isFinal else { return true }
        let old = jobList[index].status
        let state: JobStatus.State = completingDespiteCancel.contains(job) ? .completed : .cancelled
        jobList[index].status = JobStatus(id: old.id, state: state, reasons: old.reasons, printerMessage: old.printerMessage)
        return true
    }
}
