/// A button as placed on a frame, for hit-testing and for the frame tests' size and spacing rules.
public struct PlacedButton: Hashable, Sendable {
    public var label: String
    public var rect: CellRect
    public var isEnabled: Bool
}

/// One laid-out screen: the cells to draw, where each target is, what did not fit, and what to say.
public struct Frame<Target: Hashable & Sendable>: Sendable {
    public var buffer: CellBuffer
    /// Tappable regions, topmost last (A10: the whole drawn button, nothing between buttons).
    public var regions: [HitRegion<Target>]
    /// Every button drawn, enabled or not.
    public var buttons: [PlacedButton]
    /// Text that did not fit on the grid; a correct screen has none (A04).
    public var truncated: [String]
    /// The screen's spoken script (A14): title, body, then every button, in reading order; PIN
    /// digits never, only their count.
    public var speech: [String]
}

/// Sizes that follow from the grid and the size mode. One place, so every screen puts the fixed
/// buttons on the same cells (A12).
public struct LayoutMetrics: Hashable, Sendable {
    public let columns: Int
    public let rows: Int
    public let mode: SizeMode

    public init(columns: Int, rows: Int, mode: SizeMode) {
        self.columns = columns
        self.rows = rows
        self.mode = mode
    }

    /// The smallest grid screens are designed for (80×15: 48 px glyphs on 1920×1080).
    public static let minimumColumns = 80
    public static let minimumRows = 15

    /// Height of the fixed buttons and choices: 3 rows (a padding row above and below the label)
    /// when the grid has 22 rows, else 2 (≥ 2 rows is ≥ 28 mm at 40 px on 21.5", A08).
    public var buttonHeight: Int { rows >= 22 ? 3 : 2 }
    /// Keypad keys are always 2 rows: four rows of keys and their gaps must fit in 18 rows.
    public var keyHeight: Int { 2 }
    public var keyWidth: Int { mode == .large ? 10 : 8 }
    /// Blank cells left and right of the screen content.
    public var margin: Int { 2 }
    /// Width of 返回, 帮助 and 确认: fixed, so they sit on the same cells on every screen.
    public var chromeButtonWidth: Int { mode == .large ? 18 : 14 }
    public var minimumButtonWidth: Int { mode == .large ? 16 : 12 }
    /// Blank cells each side of a label inside a button.
    public var labelPadding: Int { mode == .large ? 4 : 3 }
    /// Rows from one wrapped line to the next.
    public var linePitch: Int { mode == .large ? 2 : 1 }
    public var contentTop: Int { buttonHeight + 1 }
    /// One past the last content row: a blank row separates content from the bottom buttons.
    public var contentBottom: Int { rows - buttonHeight - 1 }
    public var contentLeft: Int { margin }
    public var contentRight: Int { columns - margin }
    public var contentWidth: Int { contentRight - contentLeft }

    public var helpRect: CellRect { CellRect(column: columns - margin - chromeButtonWidth, row: 0, width: chromeButtonWidth, height: buttonHeight) }
    /// 重听 sits left of 帮助 with a wider gap than A09's minimum, so a finger aimed at one does
    /// not land on the other.
    public var repeatRect: CellRect {
        CellRect(column: helpRect.column - chromeGap - chromeButtonWidth, row: 0, width: chromeButtonWidth, height: buttonHeight)
    }
    /// Blank columns between 重听 and 帮助.
    public var chromeGap: Int { 4 }
    /// One past the last column a title may use: it stops two cells short of the top buttons.
    public var titleLimit: Int { repeatRect.column - 2 }
    public var backRect: CellRect { CellRect(column: margin, row: rows - buttonHeight, width: chromeButtonWidth, height: buttonHeight) }
    public var confirmRect: CellRect {
        CellRect(column: columns - margin - chromeButtonWidth, row: rows - buttonHeight, width: chromeButtonWidth, height: buttonHeight)
    }

    /// The row of a button's label: the middle row, or the upper of two.
    public func labelRow(_ rect: CellRect) -> Int { rect.row + (rect.height - 1) / 2 }
}

/// Lays out a ``Screen`` on a grid.
public struct ScreenLayout: Sendable {
    public var metrics: LayoutMetrics
    public var palette: Palette

    public init(columns: Int, rows: Int, mode: SizeMode, palette: Palette = .kiosk) {
        self.metrics = LayoutMetrics(columns: columns, rows: rows, mode: mode)
        self.palette = palette
    }

    public func render<Target>(_ screen: Screen<Target>) -> Frame<Target> {
        var builder = FrameBuilder<Target>(metrics: metrics, palette: palette)
        builder.draw(screen)
        return builder.frame
    }
}

/// Draws one frame; keeps the cells, regions, buttons, overflow and speech together while doing so.
private struct FrameBuilder<Target: Hashable & Sendable> {
    let metrics: LayoutMetrics
    let palette: Palette
    var frame: Frame<Target>

    init(metrics: LayoutMetrics, palette: Palette) {
        self.metrics = metrics
        self.palette = palette
        frame = Frame(buffer: CellBuffer(columns: metrics.columns, rows: metrics.rows, fill: palette.body),
                      regions: [], buttons: [], truncated: [], speech: [])
    }

    var bodyStyle: Style {
        var style = palette.body
        style.bold = metrics.mode == .large
        return style
    }

    mutating func draw(_ screen: Screen<Target>) {
        guard metrics.columns >= LayoutMetrics.minimumColumns, metrics.rows >= LayoutMetrics.minimumRows else {
            frame.buffer.write("窗口太小，请联系工作人员", column: 0, row: 0, style: palette.title)
            frame.truncated.append("grid \(metrics.columns)x\(metrics.rows) is below \(LayoutMetrics.minimumColumns)x\(LayoutMetrics.minimumRows)")
            frame.speech = ["窗口太小，请联系工作人员"]
            return
        }
        // The title never runs under the top buttons' cells, present or not, so it wraps the same on every screen.
        writeLine(screen.title.display, column: metrics.contentLeft, row: metrics.labelRow(metrics.helpRect), style: palette.title,
                  limit: metrics.titleLimit)
        frame.speech.append(screen.title.spoken)

        var chromeSpeech: [String] = []
        var row = metrics.contentTop
        for block in screen.content {
            let height = draw(block, row: row)
            if row + height > metrics.contentBottom {
                frame.truncated.append("content below row \(metrics.contentBottom): \(block)")
            }
            row += height + 1
        }
        for (button, rect) in [(screen.confirm, metrics.confirmRect), (screen.back, metrics.backRect),
                               (screen.repeatSpeech, metrics.repeatRect), (screen.help, metrics.helpRect)] {
            guard let button else { continue }
            // A longer label grows the button towards the middle, never off the fixed corner.
            let width = max(rect.width, DisplayWidth.of(button.displayLabel) + 2 * metrics.labelPadding)
            let placed = rect.column < metrics.columns / 2 ? rect : CellRect(column: rect.right - width, row: rect.row, width: width, height: rect.height)
            drawButton(button, in: CellRect(column: placed.column, row: placed.row, width: width, height: placed.height))
            chromeSpeech.append(spoken(button))
        }
        frame.speech += chromeSpeech
        if let overlay = screen.overlay { draw(overlay) }
    }

    func spoken(_ button: Button<Target>) -> String {
        button.isEnabled ? "按钮：" + button.label : "按钮：" + button.label + "，不可用"
    }

    mutating func writeLine(_ text: String, column: Int, row: Int, style: Style, limit: Int) {
        let end = frame.buffer.write(text, column: column, row: row, style: style, limit: limit)
        if end - column < DisplayWidth.of(text) || row >= metrics.rows {
            frame.truncated.append(text)
        }
    }

    mutating func drawButton(_ button: Button<Target>, in rect: CellRect) {
        let style: Style
        if !button.isEnabled {
            style = palette.disabledButton
        } else {
            style = button.kind == .primary ? palette.primaryButton : palette.button
        }
        frame.buffer.fill(rect, style: style)
        let label = button.displayLabel
        let labelWidth = DisplayWidth.of(label)
        let column = rect.column + max(0, (rect.width - labelWidth) / 2)
        writeLine(label, column: column, row: metrics.labelRow(rect), style: style, limit: rect.right)
        frame.buttons.append(PlacedButton(label: label, rect: rect, isEnabled: button.isEnabled))
        if button.isEnabled { frame.regions.append(HitRegion(rect: rect, target: button.target)) }
    }

    /// Draws a block from `row`; returns how many rows it took.
    mutating func draw(_ block: Content<Target>, row: Int) -> Int {
        switch block {
        case .paragraph(let text):
            return drawWrapped(text, row: row, style: bodyStyle, pitch: metrics.linePitch)
        case .hint(let text):
            return drawWrapped(text, row: row, style: palette.hint, pitch: 1)
        case .error(let cause, let action):
            let lines = LineBreaking.wrap("【错误】" + cause.display, width: metrics.contentWidth - 2)
            frame.buffer.fill(CellRect(column: metrics.contentLeft, row: row, width: metrics.contentWidth, height: lines.count), style: palette.error)
            for (index, line) in lines.enumerated() {
                writeLine(line, column: metrics.contentLeft + 1, row: row + index, style: palette.error, limit: metrics.contentRight - 1)
            }
            frame.speech.append("错误。" + cause.spoken)
            let actionHeight = drawWrapped(action, row: row + lines.count + 1, style: bodyStyle, pitch: metrics.linePitch)
            return lines.count + 1 + actionHeight
        case .choices(let buttons):
            return drawChoices(buttons, row: row)
        case .pinPad(let prompt, let entered, let length, let keys):
            return drawPINPad(prompt: prompt, entered: entered, length: length, keys: keys, row: row)
        case .pagedList(let rows, let page, let previous, let next):
            return drawPagedList(rows: rows, page: page, previous: previous, next: next, row: row)
        case .progress(let label, let fraction, let phase):
            return drawProgress(label: label, fraction: fraction, phase: phase, row: row)
        }
    }

    mutating func drawWrapped(_ text: Text, row: Int, style: Style, pitch: Int, column: Int? = nil, width: Int? = nil) -> Int {
        let left = column ?? metrics.contentLeft
        let lines = LineBreaking.wrap(text.display, width: width ?? metrics.contentWidth)
        for (index, line) in lines.enumerated() {
            writeLine(line, column: left, row: row + index * pitch, style: style, limit: left + (width ?? metrics.contentWidth))
        }
        frame.speech.append(text.spoken)
        return (lines.count - 1) * pitch + 1
    }

    mutating func drawChoices(_ buttons: [Button<Target>], row: Int) -> Int {
        let gap = 4
        let widest = buttons.map { DisplayWidth.of($0.displayLabel) + 2 * metrics.labelPadding }.max() ?? 0
        let width = min(max(metrics.minimumButtonWidth, widest), (metrics.contentWidth - gap) / 2)
        let height = metrics.buttonHeight
        for (index, button) in buttons.enumerated() {
            let rect = CellRect(column: metrics.contentLeft + (index % 2) * (width + gap), row: row + (index / 2) * (height + 1),
                                width: width, height: height)
            drawButton(button, in: rect)
            frame.speech.append(spoken(button))
        }
        let lines = (buttons.count + 1) / 2
        return lines * height + max(0, lines - 1)
    }

    mutating func drawPINPad(prompt: Text, entered: Int, length: Int, keys: [PINKey: Target], row: Int) -> Int {
        let keyGap = 2
        let keypadWidth = 3 * metrics.keyWidth + 2 * keyGap
        let keypadLeft = metrics.contentRight - keypadWidth
        let leftWidth = keypadLeft - metrics.contentLeft - 4
        let promptHeight = drawWrapped(prompt, row: row, style: bodyStyle, pitch: metrics.linePitch, width: leftWidth)
        // The field: ＊ per digit entered, ＿ per digit still to enter. Never the digits (A29).
        let shown = String(repeating: "＊", count: min(entered, length)) + String(repeating: "＿", count: max(0, length - entered))
        let fieldRow = row + promptHeight + 1
        let fieldWidth = DisplayWidth.of(shown) + 2
        frame.buffer.fill(CellRect(column: metrics.contentLeft, row: fieldRow, width: fieldWidth, height: 1), style: palette.field)
        writeLine(shown, column: metrics.contentLeft + 1, row: fieldRow, style: palette.field, limit: metrics.contentLeft + fieldWidth)
        let countLine = "已输入 \(entered) 位，共 \(length) 位"
        writeLine(countLine, column: metrics.contentLeft, row: fieldRow + 2, style: palette.hint, limit: keypadLeft - 2)
        frame.speech.append("已输入\(entered)位，共\(length)位")

        let layout: [[PINKey]] = [[.digit(1), .digit(2), .digit(3)], [.digit(4), .digit(5), .digit(6)],
                                  [.digit(7), .digit(8), .digit(9)], [.correct, .digit(0), .clear]]
        for (line, keysInLine) in layout.enumerated() {
            for (position, key) in keysInLine.enumerated() {
                guard let target = keys[key] else { continue }
                let label: String
                switch key {
                case .digit(let digit): label = String(digit)
                case .correct: label = "更正"
                case .clear: label = "清空"
                }
                let rect = CellRect(column: keypadLeft + position * (metrics.keyWidth + keyGap), row: row + line * (metrics.keyHeight + 1),
                                    width: metrics.keyWidth, height: metrics.keyHeight)
                drawButton(Button(label, target: target), in: rect)
            }
        }
        frame.speech.append("屏幕右侧是数字键盘")
        let keypadHeight = 4 * metrics.keyHeight + 3
        return max(keypadHeight, fieldRow + 3 - row)
    }

    /// How many list rows fit on one page when the list starts at `row`.
    func rowsPerPage(from row: Int) -> Int {
        // Below the rows: a blank row, the page line, a blank row, the paging buttons.
        let available = metrics.contentBottom - row - 3 - metrics.buttonHeight
        return max(1, (available + metrics.linePitch - 1) / metrics.linePitch)
    }

    mutating func drawPagedList(rows: [Text], page: Int, previous: Target, next: Target, row: Int) -> Int {
        let perPage = rowsPerPage(from: row)
        let pageCount = max(1, (rows.count + perPage - 1) / perPage)
        let page = min(max(0, page), pageCount - 1)
        let visible = rows.dropFirst(page * perPage).prefix(perPage)
        for (index, text) in visible.enumerated() {
            writeLine(text.display, column: metrics.contentLeft, row: row + index * metrics.linePitch, style: bodyStyle, limit: metrics.contentRight)
            frame.speech.append(text.spoken)
        }
        let listHeight = (perPage - 1) * metrics.linePitch + 1
        let pageRow = row + listHeight + 1
        let pageLine = "第 \(page + 1) 页，共 \(pageCount) 页"
        writeLine(pageLine, column: metrics.contentLeft, row: pageRow, style: palette.hint, limit: metrics.contentRight)
        frame.speech.append("第\(page + 1)页，共\(pageCount)页")
        let buttonRow = pageRow + 2
        let previousButton = Button("上一页", target: previous, isEnabled: page > 0)
        let nextButton = Button("下一页", target: next, isEnabled: page < pageCount - 1)
        let width = max(metrics.minimumButtonWidth, DisplayWidth.of(nextButton.displayLabel) + 2 * metrics.labelPadding,
                        DisplayWidth.of(previousButton.displayLabel) + 2 * metrics.labelPadding)
        drawButton(previousButton, in: CellRect(column: metrics.contentLeft, row: buttonRow, width: width, height: metrics.buttonHeight))
        drawButton(nextButton, in: CellRect(column: metrics.contentLeft + width + 4, row: buttonRow, width: width, height: metrics.buttonHeight))
        frame.speech += [spoken(previousButton), spoken(nextButton)]
        return buttonRow + metrics.buttonHeight - row
    }

    mutating func drawProgress(label: Text, fraction: Double?, phase: Int, row: Int) -> Int {
        let labelHeight = drawWrapped(label, row: row, style: bodyStyle, pitch: metrics.linePitch)
        let barRow = row + labelHeight + 1
        let barWidth = min(metrics.contentWidth - 16, 60)
        frame.buffer.fill(CellRect(column: metrics.contentLeft, row: barRow, width: barWidth, height: 1), style: palette.progressEmpty)
        let status: String
        if let fraction {
            let clamped = min(max(fraction, 0), 1)
            let filled = Int((Double(barWidth) * clamped).rounded())
            frame.buffer.fill(CellRect(column: metrics.contentLeft, row: barRow, width: filled, height: 1), style: palette.progressFilled)
            status = "已完成 \(Int((clamped * 100).rounded()))%"
            frame.speech.append("已完成百分之\(Int((clamped * 100).rounded()))")
        } else {
            // A block that moves along the bar with each tick: the machine is working.
            let blockWidth = 6
            let start = (phase * 2) % max(1, barWidth - blockWidth + 1)
            frame.buffer.fill(CellRect(column: metrics.contentLeft + start, row: barRow, width: blockWidth, height: 1), style: palette.progressFilled)
            status = "请稍候"
        }
        writeLine(status, column: metrics.contentLeft + barWidth + 2, row: barRow, style: bodyStyle, limit: metrics.contentRight)
        return barRow - row + 1
    }

    mutating func draw(_ overlay: CountdownOverlay<Target>) {
        // Modal: while the warning shows, only its button can be tapped.
        frame.regions.removeAll()
        frame.speech = [overlay.message.spoken, overlay.countdownLine]
        let width = min(metrics.columns - 8, 64)
        let messageLines = LineBreaking.wrap(overlay.message.display, width: width - 6)
        let height = 1 + messageLines.count + 1 + 1 + 1 + metrics.buttonHeight + 1
        let box = CellRect(column: (metrics.columns - width) / 2, row: max(0, (metrics.rows - height) / 2), width: width, height: height)
        // The page beneath is cleared: slivers of covered buttons beside the box read as more
        // buttons (seen in the xterm screenshots), and none of them can be tapped now anyway.
        frame.buffer.fill(CellRect(column: 0, row: 0, width: metrics.columns, height: metrics.rows), style: palette.body)
        frame.buffer.fill(box, style: palette.overlay)
        frame.buttons.removeAll()
        for (index, line) in messageLines.enumerated() {
            writeLine(line, column: box.column + 3, row: box.row + 1 + index, style: palette.overlay, limit: box.right - 3)
        }
        let countdownRow = box.row + 1 + messageLines.count + 1
        writeLine(overlay.countdownLine, column: box.column + 3, row: countdownRow, style: palette.overlay, limit: box.right - 3)
        let buttonWidth = max(metrics.minimumButtonWidth + 4, DisplayWidth.of(overlay.continue.label) + 2 * metrics.labelPadding)
        var button = overlay.continue
        button.kind = .primary
        drawButton(button, in: CellRect(column: box.column + (width - buttonWidth) / 2, row: countdownRow + 2, width: buttonWidth, height: metrics.buttonHeight))
        frame.speech.append(spoken(button))
    }
}
