import ConsoleDemo
import Foundation
import Testing
import TextConsole

/// Golden files of the demo screens: text, one letter per cell for its style, the tap targets and
/// the spoken script. Rewrite them after an intended change with
/// `ZIZHU_UPDATE_GOLDENS=1 swift test --filter GoldenFrameTests`, and review the diff.
@Suite struct GoldenFrameTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Goldens").path
    static let updating = ProcessInfo.processInfo.environment["ZIZHU_UPDATE_GOLDENS"] == "1"

    /// Letters for the palette's roles; `A` is body text in bold (large mode).
    static func styleLetters(_ palette: Palette) -> [(letter: Character, name: String, style: Style)] {
        var letters = palette.roles.enumerated().map { index, role in
            (Character(Unicode.Scalar(UInt8(ascii: "a") + UInt8(index))), role.name, role.style)
        }
        var boldBody = palette.body
        boldBody.bold = true
        letters.append(("A", "body, bold", boldBody))
        return letters
    }

    static func describe(_ frame: Frame<ConsoleDemo.Target>) -> String {
        let letters = styleLetters(.kiosk)
        var out = "# text (| marks the right edge)\n"
        out += frame.buffer.text.map { $0 + "|" }.joined(separator: "\n") + "\n"
        out += "# styles: " + letters.map { "\($0.letter)=\($0.name)" }.joined(separator: " ") + "\n"
        for row in 0..<frame.buffer.rows {
            out += String((0..<frame.buffer.columns).map { column in
                letters.first { $0.style == frame.buffer[column, row].style }?.letter ?? "?"
            }) + "\n"
        }
        out += "# targets\n"
        out += frame.regions.map { "\($0.target) \($0.rect)" }.joined(separator: "\n") + "\n"
        out += "# speech\n"
        out += frame.speech.joined(separator: "\n") + "\n"
        return out
    }

    @Test(arguments: DemoScreens.all)
    func demoScreenMatchesItsGoldenFile(_ screen: DemoScreens.Case) throws {
        let actual = Self.describe(screen.frame)
        let path = "\(Self.directory)/\(screen.fileName).txt"
        if Self.updating {
            try FileManager.default.createDirectory(atPath: Self.directory, withIntermediateDirectories: true)
            try actual.write(toFile: path, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOfFile: path, encoding: .utf8)
        #expect(actual == expected, "\(screen.fileName) differs from its golden file; if intended, run with ZIZHU_UPDATE_GOLDENS=1")
    }

    @Test func everyCellHasAPaletteStyle() {
        let known = Self.styleLetters(.kiosk).map(\.style)
        for screen in DemoScreens.all {
            let frame = screen.frame
            #expect(frame.buffer.cells.allSatisfy { known.contains($0.style) }, "\(screen.fileName)")
        }
    }
}
