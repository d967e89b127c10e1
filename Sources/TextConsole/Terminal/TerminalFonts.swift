/// The terminal font for each size mode, for a terminal whose font size is the glyph size: the
/// kiosk's xterm (console.md §1.3, one font size for the whole screen).
///
/// Large mode asks xterm for a larger font with OSC 50. xterm obeys only when its resources allow
/// it: the kiosk's xterm runs with `disallowedFontOps: GetFont`, so a program may set the font but
/// not read it. xterm keeps its rows and columns when the font changes and grows the window past
/// the screen (no window manager refuses it), so the same write also asks xterm to maximize
/// (`CSI 9 ; 1 t`, allowed by leaving 9 out of `disallowedWindowOps`): the window fits the screen
/// again and the program gets SIGWINCH with the grid of the new font, 96×18 at 40 px and 120×22 at
/// 32 px on 1920×1080 (kiosk/lib/xterm-kiosk.sh starts xterm this way). Terminals without these
/// sequences ignore them and keep their grid; the layout still adapts to large mode.
public struct TerminalFonts: Hashable, Sendable {
    /// A fontconfig family name.
    public var family: String
    public var normalPixelSize: Int
    public var largePixelSize: Int

    public init(family: String = "Noto Sans Mono CJK SC", normalPixelSize: Int = 32, largePixelSize: Int = 40) {
        self.family = family
        self.normalPixelSize = normalPixelSize
        self.largePixelSize = largePixelSize
    }

    public func pixelSize(for mode: SizeMode) -> Int {
        mode == .large ? largePixelSize : normalPixelSize
    }

    /// The Xft pattern for `mode`. `charwidth` is half the pixel size: without it xterm takes the
    /// cell width from the widest (CJK) glyph and spaces every character out (console.md §1.3).
    public func pattern(for mode: SizeMode) -> String {
        let pixels = pixelSize(for: mode)
        return "\(family):pixelsize=\(pixels):charwidth=\(pixels / 2)"
    }

    /// OSC 50 (set font) and then maximize, which makes xterm fit the window to the screen again.
    public func switchSequence(for mode: SizeMode) -> String {
        "\u{1B}]50;\(pattern(for: mode))\u{07}\u{1B}[9;1t"
    }
}
