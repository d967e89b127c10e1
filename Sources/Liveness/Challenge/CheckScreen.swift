/// What the screen shows during the check, as plain values for the UI to lay out in large type.
/// The fallback is on every screen; the end says "submitted", never "passed".
public struct CheckScreen: Equatable, Sendable {
    public var title: String
    /// The session's nonce, grouped for reading: "307 512".
    public var nonce: String
    /// The one thing to do now (a prompt, an instruction, or the outcome).
    public var main: String
    /// A second line: the quality instruction under a prompt, or what happens next.
    public var detail: String?
    /// "第 1 步，共 3 步" while actions are asked for.
    public var progress: String?
    /// The way out, offered throughout; nil once the check has ended.
    public var fallback: String?
}

extension LivenessCheck {
    public static let fallbackOffer = "不方便刷脸？改用社保卡和密码办理（工作人员审核）"

    public static func screen(_ model: Model) -> CheckScreen {
        let nonce = model.plan.nonce.count == 6
            ? String(model.plan.nonce.prefix(3)) + " " + String(model.plan.nonce.suffix(3)) : model.plan.nonce
        var screen = CheckScreen(title: "人脸认证", nonce: "本次验证码 \(nonce)", main: "", detail: nil, progress: nil, fallback: fallbackOffer)
        let total = model.plan.actions.count
        switch model.phase {
        case .ready:
            screen.main = "请站在屏幕前，准备好后按“开始”"
            screen.detail = "接下来会请您做 \(total) 个简单动作，每个动作都会先说给您听"
        case .positioning:
            screen.main = model.instruction ?? "请看着屏幕，保持不动"
        case .prompting(let step), .acting(let step, _, _):
            screen.main = model.plan.actions[step].prompt
            screen.detail = model.instruction
            screen.progress = "第 \(step + 1) 步，共 \(total) 步"
        case .submitted:
            screen.main = "已提交，请等待审核结果"
            screen.detail = "审核结果会通知您，也可以到窗口查询"
            screen.fallback = nil
        case .fallback(let reason):
            screen.main = "请用社保卡和密码继续办理"
            switch reason {
            case .cameraUnavailable, .feedRepeated: screen.detail = "摄像头暂时不能使用，工作人员会为您审核"
            case .attemptsExhausted, .couldNotPosition: screen.detail = "没有完成刷脸也没关系，工作人员会为您审核"
            case .citizenChose: screen.detail = "工作人员会为您审核"
            }
            screen.fallback = nil
        }
        return screen
    }
}
