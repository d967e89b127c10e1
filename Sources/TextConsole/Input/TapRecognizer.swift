/// Turns presses and releases into taps on targets, the way a touchscreen kiosk needs (console.md
/// §2.2, accessibility A10 and A13):
///
/// - the target is found from the **press** position, against the regions of the frame the user
///   actually saw;
/// - the tap fires on **release**, and only if the release is inside the same target;
/// - drags, wheel turns, other buttons, modified clicks and touches in gaps between targets do
///   nothing (no snapping to the nearest target);
/// - a second tap on the same target within ``debounce`` is dropped: older hands often tap twice.
public struct TapRecognizer<Target: Hashable & Sendable>: Sendable {
    /// A second tap on the same target sooner than this is ignored.
    public var debounce: Duration
    private var pressed: Target?
    private var lastTap: (target: Target, time: Duration)?

    public init(debounce: Duration = .milliseconds(500)) {
        self.debounce = debounce
    }

    /// Feeds one mouse event, with the hit regions of the last rendered frame and the time now (any
    /// fixed origin). Returns the tapped target, if this event completes a tap.
    public mutating func handle(_ event: MouseEvent, regions: [HitRegion<Target>], time: Duration) -> Target? {
        guard event.button == 0, !event.modified else {
            pressed = nil
            return nil
        }
        switch event.action {
        case .press:
            pressed = HitRegion.target(at: event.position, in: regions)
            return nil
        case .release:
            defer { pressed = nil }
            guard let pressed, HitRegion.target(at: event.position, in: regions) == pressed else { return nil }
            if let lastTap, lastTap.target == pressed, time - lastTap.time < debounce { return nil }
            lastTap = (pressed, time)
            return pressed
        case .motion, .wheelUp, .wheelDown:
            return nil
        }
    }

    /// Forgets a press in progress (the screen changed under the finger).
    public mutating func cancel() { pressed = nil }
}

/// A rectangle of the rendered frame that acts as `target` when tapped.
public struct HitRegion<Target: Hashable & Sendable>: Hashable, Sendable {
    public var rect: CellRect
    public var target: Target

    public init(rect: CellRect, target: Target) {
        self.rect = rect
        self.target = target
    }

    /// The topmost region containing `point` (later regions are drawn over earlier ones).
    public static func target(at point: CellPoint, in regions: [HitRegion]) -> Target? {
        regions.last { $0.rect.contains(point) }?.target
    }
}
