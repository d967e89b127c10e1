import CameraCapture
import Foundation

/// A frame kept as evidence, before it becomes a JPEG.
public struct EvidenceFrame: Sendable {
    public enum Role: Sendable, Equatable {
        case bestFrontal
        case action(step: Int, ChallengeAction)
    }
    public let role: Role
    public let timestamp: Duration
    public let image: GrayImage
    /// The camera's own JPEG, if it sent one.
    public let jpeg: [UInt8]?
    public let measures: QualityMeasures

    init(role: Role, frame: AnalyzedFrame) {
        self.role = role
        timestamp = frame.timestamp
        image = frame.image
        jpeg = frame.jpeg
        measures = frame.quality.measures
    }
}

/// Everything a completed check hands over: the plan, each attempt, the log and the frames that
/// matter (the best frontal frame, then one per action). A value: encoding and journalling it are
/// the driver's job (``ChallengeEvidence``).
public struct ChallengeRecord: Sendable {
    public let plan: ChallengePlan
    public let results: [LivenessCheck.StepResult]
    public let issuesSeen: [QualityIssue]
    public let log: ChallengeLog
    public let bestFrontal: EvidenceFrame?
    public let actionFrames: [EvidenceFrame]

    public var frames: [EvidenceFrame] { (bestFrontal.map { [$0] } ?? []) + actionFrames }
    /// Every step passed (the check's own view; the hub still decides).
    public var isComplete: Bool {
        plan.actions.indices.allSatisfy { step in results.contains { $0.step == step && $0.passed } }
    }
}
