/// Timing windows, attempt limits and action thresholds for the check. Starting points (elderly
/// citizens are slow; liveness.md §4), meant to be tuned on site.
public struct ChallengeConfiguration: Sendable, Equatable {
    /// Actions a plan draws from.
    public var actionPool: [ChallengeAction] = ChallengeAction.allCases
    public var actionCount: ClosedRange<Int> = 2...3
    /// How long the citizen has to get into position before the check gives way to card + PIN.
    public var positioningTimeout: Duration = .seconds(40)
    /// Good frames must follow each other this long before the first prompt (a steady face, not a
    /// passing glimpse), as in the "hold still ≥ 300 ms" capture rule.
    public var holdStill: Duration = .milliseconds(400)
    /// Time to complete an action once its prompt has been spoken.
    public var actionWindow: Duration = .seconds(8)
    /// Failed attempts (a window that ran out, or a wrong action) before the check gives way.
    public var maximumFailedAttempts = 3
    /// A blink closes the eyes for 100–400 ms; longer than this is eyes held shut or looking away.
    public var maximumBlinkClosure: Duration = .milliseconds(1500)
    /// A head turn moves the face centre at least this fraction of the face width (liveness.md §4: 0.25).
    public var turnShift = 0.25
    /// "Move closer" grows the face box width by this ratio (liveness.md §4: 1.3; area ≈ 1.56).
    public var closerWidthRatio = 1.25
    /// "Open mouth": rise of the mouth region's dark fraction over its lowest value in the window.
    public var mouthDarknessRise = 0.08
    /// Frames remembered to catch a recording played in a loop (10 s at 15 fps).
    public var fingerprintMemory = 150
    /// Some USB cameras mirror the picture; then the citizen's left is the image's left.
    public var cameraMirrorsImage = false
    /// A quality instruction is spoken again at most this often.
    public var instructionRepeat: Duration = .seconds(5)
    public var quality = QualityThresholds()

    public init() {}
}
