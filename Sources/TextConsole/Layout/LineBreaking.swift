/// Wraps text to a width in cells with Chinese line-breaking rules (a simple 禁则 set):
/// no line starts with closing punctuation (，。）」 …) and no line ends with opening punctuation
/// (（「 …). Chinese text breaks between any two characters; runs of Latin letters and digits
/// (a phone number, 12333) stay together when they fit on a line.
public enum LineBreaking {
    /// Characters that must not begin a line.
    public static let noLineStart: Set<Character> = Set("，。、；：！？）」』】》〉〕％,.;:!?)]}%")
    /// Characters that must not end a line.
    public static let noLineEnd: Set<Character> = Set("（「『【《〈〔([{")

    /// The lines of `text` in at most `width` cells. `\n` starts a new line. A piece wider than
    /// the line (which screen texts never have) is cut between characters.
    public static func wrap(_ text: String, width: Int) -> [String] {
        guard width > 1 else { return [text] }
        return text.split(separator: "\n", omittingEmptySubsequences: false).flatMap { wrapParagraph(Array(String($0)), width: width) }
    }

    private static func isWordCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber)
    }

    private static func wrapParagraph(_ characters: [Character], width: Int) -> [String] {
        var lines: [String] = []
        var line: [Character] = []
        var used = 0
        var index = 0
        // The end of a word too long for any line: up to there, characters go one at a time.
        var longWordEnd = 0
        func cells(_ character: Character) -> Int { DisplayWidth.of(String(character)) }
        while index < characters.count {
            // The unbreakable unit starting here: a Latin word, or one character.
            var end = index + 1
            if isWordCharacter(characters[index]), index >= longWordEnd {
                while end < characters.count, isWordCharacter(characters[end]) { end += 1 }
            }
            var unit = Array(characters[index..<end])
            var unitWidth = unit.reduce(0) { $0 + cells($1) }
            if unitWidth > width {
                longWordEnd = end
                unit = [characters[index]]
                unitWidth = cells(characters[index])
                end = index + 1
            }
            if used + unitWidth > width, !line.isEmpty {
                var carried: [Character] = []
                // Pull characters down until the new line would not start with closing punctuation
                // and this line does not end with opening punctuation; keep at least one on the line.
                while line.count > 1, noLineStart.contains((carried + unit)[0]) || noLineEnd.contains(line[line.count - 1]) {
                    carried.insert(line.removeLast(), at: 0)
                }
                lines.append(trimmingTrailingSpaces(line))
                line = carried.first == " " ? Array(carried.drop { $0 == " " }) : carried
                used = line.reduce(0) { $0 + cells($1) }
                if line.isEmpty && unit == [" "] {
                    index = end
                    continue
                }
            }
            line += unit
            used += unitWidth
            index = end
        }
        lines.append(trimmingTrailingSpaces(line))
        return lines
    }

    private static func trimmingTrailingSpaces(_ line: [Character]) -> String {
        var line = line
        while line.last == " " { line.removeLast() }
        return String(line)
    }
}
