import CameraCapture
import Foundation

/// A check's evidence as bytes: JPEG frames and the challenge log, sized for the journal and the
/// hub's review queue (1–5 frames, frames + log within a byte budget).
public struct ChallengeEvidence: Sendable, Equatable {
    public let frames: [Data]
    public let challengeLog: Data

    public enum EncodingError: Error, Equatable, Sendable {
        /// The check kept no frame (it never saw a usable face): nothing to review.
        case noFrames
        /// Even at the lowest quality the frames do not fit the budget.
        case tooLarge(bytes: Int, budget: Int)
        case jpeg(JPEGError)
    }

    /// The journal's limit for frames + log (`Journal.FaceEvidence.maximumBytes`, 360 KiB).
    public static let defaultBudget = 360 << 10
    public static let maximumFrames = 5

    /// Encodes the record's frames (best frontal first, then one per action). The camera's own
    /// JPEG is kept when it fits (colour, no second compression); otherwise the grey frame is
    /// encoded, at lower quality only if the budget needs it.
    public init(record: ChallengeRecord, budget: Int = defaultBudget) throws(EncodingError) {
        let chosen = Array(record.frames.prefix(Self.maximumFrames))
        guard !chosen.isEmpty else { throw .noFrames }
        let log = record.log.encoded()
        var lastSize = 0
        for quality in [JPEGEncoder.evidenceQuality, 70, 55, 40] {
            var frames: [Data] = []
            for frame in chosen {
                if quality == JPEGEncoder.evidenceQuality, let original = frame.jpeg, original.count <= budget / (chosen.count + 1) {
                    frames.append(Data(original))
                } else {
                    do {
                        frames.append(Data(try JPEGEncoder.encode(frame.image, quality: quality)))
                    } catch {
                        throw .jpeg(error)
                    }
                }
            }
            lastSize = frames.reduce(log.count) { $0 + $1.count }
            if lastSize <= budget {
                self.frames = frames
                challengeLog = log
                return
            }
        }
        throw .tooLarge(bytes: lastSize, budget: budget)
    }

    /// The `challenge` object and `quality_flags` of the hub's `qualification.submitted` payload
    /// (hubdata's contract): every attempt in order, the nonce, and the gate issues seen.
    public static func hubFields(for record: ChallengeRecord) -> [String: any Sendable] {
        let steps: [[String: any Sendable]] = record.results.map { result in
            ["action": result.action.rawValue, "passed": result.passed, "elapsed_ms": Int(result.elapsed.milliseconds)]
        }
        return [
            "challenge": ["complete": record.isComplete, "nonce": record.plan.nonce, "steps": steps] as [String: any Sendable],
            "quality_flags": record.issuesSeen.map(\.rawValue),
        ]
    }
}
