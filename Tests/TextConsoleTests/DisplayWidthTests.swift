import Foundation
import Testing
import TextConsole

@Suite struct DisplayWidthTests {
    @Test func cjkTakesTwoCells() {
        #expect(DisplayWidth.of("社保卡") == 6)
        #expect(DisplayWidth.of("（") == 2)           // fullwidth punctuation
        #expect(DisplayWidth.of("𬌗") == 2)           // CJK Extension E, plane 2
        #expect(DisplayWidth.of("abc 123") == 7)
    }

    @Test func ambiguousAndCombiningCharacters() {
        #expect(DisplayWidth.of("①") == 1)            // Ambiguous: one cell, as xterm and tmux draw it
        #expect(DisplayWidth.of("e\u{301}") == 1)     // base + combining acute
        #expect(DisplayWidth.of("\u{200B}") == 0)     // zero-width space (format)
    }

    @Test func truncationNeverSplitsAWideCharacter() {
        #expect(DisplayWidth.truncate("参保证明", toColumns: 5) == "参保")
        #expect(DisplayWidth.truncate("ab参保", toColumns: 3) == "ab")
        #expect(DisplayWidth.truncate("ab", toColumns: 10) == "ab")
    }

    @Test func theGeneratedTableMatchesUnicodeData() throws {
        // The table in the repository must be what the script makes from Debian's file today.
        let eastAsianWidth = "/usr/share/unicode/EastAsianWidth.txt"
        let text = try String(contentsOfFile: eastAsianWidth, encoding: .utf8)
        var checked = 0
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: "#")[0].split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 2 else { continue }
            let bounds = fields[0].split(separator: ".").filter { !$0.isEmpty }.compactMap { UInt32($0, radix: 16) }
            guard let low = bounds.first, let scalar = Unicode.Scalar(low), scalar.properties.generalCategory != .nonspacingMark,
                  scalar.properties.generalCategory != .enclosingMark, scalar.properties.generalCategory != .format, low >= 0x20
            else { continue }
            let expected = (fields[1] == "W" || fields[1] == "F") ? 2 : 1
            if low >= 0x7F && low < 0xA0 { continue }
            #expect(DisplayWidth.of(scalar) == expected, "U+\(String(low, radix: 16)) is \(fields[1])")
            checked += 1
        }
        #expect(checked > 1000)
    }
}
