import Foundation

/// What happened during one check, for staff review and the hub: prompts, windows, what was seen,
/// gate results, attempts and the outcome, with times in milliseconds from the start of the check.
/// It holds no personal data (no name, no ID, no image); the frames travel beside it.
public struct ChallengeLog: Codable, Sendable, Equatable {
    public struct Event: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable {
            case started, quality, positioned, prompt, windowOpened = "window_opened", stepPassed = "step_passed"
            case attemptFailed = "attempt_failed", cameraError = "camera_error", submitted, fallback
        }
        public var atMilliseconds: Int
        public var kind: Kind
        public var step: Int?
        public var action: ChallengeAction?
        /// Quality issues (`quality`: the new set; `positioned`: none), or why an attempt failed.
        public var issues: [String]?
        public var detail: String?
        /// The gates' measures when they matter (at positioning and for each evidence frame).
        public var measures: QualityMeasures?

        enum CodingKeys: String, CodingKey {
            case atMilliseconds = "at_ms", kind, step, action, issues, detail, measures
        }
    }

    public static let format = "zizhu-challenge-log-1"
    public var format = ChallengeLog.format
    public var nonce: String
    public var actions: [ChallengeAction]
    public var events: [Event] = []

    public init(plan: ChallengePlan) {
        nonce = plan.nonce
        actions = plan.actions
    }

    mutating func append(_ kind: Event.Kind, at time: Duration, step: Int? = nil, action: ChallengeAction? = nil,
                         issues: [String]? = nil, detail: String? = nil, measures: QualityMeasures? = nil) {
        events.append(Event(atMilliseconds: Int(time.milliseconds), kind: kind, step: step, action: action,
                            issues: issues, detail: detail, measures: measures))
    }

    /// Compact, key-sorted JSON: the bytes that go into the evidence bundle.
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Every field is a plain value; encoding cannot fail.
        return (try? encoder.encode(self)) ?? Data()
    }
}

extension Duration {
    /// Whole milliseconds (truncated).
    var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
