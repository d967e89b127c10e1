import Foundation
import Journal
import TestSupport
import Testing

/// kill -9 of the kiosk while it prints a certificate, through a real private cupsd and
/// zizhu-printersim: the next start (`zizhu-kiosk journal recover-prints`, what `run` does before
/// it takes a card) journals exactly one `certificate.printed` if the paper came out, else exactly
/// one `certificate.voided`; the printer never gets the certificate twice, nor after the recovery.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct PrintKillNineTests {
    /// What the journal says about each serial: the kinds of its certificate.* entries.
    private func journalled(_ path: String) throws -> [String: [String]] {
        let database = try AppDatabase(path: path)
        let seqs = try database.journalledSeqs()
        guard let last = seqs.last else { return [:] }
        var kinds: [String: [String]] = [:]
        for entry in try database.entries(in: 1...last) where entry.kind.hasPrefix("certificate.") {
            let object = try JSONSerialization.jsonObject(with: Data(entry.payloadJSON.utf8)) as? [String: Any]
            kinds[object?["serial"] as? String ?? "?", default: []].append(entry.kind)
        }
        return kinds
    }

    /// When the child is killed, and what happens before the restart.
    enum Kill: Sendable {
        /// This many milliseconds after the intent is journalled (around the job's submission).
        case afterIntent(milliseconds: Int)
        /// While the job is printing and the printer has run out of paper, so it is held mid-job;
        /// `refillBeforeRestart`: staff refill it and the job completes before the kiosk restarts.
        case midJob(refillBeforeRestart: Bool)
    }

    @Test(arguments: [
        (serial: "KILL9-MID-JOB", kill: Kill.midJob(refillBeforeRestart: false)),
        (serial: "KILL9-REFILLED", kill: Kill.midJob(refillBeforeRestart: true)),
        (serial: "KILL9-AT-SUBMIT", kill: Kill.afterIntent(milliseconds: 0)),
        (serial: "KILL9-EARLY", kill: Kill.afterIntent(milliseconds: 150)),
    ])
    func killedWhilePrintingTheCertificateIsRegisteredOrVoidedOnce(serial: String, kill: Kill) async throws {
        let printer = try await PrinterSimulator.start(slowRate: 200)
        let cups: PrivateCUPSD
        do {
            try await printer.control("slow")
            cups = try await PrivateCUPSD.start(receiptPrinterPort: printer.port)
        } catch {
            await printer.stop()
            throw error
        }
        let state = try TestEnvironment.temporaryDirectory("print-kill9")
        let environment = ["ZIZHU_STORAGE_STATE_DIRECTORY": state, "ZIZHU_PRINTER_CUPS_SERVER": cups.server]
        let kiosk = try TestEnvironment.executable("zizhu-kiosk")
        let journalPath = "\(state)/journal.sqlite"
        let onPaper = { printer.transcripts().filter { $0.contains(serial) }.count }
        do {
            let child = try ManagedProcess(name: "print-sample", executable: kiosk, arguments: ["journal", "print-sample", "--serial", serial],
                                           environment: environment, logPath: "\(state)/print.log")
            try await TestEnvironment.waitUntil("the print intent of \(serial)", timeout: .seconds(30)) {
                child.log().contains("intent \(serial)") || !child.isRunning
            }
            switch kill {
            case .afterIntent(let milliseconds):
                try await Task.sleep(for: .milliseconds(milliseconds))
            case .midJob:
                try await TestEnvironment.waitUntil("the job to start", timeout: .seconds(20)) {
                    (try? await cups.tool("lpstat", ["-p", cups.receiptQueue]))?.contains("now printing") == true
                }
                try await printer.control("paper-out")
                try await Task.sleep(for: .milliseconds(500))
            }
            #expect(child.isRunning, "the child ended before it was killed: \(child.log())")
            await child.kill9()
            let before = try journalled(journalPath)
            #expect(before.isEmpty, "journalled before the job ended: \(before)")
            #expect(try AppDatabase(path: journalPath).printIntents().map(\.serial) == [serial])
            if case .midJob(refillBeforeRestart: true) = kill {
                try await printer.control("fast")
                try await printer.control("paper-ok")
                try await TestEnvironment.waitUntil("\(serial) on paper", timeout: .seconds(60)) { onPaper() == 1 }
            }

            let output = try await TestEnvironment.run(kiosk, ["journal", "recover-prints"], environment: environment)
            let kinds = try journalled(journalPath)
            #expect(kinds.count == 1 && kinds[serial]?.count == 1, "\(kinds); \(output)")
            #expect(try AppDatabase(path: journalPath).printIntents().isEmpty)
            // After the recovery the printer gets nothing more, refilled or not: a cancelled job is gone for good.
            try await printer.control("fast")
            try await printer.control("paper-ok")
            try await Task.sleep(for: .seconds(3))
            switch kinds[serial]?.first {
            case "certificate.printed":
                #expect(output.contains("\(serial): printed"), "\(output)")
                #expect(onPaper() == 1, "printed \(onPaper()) times")
            case "certificate.voided":
                #expect(output.contains("\(serial): voided"), "\(output)")
                #expect(onPaper() == 0, "a voided certificate came out on paper")
            default:
                Issue.record("nothing journalled for \(serial): \(output)")
            }
            if case .midJob(let refilled) = kill {
                #expect(kinds[serial] == [refilled ? "certificate.printed" : "certificate.voided"], "\(output)")
            }
            // A second start has nothing left to do.
            let again = try await TestEnvironment.run(kiosk, ["journal", "recover-prints"], environment: environment)
            #expect(again.contains("no interrupted print"), "\(again)")
            #expect(try journalled(journalPath)[serial]?.count == 1)
        } catch {
            await cups.stop()
            await printer.stop()
            throw error
        }
        await cups.stop()
        await printer.stop()
    }

    /// cupsd does not answer when the killed kiosk restarts: the intent stays undecided (the kiosk
    /// does not guess), and the next print first settles it once cupsd answers: the held job is
    /// cancelled (the printer's buffer cleared) and voided before anything else is sent.
    @Test func anIntentCUPSCouldNotAnswerForIsSettledBeforeTheNextPrint() async throws {
        let printer = try await PrinterSimulator.start(slowRate: 200)
        let cups: PrivateCUPSD
        do {
            try await printer.control("slow")
            cups = try await PrivateCUPSD.start(receiptPrinterPort: printer.port)
        } catch {
            await printer.stop()
            throw error
        }
        let state = try TestEnvironment.temporaryDirectory("print-kill9-nocups")
        let environment = ["ZIZHU_STORAGE_STATE_DIRECTORY": state, "ZIZHU_PRINTER_CUPS_SERVER": cups.server]
        let kiosk = try TestEnvironment.executable("zizhu-kiosk")
        let journalPath = "\(state)/journal.sqlite"
        do {
            let first = try ManagedProcess(name: "print-sample", executable: kiosk, arguments: ["journal", "print-sample", "--serial", "KILL9-A"],
                                           environment: environment, logPath: "\(state)/print-a.log")
            try await TestEnvironment.waitUntil("the job to start", timeout: .seconds(20)) {
                (try? await cups.tool("lpstat", ["-p", cups.receiptQueue]))?.contains("now printing") == true
            }
            try await printer.control("paper-out")
            try await Task.sleep(for: .milliseconds(500))
            await first.kill9()
            // The restart cannot reach cupsd (its socket is not where the kiosk looks).
            var unreachable = environment
            unreachable["ZIZHU_PRINTER_CUPS_SERVER"] = "\(state)/no-cupsd.sock"
            let undecided = try await TestEnvironment.runExpectingFailure(kiosk, ["journal", "recover-prints"], environment: unreachable)
            #expect(undecided.contains("KILL9-A: undecided"), "\(undecided)")
            #expect(try AppDatabase(path: journalPath).printIntents().map(\.serial) == ["KILL9-A"])
            #expect(try journalled(journalPath).isEmpty)

            // The next print reaches cupsd: it settles KILL9-A first, then finds the paper out.
            let second = try await TestEnvironment.runExpectingFailure(kiosk, ["journal", "print-sample", "--serial", "KILL9-B"],
                                                                       environment: environment)
            #expect(second.contains("not printed KILL9-B"), "\(second)")
            #expect(try journalled(journalPath) == ["KILL9-A": ["certificate.voided"]])
            #expect(try AppDatabase(path: journalPath).printIntents().isEmpty)
            try await printer.control("fast")
            try await printer.control("paper-ok")
            try await Task.sleep(for: .seconds(3))
            #expect(printer.transcripts().isEmpty, "a voided or unprinted certificate came out")
        } catch {
            await cups.stop()
            await printer.stop()
            throw error
        }
        await cups.stop()
        await printer.stop()
    }
}
