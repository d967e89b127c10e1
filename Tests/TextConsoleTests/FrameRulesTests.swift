import ConsoleDemo
import Testing
import TextConsole

/// Rules every demo frame must keep, at both grids and both size modes (accessibility.md A04,
/// A05, A07, A08, A09, A12, A14, A29).
@Suite struct FrameRulesTests {
    @Test(arguments: DemoScreens.all)
    func noTextIsTruncated(_ screen: DemoScreens.Case) {
        #expect(screen.frame.truncated.isEmpty, "\(screen.fileName): \(screen.frame.truncated)")
    }

    @Test(arguments: DemoScreens.all)
    func buttonsAreLargeAndApart(_ screen: DemoScreens.Case) {
        let buttons = screen.frame.buttons
        for button in buttons {
            #expect(button.rect.height >= 2 && button.rect.width >= 8, "\(screen.fileName): \(button.label) is \(button.rect)")
            #expect(button.rect.right <= screen.columns && button.rect.bottom <= screen.rows)
            // The label fits inside with a blank cell either side.
            #expect(DisplayWidth.of(button.label) + 2 <= button.rect.width, "\(screen.fileName): \(button.label)")
        }
        for (index, button) in buttons.enumerated() {
            for other in buttons[(index + 1)...] {
                // At least one blank column and one blank row between any two buttons (A09).
                #expect(!button.rect.inset(columns: 1, rows: 1).intersects(other.rect),
                        "\(screen.fileName): \(button.label) \(button.rect) touches \(other.label) \(other.rect)")
            }
        }
    }

    @Test(arguments: DemoScreens.grids.flatMap { grid in SizeMode.allCases.map { (grid.columns, grid.rows, $0) } })
    func fixedButtonsSitOnTheSameCellsOnEveryScreen(columns: Int, rows: Int, mode: SizeMode) {
        let metrics = LayoutMetrics(columns: columns, rows: rows, mode: mode)
        for screen in DemoScreens.all where screen.columns == columns && screen.mode == mode && screen.model.idleSecondsLeft == nil {
            for button in screen.frame.buttons {
                switch button.label {
                case "帮助": #expect(button.rect == metrics.helpRect, "\(screen.fileName)")
                case "重听": #expect(button.rect == metrics.repeatRect, "\(screen.fileName)")
                case "返回", "返回首页": #expect(button.rect == metrics.backRect, "\(screen.fileName)")
                case "确认", "开始", "重试", "完成", "确认（不可用）":
                    #expect(button.rect.right == metrics.confirmRect.right && button.rect.row == metrics.confirmRect.row, "\(screen.fileName)")
                default: break
                }
            }
        }
    }

    @Test(arguments: DemoScreens.all)
    func everyScreenCanBeHeardAgainFromTheSamePlace(_ screen: DemoScreens.Case) {
        let frame = screen.frame
        let metrics = LayoutMetrics(columns: screen.columns, rows: screen.rows, mode: screen.mode)
        if screen.model.idleSecondsLeft != nil {
            // The idle warning is modal; its own button and speech take over.
            #expect(!frame.regions.contains { $0.target == .repeatSpeech })
            return
        }
        #expect(frame.regions.contains { $0.target == .repeatSpeech && $0.rect == metrics.repeatRect }, "\(screen.fileName)")
        #expect(frame.speech.contains("按钮：重听"), "\(screen.fileName)")
    }

    @Test func everyPaletteRoleReachesSevenToOne() {
        for role in Palette.kiosk.roles {
            let ratio = role.style.foreground.contrastRatio(with: role.style.background)
            #expect(ratio >= 7, "\(role.name): \(role.style.foreground) on \(role.style.background) is \(ratio):1")
        }
        // The formula itself, against published values (accessibility.md §3.3).
        #expect(abs(RGB(0xFF, 0xFF, 0xFF).contrastRatio(with: RGB(0, 0, 0)) - 21) < 0.01)
        #expect(abs(RGB(0xCD, 0x00, 0x00).contrastRatio(with: RGB(0xFF, 0xFF, 0xFF)) - 5.84) < 0.01)
        #expect(abs(RGB(0xFF, 0xFF, 0x00).contrastRatio(with: RGB(0, 0, 0)) - 19.56) < 0.01)
    }

    @Test(arguments: DemoScreens.all)
    func everyRenderedTextCellReachesSevenToOne(_ screen: DemoScreens.Case) {
        for cell in screen.frame.buffer.cells where cell.grapheme != " " && !cell.isContinuation {
            let ratio = cell.style.foreground.contrastRatio(with: cell.style.background)
            #expect(ratio >= 7, "\(screen.fileName): 「\(cell.grapheme)」 at \(ratio):1")
        }
    }

    @Test(arguments: DemoScreens.all)
    func theSpokenScriptNamesTheTitleAndEveryTappableButton(_ screen: DemoScreens.Case) {
        let frame = screen.frame
        let speech = frame.speech.joined(separator: "\n")
        #expect(!frame.speech.isEmpty)
        for button in frame.buttons where button.rect.height > 0 && frame.regions.contains(where: { $0.rect == button.rect }) {
            // Keypad digits are announced as a keypad, not one by one.
            if button.label.count == 1 || button.label == "更正" || button.label == "清空" { continue }
            #expect(speech.contains(button.label), "\(screen.fileName): \(button.label) is not spoken")
        }
    }

    @Test func thePINIsNeverShownOrSpoken() {
        let model = ConsoleDemo.Model(page: .pin, sizeMode: .normal, pin: [9, 8, 7])
        let frame = ScreenLayout(columns: 120, rows: 22, mode: .normal).render(ConsoleDemo().view(model))
        let text = frame.buffer.text.joined(separator: "\n")
        #expect(text.contains("＊＊＊＿＿＿"))
        #expect(!text.contains("987") && !frame.speech.joined().contains("9"))
        #expect(frame.speech.contains("已输入3位，共6位"))
    }

    @Test func disabledStateIsSaidInWordsNotOnlyColour() {
        let frame = ScreenLayout(columns: 96, rows: 18, mode: .normal).render(ConsoleDemo().view(ConsoleDemo.Model(page: .records(page: 0))))
        let text = frame.buffer.text.joined(separator: "\n")
        #expect(text.contains("上一页（不可用）"))
        #expect(!frame.regions.contains { $0.target == .previousPage })
        #expect(frame.regions.contains { $0.target == .nextPage })
    }
}
