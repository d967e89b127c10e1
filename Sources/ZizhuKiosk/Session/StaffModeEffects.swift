import CertificateVerification
import Foundation
import HubAPI
import Journal
import KioskCore
import KioskSession
import Logging
import ReceiptPrinting
import StaffAccess
import Synchronization
import ZizhuConfiguration

/// Staff mode on the real kiosk: operator codes checked against `<state>/operator.key`, status
/// from the device supervisor and the journal, and the actions, each in the audit log.
extension KioskSessionEffects {
    /// Present while staff have the kiosk out of service; a file, so it survives restarts.
    var outOfServicePath: String { settings.stateDirectory + "/out-of-service" }

    func checkOperatorCode(_ digits: [Int]) async -> OperatorCodeOutcome {
        // Read at every check: a key made (or replaced) with zizhuctl works without a restart.
        let path = OperatorKey.path(stateDirectory: settings.stateDirectory)
        guard let text = try? String(contentsOfFile: path, encoding: .utf8), let key = OperatorKey(hex: text) else {
            logger.warning("operator code refused: no operator key", metadata: ["technician": "run zizhuctl operator-code --init"])
            audit(AuditEvent(.staffLogin, "staff.login", actor: .staff("operator"), succeeded: false, detail: ["reason": "no-operator-key"]))
            return .notConfigured
        }
        // The last used step is kept on disk: a restart must not make a used code good again.
        let usedPath = settings.stateDirectory + "/operator.used"
        // "<step> <key fingerprint>": a rotated key's codes are new codes.
        let usedFields = ((try? String(contentsOfFile: usedPath, encoding: .utf8)) ?? "").split(separator: " ").map {
            $0.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let (verdict, accepted) = staffGate.withLock { gate in
            if usedFields.count == 2, let used = Int64(usedFields[0]) { gate.remember(used: used, keyFingerprint: usedFields[1]) }
            return (gate.check(digits, key: key, now: Int64(Date().timeIntervalSince1970)), gate.lastAccepted)
        }
        if verdict == .accepted, let accepted {
            do {
                try Data("\(accepted) \(key.fingerprint)\n".utf8).write(to: URL(fileURLWithPath: usedPath), options: .atomic)
            } catch {
                logger.error("used operator code not saved", metadata: ["error": .string("\(error)"), "technician": "check the state directory"])
            }
        }
        let outcome: OperatorCodeOutcome
        switch verdict {
        case .accepted: outcome = .accepted(account: "operator")
        case .wrong(let tries): outcome = .wrong(triesLeft: tries)
        case .alreadyUsed: outcome = .alreadyUsed
        case .locked(let seconds): outcome = .locked(minutesLeft: Int((seconds + 59) / 60))
        }
        let reason: String
        switch verdict {
        case .accepted: reason = "accepted"
        case .wrong: reason = "wrong-code"
        case .alreadyUsed: reason = "code-reused"
        case .locked: reason = "locked-out"
        }
        logger.notice("staff login", metadata: ["staff.outcome": .string(reason)])
        audit(AuditEvent(.staffLogin, "staff.login", actor: .staff("operator"), succeeded: verdict == .accepted, detail: ["reason": reason]))
        if case .locked = verdict {
            // Someone is guessing at the kiosk: the hall's staff hear of it through the hub.
            _ = await callStaff(.operatorCodeLockout)
        }
        return outcome
    }

    func staffStatus() async -> StaffStatusReport {
        let report = await devices.surveyNow()
        let backlog = try? journal.backlog()
        let parked = (try? journal.parkedItems(limit: 3)) ?? []
        let events = (try? journal.auditEntries(last: 4)) ?? []
        let clock = DateFormatter()
        clock.dateFormat = "HH:mm"
        clock.timeZone = .current
        let free = (try? FileManager.default.attributesOfFileSystem(forPath: settings.stateDirectory)[.systemFreeSize] as? NSNumber)
            .map { Int($0.int64Value / 1_048_576) }
        let oldest = backlog?.oldestPendingWallTime.map { max(0, Int(Date().timeIntervalSince($0) / 60)) }
        let health = report.health
        return StaffStatusReport(
            cardReaderReady: health.cardReader, printer: Self.staffPrinterState(report.printer), cameraReady: health.camera,
            hubOnline: health.hub, freeDiskMegabytes: free, pending: backlog?.pendingCount ?? 0, oldestPendingMinutes: oldest,
            parked: parked.map { "\($0.kind): \($0.reason)" }, softwareVersion: ZizhuVersion.current,
            recentEvents: events.reversed().map {
                clock.string(from: Date(timeIntervalSince1970: Double($0.wallTimeMilliseconds) / 1000)) + " " + $0.action
            })
    }

    func staffAction(_ action: StaffAction, by account: String) async -> StaffActionOutcome {
        switch action {
        case .testPrint:
            let page = StaffTestPage(kioskID: kioskID, queue: settings.receiptQueue,
                                     printedAt: IssueTime(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)))
            let outcome: PrintOutcome
            do {
                outcome = await printing.printer.print(try printing.renderer.render(page))
            } catch {
                outcome = .notPrinted(.unavailable(.rendering))
            }
            audit(AuditEvent(.deviceFault, "staff.test_page", actor: .staff(account), succeeded: outcome.isPrinted))
            switch outcome {
            case .printed: return .testPagePrinted
            case .notPrinted(let failure): return .testPageNotPrinted(Self.staffWords(failure))
            }
        case .paperReplaced:
            let report = await devices.surveyNow()
            let state = Self.staffPrinterState(report.printer)
            audit(AuditEvent(.deviceFault, "staff.paper_refilled", actor: .staff(account), succeeded: state == .ready || state == .paperLow))
            switch state {
            case .ready, .paperLow: return .printerReady
            case .paperOut: return .printerStillCannotPrint("缺纸")
            case .fault(let words): return .printerStillCannotPrint(words)
            }
        case .outOfService, .backInService:
            let out = action == .outOfService
            do {
                if out {
                    try Data("out of service since \(Date())\n".utf8).write(to: URL(fileURLWithPath: outOfServicePath))
                } else if FileManager.default.fileExists(atPath: outOfServicePath) {
                    try FileManager.default.removeItem(atPath: outOfServicePath)
                }
            } catch {
                logger.error("service state not saved", metadata: ["error": .string("\(error)"), "technician": "check the state directory"])
                return .failed("状态没有保存，请技术人员检查存储。")
            }
            logger.notice(out ? "kiosk out of service" : "kiosk back in service")
            audit(AuditEvent(.configuration, out ? "kiosk.out_of_service" : "kiosk.back_in_service", actor: .staff(account)))
            return .serviceState(outOfService: out)
        case .signOut:
            audit(AuditEvent(.staffLogin, "staff.logout", actor: .staff(account)))
            return .signedOut
        }
    }

    func isOutOfService() async -> Bool { FileManager.default.fileExists(atPath: outOfServicePath) }

    private func audit(_ event: AuditEvent) {
        do {
            _ = try journal.appendAudit(event)
        } catch {
            logger.error("audit entry not written", metadata: ["action": .string(event.action), "error": .string("\(error)")])
        }
    }

    static func staffPrinterState(_ printer: Result<PrinterStatus, PrintingFault>) -> StaffStatusReport.PrinterState {
        switch printer.map(\.availability) {
        case .success(.canPrint): return .ready
        case .success(.canPrintPaperLow): return .paperLow
        case .success(.cannotPrint(.paperOut)), .failure(.paperOut): return .paperOut
        case .success(.cannotPrint(let fault)), .failure(let fault): return .fault(staffWords(fault))
        }
    }

    /// A printer fault as staff read it; a technician's fault says so.
    static func staffWords(_ fault: PrintingFault) -> String {
        switch fault {
        case .paperOut: return "缺纸"
        case .paperJam: return "卡纸"
        case .coverOpen: return "盖子没有关好"
        case .offline: return "打印机没有连接（请检查电源和网线）"
        default: return "打印服务故障 \(fault)，请联系技术人员"
        }
    }

    static func staffWords(_ failure: PrintFailure) -> String {
        switch failure {
        case .unavailable(let fault), .refused(let fault): return staffWords(fault)
        case .abandoned(_, let fault): return fault.map(staffWords) ?? "打印中断"
        case .unconfirmed: return "没能确认是否打印出来，请看出纸口"
        }
    }
}
