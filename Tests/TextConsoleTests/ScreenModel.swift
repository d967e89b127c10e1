import TextConsole

/// A minimal terminal for tests: applies what the renderers write (cursor moves, SGR 0/1/4 and
/// 24-bit colours, clear, synchronized-update brackets, text) to a grid, placing wide characters
/// the way xterm and tmux do. Anything else it is given fails the test through `unknown`.
struct ScreenModel {
    private(set) var grid: CellBuffer
    private var cursor = CellPoint(column: 0, row: 0)
    private var style: Style
    private(set) var unknown: [String] = []

    init(columns: Int, rows: Int) {
        style = Style(foreground: RGB(0xFF, 0xFF, 0xFF), background: RGB(0, 0, 0))
        grid = CellBuffer(columns: columns, rows: rows, fill: style)
    }

    mutating func apply(_ output: String) {
        let scalars = Array(output.unicodeScalars)
        var index = 0
        while index < scalars.count {
            if scalars[index] == "\u{1B}", index + 1 < scalars.count, scalars[index + 1] == "[" {
                var end = index + 2
                while end < scalars.count, !(0x40...0x7E).contains(scalars[end].value) { end += 1 }
                let parameters = String(String.UnicodeScalarView(scalars[(index + 2)..<end]))
                control(parameters, final: scalars[end])
                index = end + 1
                continue
            }
            // Gather the grapheme cluster starting here.
            var text = String(scalars[index])
            index += 1
            while index < scalars.count, scalars[index] != "\u{1B}" {
                let candidate = text + String(scalars[index])
                guard candidate.count == 1 else { break }
                text = candidate
                index += 1
            }
            let width = DisplayWidth.of(text)
            grid.write(text, column: cursor.column, row: cursor.row, style: style)
            cursor.column += width
        }
    }

    private mutating func control(_ parameters: String, final: Unicode.Scalar) {
        switch final {
        case "H":
            let values = parameters.split(separator: ";").map { Int($0) ?? 1 }
            cursor = CellPoint(column: (values.count > 1 ? values[1] : 1) - 1, row: (values.first ?? 1) - 1)
        case "J" where parameters == "2":
            grid = CellBuffer(columns: grid.columns, rows: grid.rows, fill: style)
        case "h" where parameters == "?2026", "l" where parameters == "?2026":
            break
        case "m":
            var values = parameters.split(separator: ";").map { Int($0) ?? 0 }[...]
            while let value = values.popFirst() {
                switch value {
                case 0: style = Style(foreground: RGB(0xFF, 0xFF, 0xFF), background: RGB(0, 0, 0))
                case 1: style.bold = true
                case 4: style.underline = true
                case 38, 48:
                    guard values.popFirst() == 2, values.count >= 3 else { unknown.append("SGR \(parameters)"); return }
                    let rgb = RGB(UInt8(values.popFirst()!), UInt8(values.popFirst()!), UInt8(values.popFirst()!))
                    if value == 38 { style.foreground = rgb } else { style.background = rgb }
                default: unknown.append("SGR \(value)")
                }
            }
        default:
            unknown.append("CSI \(parameters)\(final)")
        }
    }
}
