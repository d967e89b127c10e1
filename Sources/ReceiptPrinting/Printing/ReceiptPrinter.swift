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

    public func print(_ document: RenderedDocument) async -> PrintOutcome {
        if case .cannotPrint(let fault) = currentAvailability { return .notPrinted(.unavailable(fault)) }
        defer { nextJobID += 1 }
        if !nextFailures.isEmpty { return .notPrinted(nextFailures.removeFirst()) }
        printed.append(document)
        return .printed(jobID: nextJobID)
    }
}
