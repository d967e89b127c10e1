/// A key from a keyboard or the kiosk's physical keypad.
public enum Key: Hashable, Sendable {
    /// A printable character (digits included).
    case character(Character)
    case enter, backspace, escape, tab, delete
    case up, down, left, right, home, end, pageUp, pageDown
    /// F1 to F12.
    case function(Int)
}

/// What a mouse (or a touchscreen through the terminal's pointer emulation) did.
public struct MouseEvent: Hashable, Sendable {
    public enum Action: Hashable, Sendable { case press, release, motion, wheelUp, wheelDown }

    public var action: Action
    /// 0 left (a finger), 1 middle, 2 right.
    public var button: Int
    /// 0-based cell position.
    public var position: CellPoint
    /// Whether Shift, Alt or Ctrl was held; touches never set it.
    public var modified: Bool

    public init(action: Action, button: Int, position: CellPoint, modified: Bool = false) {
        self.action = action
        self.button = button
        self.position = position
        self.modified = modified
    }
}

/// One decoded input.
public enum InputEvent: Hashable, Sendable {
    case key(Key)
    case mouse(MouseEvent)
}
