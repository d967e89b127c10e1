/// The two text size modes, chosen on the first screen and reset when a session ends (A03).
///
/// The glyph size belongs to the terminal's font (one size for the whole UI, console.md §1.3):
/// with ``TerminalFonts`` the runner asks xterm for the larger font in large mode (40 px instead
/// of 32 px: a 96×18 grid instead of 120×22 on 1920×1080). The layout gives the same words more
/// room as well: bold body text, a blank row between wrapped lines, wider buttons and keys, and
/// fewer list rows per page.
public enum SizeMode: String, Hashable, Sendable, CaseIterable {
    case normal, large
}

/// Words shown on screen, with what is said aloud for them when that differs (a masked ID is
/// shown masked and spoken as words that say it is hidden, accessibility A29).
public struct Text: Hashable, Sendable, ExpressibleByStringLiteral {
    public var display: String
    public var spoken: String

    public init(_ display: String, spoken: String? = nil) {
        self.display = display
        self.spoken = spoken ?? display
    }

    public init(stringLiteral value: String) {
        self.init(value)
    }
}

/// A large tappable button.
public struct Button<Target: Hashable & Sendable>: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        /// The screen's main step: drawn in the primary colours.
        case primary
        case normal
    }

    public var label: String
    public var target: Target
    public var kind: Kind
    /// A disabled button is drawn, says （不可用）, and cannot be tapped.
    public var isEnabled: Bool

    public init(_ label: String, target: Target, kind: Kind = .normal, isEnabled: Bool = true) {
        self.label = label
        self.target = target
        self.kind = kind
        self.isEnabled = isEnabled
    }

    /// The words on the button: a disabled one says so in text, not only in colour (A07).
    public var displayLabel: String { isEnabled ? label : label + "（不可用）" }
}

/// A key of the PIN keypad.
public enum PINKey: Hashable, Sendable {
    case digit(Int)
    /// Deletes the last digit (更正).
    case correct
    /// Deletes every digit (清空).
    case clear
}

/// One block of a screen's body, stacked top to bottom with a blank row between blocks.
public enum Content<Target: Hashable & Sendable>: Hashable, Sendable {
    /// Wrapped body text.
    case paragraph(Text)
    /// A secondary line (step counter, hint), drawn in the hint colour.
    case hint(Text)
    /// What went wrong and what to do next, under a 【错误】 marker (A28).
    case error(cause: Text, action: Text)
    /// Up to four large choices in two columns (A11).
    case choices([Button<Target>])
    /// A masked PIN field with a 3×4 keypad; `entered` digits show as ＊, never as digits.
    case pinPad(prompt: Text, entered: Int, length: Int, keys: [PINKey: Target])
    /// Rows of a table shown a page at a time, with 上一页 and 下一页 (no scrolling gestures).
    case pagedList(rows: [Text], page: Int, previous: Target, next: Target)
    /// A wait: a label and, when known, how far along (0...1). Without a fraction, `phase` moves a
    /// marker so the screen shows it is alive.
    case progress(label: Text, fraction: Double?, phase: Int)
}

/// The idle warning drawn over a screen (A20): the only overlay allowed (A27).
public struct CountdownOverlay<Target: Hashable & Sendable>: Hashable, Sendable {
    public var message: Text
    public var secondsLeft: Int
    public var `continue`: Button<Target>

    public init(message: Text, secondsLeft: Int, continue continueButton: Button<Target>) {
        self.message = message
        self.secondsLeft = secondsLeft
        self.continue = continueButton
    }

    /// The countdown line, e.g. 「30 秒后返回首页」.
    public var countdownLine: String { "\(secondsLeft) 秒后返回首页" }
}

/// What one screen shows: a title, body blocks, and the fixed buttons, which always sit on the same
/// cells (A12): 帮助 top-right with 重听 beside it (A15: help and repeat together), 返回
/// bottom-left, 确认 (or 下一步) bottom-right.
public struct Screen<Target: Hashable & Sendable>: Hashable, Sendable {
    public var title: Text
    public var content: [Content<Target>]
    public var help: Button<Target>?
    /// Says the screen's spoken script again (重听, A15); every screen of a kiosk program has one.
    public var repeatSpeech: Button<Target>?
    public var back: Button<Target>?
    public var confirm: Button<Target>?
    public var overlay: CountdownOverlay<Target>?

    public init(title: Text, content: [Content<Target>] = [], help: Button<Target>? = nil, repeatSpeech: Button<Target>? = nil,
                back: Button<Target>? = nil, confirm: Button<Target>? = nil, overlay: CountdownOverlay<Target>? = nil) {
        self.title = title
        self.content = content
        self.help = help
        self.repeatSpeech = repeatSpeech
        self.back = back
        self.confirm = confirm
        self.overlay = overlay
    }

    /// An error screen (A28): the cause, what to do, 重试 at 确认's place and 人工帮助 as a choice.
    public static func error(title: Text = "【错误】操作没有完成", cause: Text, action: Text, retry: Target, staffHelp: Target,
                             back: Button<Target>?, help: Button<Target>?) -> Screen {
        Screen(title: title,
               content: [.error(cause: cause, action: action), .choices([Button("人工帮助", target: staffHelp)])],
               help: help, back: back, confirm: Button("重试", target: retry, kind: .primary))
    }
}
