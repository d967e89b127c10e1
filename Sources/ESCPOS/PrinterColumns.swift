/// How many columns of a receipt line a text takes.
///
/// An ESC/POS printer in Chinese mode prints every multi-byte GB18030 character (2 or 4 bytes)
/// at full width, twice an ASCII character's 12 dots in font A; ASCII is the only single-byte
/// range. So the rule is the printer's own, not Unicode's East Asian Width: a scalar below U+0080
/// takes one column, every other takes two. 58 mm paper holds 32 columns, 80 mm paper 48.
public enum PrinterColumns {
    public static func width(of character: Character) -> Int {
        // Combining marks ride on their base character: the first scalar decides.
        guard let first = character.unicodeScalars.first else { return 0 }
        if first.value < 0x20 { return 0 }
        return first.value < 0x80 ? 1 : 2
    }

    public static func width(of text: some StringProtocol) -> Int {
        text.reduce(0) { $0 + width(of: $1) }
    }

    /// Splits `text` into lines of at most `columns` columns. Breaks after a space when an ASCII
    /// word would be cut, anywhere between CJK characters (Chinese has no spaces to break at).
    public static func wrap(_ text: String, columns: Int) -> [String] {
        guard columns > 1 else { return [text] }
        var lines: [String] = []
        for paragraph in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var line: [Character] = []
            var lineWidth = 0
            for character in paragraph {
                let characterWidth = width(of: character)
                if lineWidth + characterWidth > columns {
                    // Keep an ASCII word whole if it started on this line and fits on the next.
                    var carried: [Character] = []
                    if character.isASCII, character != " ", let space = line.lastIndex(of: " "), space > 0 {
                        carried = Array(line[(space + 1)...])
                        line.removeSubrange(space...)
                    }
                    // Chinese punctuation never starts a line: its character moves down with it.
                    // (Twice at most: "证明）" + "。" moves "明）" down.)
                    if carried.isEmpty, Self.neverAtLineStart.contains(character) {
                        while line.count > 2, carried.count < 2, carried.isEmpty || Self.neverAtLineStart.contains(carried[0]) {
                            carried.insert(line.removeLast(), at: 0)
                        }
                    }
                    lines.append(String(line))
                    line = carried
                    lineWidth = width(of: String(carried))
                    if character == " " { continue }
                }
                line.append(character)
                lineWidth += characterWidth
            }
            lines.append(String(line))
        }
        return lines
    }

    /// Closing punctuation that Chinese typesetting keeps off the start of a line.
    static let neverAtLineStart: Set<Character> = ["，", "。", "、", "；", "：", "！", "？", "）", "》", "」", "』", "”", "’", ",", ".", ")"]

    /// `text` padded with spaces to `columns` columns (never truncated).
    public static func pad(_ text: String, to columns: Int, alignment: Alignment = .leading) -> String {
        let gap = max(0, columns - width(of: text))
        switch alignment {
        case .leading: return text + String(repeating: " ", count: gap)
        case .trailing: return String(repeating: " ", count: gap) + text
        case .center: return String(repeating: " ", count: gap / 2) + text + String(repeating: " ", count: gap - gap / 2)
        }
    }

    public enum Alignment: Sendable {
        case leading, trailing, center
    }
}
