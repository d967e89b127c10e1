// zizhu-escpos: a CUPS backend for ESC/POS receipt printers, over TCP (zizhu-escpos://host:port)
// or a USB printer device file (zizhu-escpos:/dev/usb/lp0).
//
// CUPS's stock socket backend only writes bytes; it cannot see an ESC/POS printer's paper sensor.
// This one asks the printer (DLE EOT 1–4) before the job, while it waits and after, and tells
// CUPS with `STATE: +media-empty-error` / `-…` lines on standard error, so `printer-state-reasons`
// carries the truth. It blocks while the paper is out or the cover open, as real backends do,
// until the printer is ready again or CUPS cancels the job (SIGTERM); then it clears the
// printer's buffer, so a refill cannot print a job the kiosk recorded as not printed.
//
// The job is known to be on paper only when the printer answers a process-ID request (GS ( H)
// sent after it, which the printer does once everything before it has printed.
//
// Exit codes (cups/backend.h): 0 OK, 1 FAILED (the queue's error policy applies), 4 STOP,
// 5 CANCEL (the kiosk's deadline passed before the job could start).
import ESCPOS
import Glibc
import Synchronization

let cancelRequested = Atomic<Bool>(false)
/// cupsd, which started us. A backend whose cupsd has gone (stopped, crashed) stops too instead
/// of retrying for ever; cupsd resumes the job when it starts again.
let cupsdPID = getppid()

/// Whether to stop: CUPS cancelled the job (SIGTERM), or cupsd is gone.
func stopRequested() -> Bool { cancelRequested.load(ordering: .relaxed) || getppid() != cupsdPID }

/// One line to cupsd (standard error is the backend's status channel).
/// Unbuffered, so each line reaches cupsd as it is written.
func tell(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeBytes { write(2, $0.baseAddress! + offset, $0.count - offset) }
        if written < 0 && errno == EINTR { continue }
        guard written > 0 else { return }
        offset += written
    }
}

/// The reasons this backend has set, so that it clears exactly those.
final class ReasonReporter {
    private var reported: Set<String> = []

    func report(_ reasons: Set<String>) {
        for reason in reasons.subtracting(reported).sorted() { tell("STATE: +\(reason)") }
        for reason in reported.subtracting(reasons).sorted() { tell("STATE: -\(reason)") }
        reported = reasons
    }
}

func sleepMilliseconds(_ milliseconds: Int) {
    var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
    var remaining = timespec()
    // SIGTERM interrupts the sleep; the caller then sees the cancellation.
    while nanosleep(&request, &remaining) != 0 && errno == EINTR && !stopRequested() {
        request = remaining
    }
}

/// What the printer's condition means for staff, in CUPS's printer-state-message.
func message(for condition: PrinterCondition) -> String {
    if condition.paperOut { return "WARNING: Receipt paper is out; load a new roll" }
    if condition.coverOpen { return "WARNING: The receipt printer's cover is open" }
    if condition.mechanicalError { return "WARNING: The receipt printer reports a mechanical error (cutter?)" }
    if condition.offline { return "WARNING: The receipt printer is off line" }
    if condition.paperNearEnd { return "INFO: Receipt paper is running low" }
    return "INFO: Receipt printer ready"
}

func readJob(_ arguments: [String]) -> [UInt8]? {
    let fd = arguments.count > 6 ? open(arguments[6], O_RDONLY) : 0
    guard fd >= 0 else { return nil }
    defer { if fd != 0 { close(fd) } }
    var data: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        guard count >= 0 else { return nil }
        if count == 0 { return data }
        data += buffer.prefix(count)
    }
}

func run() -> Int32 {
    let arguments = CommandLine.arguments
    if arguments.count == 1 {
        // Device discovery (lpinfo -v): one line per printer class.
        print("network \(ESCPOSPrinterAddress.scheme) \"Unknown\" \"ESC/POS receipt printer with paper sensor (Zizhu)\"")
        return 0
    }
    guard arguments.count == 6 || arguments.count == 7 else {
        tell("ERROR: usage: \(ESCPOSPrinterAddress.scheme) job-id user title copies options [file]")
        return 1
    }
    guard let uri = getenv("DEVICE_URI").map({ String(cString: $0) }), let address = ESCPOSPrinterAddress(deviceURI: uri) else {
        tell("ERROR: The device URI must be zizhu-escpos://host:port or zizhu-escpos:/dev/usb/lpN")
        return 4
    }
    guard let job = readJob(arguments) else {
        tell("ERROR: Cannot read the job's data")
        return 1
    }
    signal(SIGTERM) { _ in cancelRequested.store(true, ordering: .relaxed) }
    signal(SIGPIPE, SIG_IGN)

    // The kiosk's deadline (zizhu-not-after=<epoch seconds> among the job's options): a job
    // that has not started printing by then is cancelled, never printed for a citizen who has
    // gone; e.g. one cupsd resumes after a restart.
    let notAfter = arguments[5].split(separator: " ").first { $0.hasPrefix(ESCPOSPrinterAddress.notAfterJobOption + "=") }
        .flatMap { Int($0.dropFirst(ESCPOSPrinterAddress.notAfterJobOption.count + 1)) }
    func expired() -> Bool { notAfter.map { time(nil) > $0 } ?? false }

    let reporter = ReasonReporter()
    let jobNumber = Int(arguments[1]) ?? 0
    let processID = Array(String(10000 + jobNumber % 10000).utf8.suffix(4))
    var sent = false

    while !stopRequested() {
        if !sent && expired() {
            reporter.report([])
            tell("ERROR: The kiosk stopped waiting for this job before it could print; not printed")
            return 5   // CUPS_BACKEND_CANCEL
        }
        let link: ESCPOSPrinterLink
        do {
            link = try ESCPOSPrinterLink(address)
        } catch {
            reporter.report(["offline-report"])
            tell("WARNING: The receipt printer at \(address) cannot be reached (\(error)); retrying")
            sleepMilliseconds(1000)
            continue
        }
        do {
            // Before the job: wait until the printer can print.
            if !sent {
                while true {
                    let condition = try link.condition()
                    reporter.report(condition.ippReasons)
                    tell(message(for: condition))
                    if condition.canPrint { break }
                    sleepMilliseconds(400)
                    if stopRequested() { reporter.report([]); return 0 }
                    if expired() {
                        reporter.report([])
                        tell("ERROR: The printer was not ready before the kiosk stopped waiting; not printed")
                        return 5   // CUPS_BACKEND_CANCEL
                    }
                }
                var trailer = ESCPOSCommands()
                trailer.processIDRequest(processID)
                try link.send(job + trailer.bytes)
                sent = true
                tell("INFO: Printing")
            }
            // While it prints: ask, report, and block while the paper is out, until the printer
            // says everything before the process-ID request is on paper.
            while !link.waitForProcessID(processID, timeoutMilliseconds: 300) {
                if stopRequested() {
                    try? link.send(ESCPOSCommands.clearBuffers)
                    // CUPS keeps reasons after the job; an idle zizhu-escpos queue is probed afresh.
                    reporter.report([])
                    tell("INFO: Job cancelled; the printer's buffer was cleared")
                    return 0
                }
                let condition = try link.condition()
                reporter.report(condition.ippReasons)
                if !condition.canPrint { tell(message(for: condition)) }
            }
            let after = try link.condition()
            tell(message(for: after))
            // Clear what this job reported: when idle, the kiosk asks the printer itself.
            reporter.report([])
            return 0
        } catch {
            // Connection lost or the printer stopped answering. A job already sent is left to
            // the printer; reconnecting and asking again tells whether it was printed.
            reporter.report(["offline-report"])
            tell("WARNING: The receipt printer at \(address) stopped answering (\(error))")
            if sent {
                // The job's bytes went out but we cannot learn whether they printed: fail the job
                // rather than send it twice. The kiosk records it as not confirmed.
                tell("ERROR: Lost the receipt printer during the job")
                return 1
            }
            sleepMilliseconds(1000)
        }
    }
    return 0
}

exit(run())
