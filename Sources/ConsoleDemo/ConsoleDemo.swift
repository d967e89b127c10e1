import TextConsole

/// A small program that shows TextConsole's widgets the way the kiosk will use them: choose the
/// text size, enter a PIN on the keypad, wait for a check, page through records. Used by the
/// golden-file and tmux tests, the screenshots and `zizhu-console-demo`.
///
/// The PIN that passes is 123456; any other six digits lead to the error screen.
public struct ConsoleDemo: ConsoleProgram {
    public enum Page: Hashable, Sendable {
        case welcome
        case pin
        /// Checking the PIN: a wait with a progress bar, `step` of ``ConsoleDemo/verificationSteps``.
        case verifying(step: Int)
        case wrongPIN
        case records(page: Int)
    }

    public struct Model: Hashable, Sendable {
        public var page: Page = .welcome
        public var sizeMode: SizeMode = .normal
        /// Digits entered so far. Only their count is ever shown or spoken.
        public var pin: [Int] = []
        /// Seconds left on the idle warning while it shows.
        public var idleSecondsLeft: Int?

        public init(page: Page = .welcome, sizeMode: SizeMode = .normal, pin: [Int] = [], idleSecondsLeft: Int? = nil) {
            self.page = page
            self.sizeMode = sizeMode
            self.pin = pin
            self.idleSecondsLeft = idleSecondsLeft
        }
    }

    public enum Target: Hashable, Sendable {
        case size(SizeMode), start, help, repeatSpeech, back, confirm, pinKey(PINKey), previousPage, nextPage, retry, staffHelp, stayInSession
    }

    public enum Message: Sendable {
        case tapped(Target)
        case key(Key)
        case verificationStep
        case idleWarning
        case countdownTick
    }

    public static let pinLength = 6
    public static let verificationSteps = 4
    static let acceptedPIN = [1, 2, 3, 4, 5, 6]

    /// How long without input before the idle warning, and how long the warning lasts (A20: the
    /// response window must outlast the spoken warning, so ≥ 35 s on a kiosk).
    public var idleAfter: Duration
    public var warningSeconds: Int
    /// Time between the progress steps of the PIN check.
    public var verificationStepDelay: Duration

    public init(idleAfter: Duration = .seconds(60), warningSeconds: Int = 40, verificationStepDelay: Duration = .milliseconds(400)) {
        self.idleAfter = idleAfter
        self.warningSeconds = warningSeconds
        self.verificationStepDelay = verificationStepDelay
    }

    public func start() -> (Model, [Command<Message>]) {
        (Model(), [.speakScreen, restartIdleTimer])
    }

    public func sizeMode(_ model: Model) -> SizeMode { model.sizeMode }

    public func message(tapped target: Target) -> Message { .tapped(target) }

    public func message(key: Key) -> Message? { .key(key) }

    private var restartIdleTimer: Command<Message> { .startTimer(id: "idle", after: idleAfter, message: .idleWarning) }

    public func update(_ model: Model, _ message: Message) -> (Model, [Command<Message>]) {
        var model = model
        switch message {
        case .idleWarning:
            // A21: never time out while the machine is busy.
            if case .verifying = model.page { return (model, []) }
            model.idleSecondsLeft = warningSeconds
            return (model, [.speakScreen, .startTimer(id: "countdown", after: .seconds(1), message: .countdownTick)])
        case .countdownTick:
            guard let left = model.idleSecondsLeft else { return (model, []) }
            if left <= 1 {
                // Time is up: clear everything the citizen entered and go home (A20).
                return (Model(), [.cancelTimer(id: "countdown"), .speakScreen, restartIdleTimer])
            }
            model.idleSecondsLeft = left - 1
            return (model, [.startTimer(id: "countdown", after: .seconds(1), message: .countdownTick)])
        case .verificationStep:
            guard case .verifying(let step) = model.page else { return (model, []) }
            if step + 1 < Self.verificationSteps {
                model.page = .verifying(step: step + 1)
                return (model, [.startTimer(id: "verify", after: verificationStepDelay, message: .verificationStep)])
            }
            let accepted = model.pin == Self.acceptedPIN
            model.pin = []
            model.page = accepted ? .records(page: 0) : .wrongPIN
            return (model, [.speakScreen, restartIdleTimer])
        case .tapped(let target):
            return act(on: target, model)
        case .key(let key):
            guard let target = target(for: key, model) else { return (model, []) }
            return act(on: target, model)
        }
    }

    /// The physical keypad mirrors the touch targets (A19).
    private func target(for key: Key, _ model: Model) -> Target? {
        if model.idleSecondsLeft != nil { return .stayInSession }
        switch key {
        case .character(let character):
            guard model.page == .pin, let digit = character.wholeNumberValue, character.isASCII else { return nil }
            return .pinKey(.digit(digit))
        case .backspace: return model.page == .pin ? .pinKey(.correct) : nil
        case .enter: return .confirm
        case .escape: return .back
        case .function(1): return .help
        case .function(2): return .repeatSpeech
        case .left, .pageUp: return .previousPage
        case .right, .pageDown: return .nextPage
        default: return nil
        }
    }

    private func act(on target: Target, _ model: Model) -> (Model, [Command<Message>]) {
        var model = model
        if model.idleSecondsLeft != nil {
            // While the warning shows only its button counts (the layout offers no other target).
            guard target == .stayInSession else { return (model, []) }
            model.idleSecondsLeft = nil
            return (model, [.cancelTimer(id: "countdown"), .speakScreen, restartIdleTimer])
        }
        let entered: (Model) -> (Model, [Command<Message>]) = { ($0, [.speakScreen, self.restartIdleTimer]) }
        switch (model.page, target) {
        case (_, .help):
            return (model, [.speak(["帮助", "请按屏幕上的大按钮操作。返回在左下角，确认在右下角。想再听一遍，请点击右上角的重听。需要工作人员帮助，请点击人工帮助。"]),
                            restartIdleTimer])
        case (.verifying, .repeatSpeech):
            // Still busy: say it again, but no idle timer while the machine works (A21).
            return (model, [.speakScreen])
        case (_, .repeatSpeech):
            return (model, [.speakScreen, restartIdleTimer])
        case (.welcome, .size(let mode)):
            model.sizeMode = mode
            return entered(model)
        case (.welcome, .start), (.welcome, .confirm):
            model.page = .pin
            model.pin = []
            return entered(model)
        case (.pin, .pinKey(.digit(let digit))):
            if model.pin.count < Self.pinLength { model.pin.append(digit) }
            return (model, [restartIdleTimer])
        case (.pin, .pinKey(.correct)):
            _ = model.pin.popLast()
            return (model, [restartIdleTimer])
        case (.pin, .pinKey(.clear)):
            model.pin = []
            return (model, [restartIdleTimer])
        case (.pin, .confirm):
            guard model.pin.count == Self.pinLength else { return (model, []) }
            model.page = .verifying(step: 0)
            return (model, [.speakScreen, .cancelTimer(id: "idle"),
                            .startTimer(id: "verify", after: verificationStepDelay, message: .verificationStep)])
        case (.pin, .back), (.wrongPIN, .back):
            model.page = .welcome
            model.pin = []
            return entered(model)
        case (.wrongPIN, .retry), (.wrongPIN, .confirm):
            model.page = .pin
            return entered(model)
        case (.wrongPIN, .staffHelp):
            return (model, [.speak(["已通知工作人员，请稍候"]), restartIdleTimer])
        case (.records(let page), .nextPage):
            model.page = .records(page: min(page + 1, Self.records.count))
            return entered(model)
        case (.records(let page), .previousPage):
            model.page = .records(page: max(page - 1, 0))
            return entered(model)
        case (.records, .back), (.records, .confirm):
            // The session ends: everything resets, the size mode too (A03).
            return entered(Model())
        default:
            return (model, [])
        }
    }

    /// Synthetic contribution records for the paged list.
    public static let records: [Text] = (0..<23).map { index in
        let year = 2024 - index / 12
        let month = 12 - index % 12
        let amount = 356 + (index % 5) * 12
        let monthText = month < 10 ? "0\(month)" : "\(month)"
        return Text("\(year)年\(monthText)月　城镇职工基本养老保险　个人缴费　￥\(amount).40",
                    spoken: "\(year)年\(month)月，城镇职工基本养老保险，个人缴费\(amount)元4角")
    }

    public func view(_ model: Model) -> Screen<Target> {
        let help = Button("帮助", target: Target.help)
        var screen: Screen<Target>
        switch model.page {
        case .welcome:
            let mark: (SizeMode) -> String = { model.sizeMode == $0 ? "（已选）" : "" }
            screen = Screen(title: "欢迎使用社保自助服务",
                            content: [.paragraph("请先选择字号，再点击右下角的「开始」。需要帮助请点右上角的「帮助」，再听一遍请点「重听」。"),
                                      .choices([Button("标准字号" + mark(.normal), target: .size(.normal)),
                                                Button("大字号" + mark(.large), target: .size(.large))])],
                            help: help, confirm: Button("开始", target: .start, kind: .primary))
        case .pin:
            var keys: [PINKey: Target] = [.correct: .pinKey(.correct), .clear: .pinKey(.clear)]
            for digit in 0...9 { keys[.digit(digit)] = .pinKey(.digit(digit)) }
            screen = Screen(title: "请输入社保卡密码",
                            content: [.pinPad(prompt: "请用右侧数字键输入6位密码，输完后点击「确认」。", entered: model.pin.count,
                                              length: Self.pinLength, keys: keys)],
                            help: help, back: Button("返回", target: .back),
                            confirm: Button("确认", target: .confirm, kind: .primary, isEnabled: model.pin.count == Self.pinLength))
        case .verifying(let step):
            screen = Screen(title: "正在核对密码",
                            content: [.progress(label: "正在核对密码，请稍候，不要拔出社保卡。",
                                                fraction: Double(step + 1) / Double(Self.verificationSteps), phase: step)])
        case .wrongPIN:
            screen = .error(cause: "密码不正确，卡片没有被锁定。", action: "请点击「重试」重新输入6位密码；忘记密码请点击「人工帮助」，工作人员会来帮您。",
                            retry: .retry, staffHelp: .staffHelp, back: Button("返回", target: .back), help: help)
        case .records(let page):
            screen = Screen(title: "个人缴费记录",
                            content: [.pagedList(rows: Self.records, page: page, previous: .previousPage, next: .nextPage)],
                            help: help, back: Button("返回首页", target: .back),
                            confirm: Button("完成", target: .confirm, kind: .primary))
        }
        // Every screen can be heard again from the same place (A15).
        screen.repeatSpeech = Button("重听", target: .repeatSpeech)
        if let left = model.idleSecondsLeft {
            screen.overlay = CountdownOverlay(message: "您还在操作吗？如需继续，请点击「继续操作」。", secondsLeft: left,
                                              continue: Button("继续操作", target: .stayInSession))
        }
        return screen
    }
}
