import KioskCore
import TextConsole

/// What staff mode asks of the kiosk: the operator code check, the device and sync status, and
/// the few actions staff take at the machine. Every call answers with a value; none throws.
public protocol StaffEffects: Sendable {
    /// Checks a typed operator code (`zizhuctl operator-code`); audited whatever the answer.
    func checkOperatorCode(_ digits: [Int]) async -> OperatorCodeOutcome
    /// The kiosk's devices, disk, sync backlog and recent events, for staff.
    func staffStatus() async -> StaffStatusReport
    /// Does one staff action; audited with the staff account.
    func staffAction(_ action: StaffAction, by account: String) async -> StaffActionOutcome
    /// Whether staff left the kiosk out of service; that survives restarts.
    func isOutOfService() async -> Bool
}

public enum OperatorCodeOutcome: Equatable, Sendable {
    /// Staff mode opens for this account.
    case accepted(account: String)
    case wrong(triesLeft: Int)
    /// Right, but used before: a code opens staff mode once.
    case alreadyUsed
    case locked(minutesLeft: Int)
    /// The kiosk has no operator key: a technician must create one.
    case notConfigured
}

public enum StaffAction: Hashable, Sendable {
    case testPrint
    /// New paper is in: survey the printer now rather than at the next round.
    case paperReplaced
    case outOfService
    case backInService
    case signOut
}

public enum StaffActionOutcome: Equatable, Sendable {
    case testPagePrinted
    /// What went wrong, in staff's words.
    case testPageNotPrinted(String)
    case printerReady
    case printerStillCannotPrint(String)
    case serviceState(outOfService: Bool)
    case failed(String)
    case signedOut
}

/// Status for staff: no personal data, plain values the screen words.
public struct StaffStatusReport: Equatable, Sendable {
    public enum PrinterState: Equatable, Sendable {
        case ready, paperLow, paperOut
        /// Cannot print for another reason, in staff's words.
        case fault(String)
    }

    public var cardReaderReady: Bool
    public var printer: PrinterState
    public var cameraReady: Bool
    public var hubOnline: Bool
    public var freeDiskMegabytes: Int?
    public var pending: Int
    /// How long the oldest unsent item has waited, in minutes.
    public var oldestPendingMinutes: Int?
    /// Items the hub refused, as "kind: reason" codes.
    public var parked: [String]
    public var softwareVersion: String
    /// The last audit entries, "HH:MM action" (codes only, no personal data).
    public var recentEvents: [String]

    public init(cardReaderReady: Bool, printer: PrinterState, cameraReady: Bool, hubOnline: Bool, freeDiskMegabytes: Int?,
                pending: Int, oldestPendingMinutes: Int?, parked: [String], softwareVersion: String, recentEvents: [String]) {
        self.cardReaderReady = cardReaderReady
        self.printer = printer
        self.cameraReady = cameraReady
        self.hubOnline = hubOnline
        self.freeDiskMegabytes = freeDiskMegabytes
        self.pending = pending
        self.oldestPendingMinutes = oldestPendingMinutes
        self.parked = parked
        self.softwareVersion = softwareVersion
        self.recentEvents = recentEvents
    }
}

extension KioskSessionProgram {
    /// Operator codes have eight digits (``StaffAccess/OperatorCode``).
    public static let operatorCodeLength = 8

    /// Staff mode's pages: code pad, menu, status, results. Every one times out like the
    /// citizen's pages (the idle warning, then the attract screen), which also signs staff out.
    func staffUpdate(_ message: Message, _ model: Model) -> (Model, [Command<Message>])? {
        var model = model
        switch message {
        case .operatorCodeChecked(let outcome):
            guard model.page == .staffChecking else { return (model, []) }
            if case .accepted(let account) = outcome {
                model.staffAccount = account
                model.page = .staffMenu
            } else {
                model.page = .staffCode(problem: outcome)
            }
            return entered(model)
        case .staffStatusLoaded(let report):
            guard model.page == .staffBusy, model.staffAccount != nil else { return (model, []) }
            model.page = .staffStatus(report, page: 0)
            return entered(model)
        case .staffActionDone(let outcome):
            guard model.page == .staffBusy, model.staffAccount != nil else { return (model, []) }
            if case .serviceState(let outOfService) = outcome { model.outOfService = outOfService }
            model.page = .staffResult(outcome)
            return entered(model)
        case .serviceStateLoaded(let outOfService):
            model.outOfService = outOfService
            guard outOfService, case .attract = model.page else { return (model, []) }
            return (model, [.speakScreen])
        default:
            return nil
        }
    }

    func staffAct(on target: Target, _ model: Model) -> (Model, [Command<Message>])? {
        var model = model
        let effects = self.effects
        switch (model.page, target) {
        case (.attract, .staffLogin):
            model.clearSession()
            model.page = .staffCode(problem: nil)
            return entered(model, [.cancelTimer(id: "notice")])
        case (.staffCode, .pinKey(.digit(let digit))):
            if model.pinDigits.count < Self.operatorCodeLength { model.pinDigits.append(digit) }
            return (model, [restartIdleTimer])
        case (.staffCode, .pinKey(.correct)):
            _ = model.pinDigits.popLast()
            return (model, [restartIdleTimer])
        case (.staffCode, .pinKey(.clear)):
            model.pinDigits = []
            return (model, [restartIdleTimer])
        case (.staffCode, .confirm):
            guard model.pinDigits.count == Self.operatorCodeLength else { return (model, []) }
            let digits = model.pinDigits
            model.pinDigits = []
            model.page = .staffChecking
            return entered(model, [.run { .operatorCodeChecked(await effects.checkOperatorCode(digits)) }])
        case (.staffCode, .back):
            return goHome(model, notice: nil)
        case (.staffMenu, .staffStatus):
            model.page = .staffBusy
            return entered(model, [.run { .staffStatusLoaded(await effects.staffStatus()) }])
        case (.staffMenu, .staffAction(.signOut)), (.staffMenu, .back):
            return goHome(model, notice: nil)
        case (.staffMenu, .staffAction(let action)):
            guard let account = model.staffAccount else { return goHome(model, notice: nil) }
            model.page = .staffBusy
            return entered(model, [.run { .staffActionDone(await effects.staffAction(action, by: account)) }])
        case (.staffStatus(let report, let page), .nextPage):
            model.page = .staffStatus(report, page: min(page + 1, statusLines(report).count - 1))
            return entered(model)
        case (.staffStatus(let report, let page), .previousPage):
            model.page = .staffStatus(report, page: max(page - 1, 0))
            return entered(model)
        case (.staffStatus, .back), (.staffStatus, .confirm), (.staffResult, .back), (.staffResult, .confirm):
            model.page = model.staffAccount == nil ? .attract(notice: nil) : .staffMenu
            return entered(model)
        case (.staffCode, _), (.staffChecking, _), (.staffMenu, _), (.staffBusy, _), (.staffStatus, _), (.staffResult, _):
            return (model, [])
        default:
            return nil
        }
    }

    /// Signing out is audited: when staff tap 退出 and when staff mode times out.
    func signOutCommand(_ model: Model) -> [Command<Message>] {
        guard let account = model.staffAccount else { return [] }
        let effects = self.effects
        return [.run { _ = await effects.staffAction(.signOut, by: account); return nil }]
    }

    // MARK: Screens

    func staffPage(_ model: Model) -> Screen<Target>? {
        let back = Button(texts["session.back"], target: Target.back)
        switch model.page {
        case .staffCode(let problem):
            var keys: [PINKey: Target] = [.correct: .pinKey(.correct), .clear: .pinKey(.clear)]
            for digit in 0...9 { keys[.digit(digit)] = .pinKey(.digit(digit)) }
            // The keypad fills the screen: a wrong code is said in the title, as for PINs.
            let content: [Content<Target>] = [.pinPad(prompt: Text(texts["staff.code_prompt"]), entered: model.pinDigits.count,
                                                      length: Self.operatorCodeLength, keys: keys)]
            return Screen(title: Text(problem.map(staffCodeProblem) ?? texts["staff.code_title"]), content: content, back: back,
                          confirm: Button(texts["session.confirm"], target: .confirm, kind: .primary,
                                          isEnabled: model.pinDigits.count == Self.operatorCodeLength))
        case .staffChecking, .staffBusy:
            return Screen(title: Text(texts["staff.working"]),
                          content: [.progress(label: Text(texts["session.reading_card_wait"]), fraction: nil, phase: 0)])
        case .staffMenu:
            let service = model.outOfService ? Button(texts["staff.back_in_service"], target: Target.staffAction(.backInService))
                                             : Button(texts["staff.out_of_service"], target: Target.staffAction(.outOfService))
            var content: [Content<Target>] = []
            if model.outOfService { content.append(.hint(Text(texts["staff.now_out_of_service"]))) }
            content.append(.choices([Button(texts["staff.status"], target: .staffStatus),
                                     Button(texts["staff.test_print"], target: .staffAction(.testPrint)),
                                     Button(texts["staff.paper_replaced"], target: .staffAction(.paperReplaced)),
                                     service]))
            return Screen(title: Text(texts["staff.menu_title"]), content: content,
                          back: Button(texts["staff.sign_out"], target: .staffAction(.signOut)))
        case .staffStatus(let report, let page):
            // One short line per fact, a page at a time (the large grid shows five).
            return Screen(title: Text(texts["staff.status_title"]),
                          content: [.pagedList(rows: statusLines(report).map { Text($0) }, page: page, previous: .previousPage, next: .nextPage)],
                          back: back, confirm: Button(texts["session.continue"], target: .confirm, kind: .primary))
        case .staffResult(let outcome):
            return Screen(title: Text(texts["staff.menu_title"]), content: [.paragraph(Text(staffResultText(outcome)))],
                          back: back, confirm: Button(texts["session.continue"], target: .confirm, kind: .primary))
        default:
            return nil
        }
    }

    private func staffCodeProblem(_ outcome: OperatorCodeOutcome) -> String {
        switch outcome {
        case .wrong(let tries): return texts["staff.code_wrong", ["tries": "\(tries)"]]
        case .alreadyUsed: return texts["staff.code_used"]
        case .locked(let minutes): return texts["staff.code_locked", ["minutes": "\(minutes)"]]
        case .notConfigured: return texts["staff.not_configured"]
        case .accepted: return ""
        }
    }

    private func staffResultText(_ outcome: StaffActionOutcome) -> String {
        switch outcome {
        case .testPagePrinted: return texts["staff.test_printed"]
        case .testPageNotPrinted(let reason): return texts["staff.test_print_failed", ["reason": reason]]
        case .printerReady: return texts["staff.paper_ok"]
        case .printerStillCannotPrint(let reason): return texts["staff.paper_still_bad", ["reason": reason]]
        case .serviceState(let out): return texts[out ? "staff.now_out_of_service" : "staff.now_in_service"]
        case .failed(let reason): return texts["staff.action_failed", ["reason": reason]]
        case .signedOut: return ""
        }
    }

    func statusLines(_ report: StaffStatusReport) -> [String] {
        let ok = texts["staff.state_ok"], fault = texts["staff.state_fault"]
        let printer: String
        switch report.printer {
        case .ready: printer = ok
        case .paperLow: printer = texts["staff.printer_paper_low"]
        case .paperOut: printer = texts["staff.printer_paper_out"]
        case .fault(let reason): printer = fault + "（" + reason + "）"
        }
        var lines = [
            texts["staff.line_reader", ["state": report.cardReaderReady ? ok : fault]],
            texts["staff.line_printer", ["state": printer]],
            texts["staff.line_camera", ["state": report.cameraReady ? ok : fault]],
            texts["staff.line_hub", ["state": texts[report.hubOnline ? "staff.hub_online" : "staff.hub_offline"]]],
        ]
        if let free = report.freeDiskMegabytes { lines.append(texts["staff.line_disk", ["mb": "\(free)"]]) }
        if let minutes = report.oldestPendingMinutes, report.pending > 0 {
            lines.append(texts["staff.line_backlog", ["count": "\(report.pending)", "minutes": "\(minutes)"]])
        } else {
            lines.append(texts["staff.line_backlog_none"])
        }
        lines.append(texts["staff.line_parked", ["count": "\(report.parked.count)"]])
        lines += report.parked.prefix(3).map { "　· " + $0 }
        lines.append(texts["staff.line_version", ["version": report.softwareVersion]])
        if !report.recentEvents.isEmpty {
            lines.append(texts["staff.recent_events"])
            lines += report.recentEvents.map { "　· " + $0 }
        }
        return lines
    }
}
