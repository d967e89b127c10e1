import Testing
import TextConsole

@Suite struct TerminalFontsTests {
    @Test func largeModeAsksXtermForTheLargerFontThenToFitTheScreen() {
        let fonts = TerminalFonts()
        #expect(fonts.switchSequence(for: .large) == "\u{1B}]50;Noto Sans Mono CJK SC:pixelsize=40:charwidth=20\u{07}\u{1B}[9;1t")
        #expect(fonts.switchSequence(for: .normal) == "\u{1B}]50;Noto Sans Mono CJK SC:pixelsize=32:charwidth=16\u{07}\u{1B}[9;1t")
    }

    @Test func theCellIsHalfTheGlyphWideSoCJKTakesExactlyTwoCells() {
        let fonts = TerminalFonts(normalPixelSize: 36, largePixelSize: 48)
        #expect(fonts.pattern(for: .normal).hasSuffix(":pixelsize=36:charwidth=18"))
        #expect(fonts.pattern(for: .large).hasSuffix(":pixelsize=48:charwidth=24"))
    }
}
