import Foundation
import Journal
import KioskCore

/// Journals a completed check as the hub's `qualification.submitted` item, with its evidence
/// sealed in the journal's face-evidence table in the same transaction. The outbox then carries
/// it to the hub's review queue; the kiosk's copy goes when the hub acknowledges it.
public enum QualificationSubmission {
    public static let kind = "qualification.submitted"

    /// - Parameters:
    ///   - cardVerified / pinVerified: what the card step established before the check.
    /// - Throws: ``ChallengeEvidence/EncodingError`` if the frames cannot be encoded, or the
    ///   journal's error (disk reserve, evidence refused); nothing is written then.
    @discardableResult
    public static func journal(_ record: ChallengeRecord, citizenID: CitizenID, cardNumber: String,
                               cardVerified: Bool, pinVerified: Bool, submissionID: UUID = UUID(),
                               in journal: AppDatabase) throws -> JournalEntry {
        let evidence = try ChallengeEvidence(record: record, budget: FaceEvidence.maximumBytes)
        var payload = ChallengeEvidence.hubFields(for: record)
        payload["submission_id"] = submissionID.uuidString.lowercased()
        // Sealed at rest by the journal (personal fields), opened when sent.
        payload["citizen_id"] = citizenID.value
        payload["card_number"] = cardNumber
        payload["card_verified"] = cardVerified
        payload["pin_verified"] = pinVerified
        return try journal.record(kind: kind, payload: payload,
                                  evidence: FaceEvidence(frames: evidence.frames, challengeLog: evidence.challengeLog))
    }
}
