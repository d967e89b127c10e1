/// The colours of every role on screen. Each role's foreground and background differ by at least
/// 7:1 (WCAG AAA, accessibility A05); `PaletteTests` computes the ratios from these RGB values and
/// from every cell of the demo screens' rendered frames.
public struct Palette: Sendable {
    /// Body text on the screen background.
    public var body: Style
    /// Screen titles.
    public var title: Style
    /// Secondary lines (hints, step counters).
    public var hint: Style
    /// A button that performs the screen's main step (确认, 下一步).
    public var primaryButton: Style
    /// Every other enabled button.
    public var button: Style
    /// A button that cannot be used now; it also says （不可用） in words.
    public var disabledButton: Style
    /// The 【错误】 banner of an error screen.
    public var error: Style
    /// Input fields (the masked PIN).
    public var field: Style
    /// The selected row of a list; it also carries ▶.
    public var selected: Style
    /// The filled part of a progress bar (and its label).
    public var progressFilled: Style
    /// The unfilled part of a progress bar.
    public var progressEmpty: Style
    /// The idle-warning overlay box.
    public var overlay: Style

    /// Every role, for the contrast test and the golden files' legend.
    public var roles: [(name: String, style: Style)] {
        [("body", body), ("title", title), ("hint", hint), ("primaryButton", primaryButton), ("button", button),
         ("disabledButton", disabledButton), ("error", error), ("field", field), ("selected", selected),
         ("progressFilled", progressFilled), ("progressEmpty", progressEmpty), ("overlay", overlay)]
    }

    /// The kiosk palette: light text on black, yellow for what to press first. Red is not used as a
    /// text background because white on terminal red is only 5.8:1 (accessibility.md §3.3).
    public static let kiosk: Palette = {
        let black = RGB(0x00, 0x00, 0x00)
        let white = RGB(0xFF, 0xFF, 0xFF)
        let yellow = RGB(0xFF, 0xEB, 0x3B)
        let navy = RGB(0x0A, 0x2A, 0x6B)
        let darkRed = RGB(0x7A, 0x00, 0x00)
        let charcoal = RGB(0x30, 0x30, 0x30)
        return Palette(
            body: Style(foreground: white, background: black),
            title: Style(foreground: yellow, background: black, bold: true),
            hint: Style(foreground: RGB(0xD0, 0xD0, 0xD0), background: black),
            primaryButton: Style(foreground: black, background: yellow, bold: true),
            button: Style(foreground: white, background: navy, bold: true),
            disabledButton: Style(foreground: RGB(0xC8, 0xC8, 0xC8), background: charcoal),
            error: Style(foreground: white, background: darkRed, bold: true),
            field: Style(foreground: black, background: white, bold: true),
            selected: Style(foreground: black, background: white, bold: true),
            progressFilled: Style(foreground: black, background: yellow, bold: true),
            progressEmpty: Style(foreground: white, background: charcoal),
            overlay: Style(foreground: white, background: navy, bold: true)
        )
    }()
}
