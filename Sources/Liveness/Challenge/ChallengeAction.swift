/// One thing the citizen is asked to do in front of the camera. Raw values are the wire names in
/// the challenge log and the hub's `challenge.steps[].action`.
public enum ChallengeAction: String, Codable, Sendable, CaseIterable {
    case blink
    case openMouth = "open_mouth"
    /// The citizen's own left, not the image's.
    case turnLeft = "turn_left"
    case turnRight = "turn_right"
    case moveCloser = "move_closer"

    /// The spoken and shown prompt: one short sentence, plain words.
    public var prompt: String {
        switch self {
        case .blink: return "请眨一眨眼睛"
        case .openMouth: return "请张一张嘴"
        case .turnLeft: return "请慢慢向左转头，再转回来"
        case .turnRight: return "请慢慢向右转头，再转回来"
        case .moveCloser: return "请慢慢靠近屏幕"
        }
    }

    public var isTurn: Bool { self == .turnLeft || self == .turnRight }
}

/// A session's challenge: the actions in order and the nonce shown on screen. The nonce ties the
/// evidence to this session: it is in the challenge log the hub gets, and staff can see it on
/// the kiosk screen in a review photo or recording.
public struct ChallengePlan: Codable, Sendable, Equatable {
    public let actions: [ChallengeAction]
    /// Six digits, shown large during the whole check.
    public let nonce: String

    public init(actions: [ChallengeAction], nonce: String) {
        precondition(!actions.isEmpty, "a challenge needs at least one action")
        self.actions = actions
        self.nonce = nonce
    }

    /// A random plan: `count` distinct actions from `pool` in random order (at most one turn, so
    /// "turn left, turn right" cannot be passed by one sweep of the head), and a random nonce.
    /// The generator is injected so tests replay a plan; the kiosk passes the system generator.
    public static func random(from pool: [ChallengeAction] = ChallengeAction.allCases, count: ClosedRange<Int> = 2...3,
                              using generator: inout some RandomNumberGenerator) -> ChallengePlan {
        var candidates = Array(Set(pool)).sorted { $0.rawValue < $1.rawValue }
        candidates.shuffle(using: &generator)
        var chosen: [ChallengeAction] = []
        let wanted = Int.random(in: count, using: &generator)
        for action in candidates where chosen.count < wanted {
            if action.isTurn, chosen.contains(where: \.isTurn) { continue }
            chosen.append(action)
        }
        let digits = String(UInt32.random(in: 0..<1_000_000, using: &generator))
        let nonce = String(repeating: "0", count: 6 - digits.count) + digits
        return ChallengePlan(actions: chosen, nonce: nonce)
    }
}
