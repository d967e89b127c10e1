/// Where a face was when the check last saw it frontal and steady: what actions are measured against.
public struct FaceReference: Sendable, Equatable {
    public let face: FaceRectangle
    public let mouthDarkness: Double?
}

/// Watches one prompted action through the frames of its window. Pure: fed frames in order, it
/// says when the action happened, or that the citizen did a different deliberate one (a turn).
public struct ActionTracker: Sendable {
    public enum Progress: Sendable, Equatable {
        case pending
        case done
        /// A deliberate action other than the one asked for (in practice: a head turn).
        case wrong(ChallengeAction)
    }

    public let action: ChallengeAction
    /// The positioned, centred face from before the first prompt: turns are displacements from it.
    let anchor: FaceReference
    /// The last steady frontal face before this window opened: approach and mouth are measured from it.
    let reference: FaceReference
    private(set) var evidence: AnalyzedFrame?
    private var eyesSeenOpen = false
    private var eyesClosedSince: Duration?
    private var closedFrame: AnalyzedFrame?
    private var sawNeutral = false
    private var lowestMouthDarkness: Double?

    init(action: ChallengeAction, anchor: FaceReference, reference: FaceReference) {
        self.action = action
        self.anchor = anchor
        self.reference = reference
        lowestMouthDarkness = reference.mouthDarkness
    }

    /// The side of the image the face moves toward when the citizen turns: turning to one's own
    /// left points the nose at the image's right in an unmirrored camera.
    static func imageSide(of action: ChallengeAction, mirrored: Bool) -> ProfileObservation.Facing? {
        switch (action, mirrored) {
        case (.turnLeft, false), (.turnRight, true): return .right
        case (.turnRight, false), (.turnLeft, true): return .left
        default: return nil
        }
    }

    mutating func observe(_ frame: AnalyzedFrame, configuration: ChallengeConfiguration) -> Progress {
        let single = frame.faces.count == 1 ? frame.faces[0] : nil
        let turnSide = observedTurn(frame, single: single, shift: configuration.turnShift)
        // A wrong turn must be unmistakable: leaning in or settling moves the face a little, so
        // it takes a larger displacement than the prompted turn does.
        let wrongSide = observedTurn(frame, single: single, shift: configuration.turnShift * 1.6)
        let expectedSide = Self.imageSide(of: action, mirrored: configuration.cameraMirrorsImage)
        defer { if turnSide.isEmpty, single != nil { sawNeutral = true } }

        if let expectedSide {
            if turnSide.contains(expectedSide) {
                evidence = frame
                return .done
            }
            if sawNeutral, let other = wrongSide.first {
                return .wrong(turnAction(for: other, mirrored: configuration.cameraMirrorsImage))
            }
            return .pending
        }
        // Not a turn step: a deliberate turn after a neutral frame is the wrong action. Coming back
        // from the previous step's turn is not (the anchor is the centred face).
        if sawNeutral, let side = wrongSide.first {
            return .wrong(turnAction(for: side, mirrored: configuration.cameraMirrorsImage))
        }

        switch action {
        case .blink:
            return observeBlink(frame, single: single, configuration: configuration)
        case .moveCloser:
            guard let single else { return .pending }
            if Double(single.face.width) >= configuration.closerWidthRatio * Double(reference.face.width) {
                evidence = frame
                return .done
            }
            return .pending
        case .openMouth:
            guard let single, let darkness = frame.mouthDarkness, isSteady(single.face) else { return .pending }
            let lowest = min(lowestMouthDarkness ?? darkness, darkness)
            lowestMouthDarkness = lowest
            if darkness - lowest >= configuration.mouthDarknessRise {
                evidence = frame
                return .done
            }
            return .pending
        case .turnLeft, .turnRight:
            return .pending   // handled above
        }
    }

    /// Blink: eyes seen open, then not found while the frontal face stays, then found again,
    /// within a blink's duration. The evidence is the eyes-closed frame.
    private mutating func observeBlink(_ frame: AnalyzedFrame, single: FaceObservation?, configuration: ChallengeConfiguration) -> Progress {
        guard let single else {
            // Face lost: whatever the eyes did is unknown; start over.
            eyesSeenOpen = false
            eyesClosedSince = nil
            return .pending
        }
        if single.eyes.isEmpty {
            if eyesSeenOpen, eyesClosedSince == nil {
                eyesClosedSince = frame.timestamp
                closedFrame = frame
            }
            if let since = eyesClosedSince, frame.timestamp - since > configuration.maximumBlinkClosure {
                // Eyes shut (or not found) too long: not a blink. Wait for open eyes again.
                eyesSeenOpen = false
                eyesClosedSince = nil
            }
            return .pending
        }
        if eyesClosedSince != nil {
            evidence = closedFrame
            return .done
        }
        eyesSeenOpen = true
        return .pending
    }

    /// Which image sides the face is turned toward in this frame: a profile on that side with no
    /// frontal face, or the frontal face's centre displaced sideways from the anchor (the centred,
    /// positioned face) by `shift` face widths. Approaching the camera head-on moves the box's
    /// centre little, so it does not read as a turn.
    private func observedTurn(_ frame: AnalyzedFrame, single: FaceObservation?, shift fraction: Double) -> [ProfileObservation.Facing] {
        if frame.faces.isEmpty, let profiles = frame.profiles {
            return Array(Set(profiles.map(\.facing))).sorted { $0.rawValue < $1.rawValue }
        }
        guard let single else { return [] }
        let shift = single.face.centreX - anchor.face.centreX
        guard abs(shift) >= fraction * Double(single.face.width) else { return [] }
        return [shift > 0 ? .right : .left]
    }

    private func turnAction(for side: ProfileObservation.Facing, mirrored: Bool) -> ChallengeAction {
        Self.imageSide(of: .turnLeft, mirrored: mirrored) == side ? .turnLeft : .turnRight
    }

    /// The face box has not moved or changed size much since the window opened.
    private func isSteady(_ face: FaceRectangle) -> Bool {
        let width = Double(reference.face.width)
        return abs(face.centreX - reference.face.centreX) <= 0.1 * width
            && abs(face.centreY - reference.face.centreY) <= 0.1 * width
            && (0.9...1.12).contains(Double(face.width) / width)
    }
}
