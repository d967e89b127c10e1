import TestSupport
import Testing
import TextConsole

@Suite struct CellBufferTests {
    let plain = Style(foreground: RGB(0xFF, 0xFF, 0xFF), background: RGB(0, 0, 0))
    let bold = Style(foreground: RGB(0xFF, 0xEB, 0x3B), background: RGB(0, 0, 0), bold: true)

    @Test func wideCharactersTakeALeadAndAContinuationCell() {
        var buffer = CellBuffer(columns: 10, rows: 1, fill: plain)
        let end = buffer.write("社保a", column: 1, row: 0, style: plain)
        #expect(end == 6)
        #expect(buffer[1, 0].grapheme == "社" && buffer[1, 0].width == 2)
        #expect(buffer[2, 0].isContinuation)
        #expect(buffer[5, 0].grapheme == "a")
        #expect(buffer.text == [" 社保a    "])
    }

    @Test func aWideCharacterThatWouldStraddleTheEdgeIsLeftOut() {
        var buffer = CellBuffer(columns: 5, rows: 1, fill: plain)
        buffer.write("社保卡", column: 0, row: 0, style: plain)
        #expect(buffer.text == ["社保 "])
        #expect(!buffer[4, 0].isContinuation)
        var clipped = CellBuffer(columns: 8, rows: 1, fill: plain)
        clipped.write("参保证明", column: 0, row: 0, style: plain, limit: 3)
        #expect(clipped.text == ["参      "])
    }

    @Test func overwritingHalfAWideCharacterBlanksTheOtherHalf() {
        var buffer = CellBuffer(columns: 6, rows: 1, fill: plain)
        buffer.write("社保卡", column: 0, row: 0, style: plain)
        buffer.write("x", column: 3, row: 0, style: plain)      // right half of 保
        #expect(buffer.text == ["社 x卡"])
        buffer.write("y", column: 4, row: 0, style: plain)      // left half of 卡
        #expect(buffer.text == ["社 xy "])
        #expect(buffer.cells.allSatisfy { !$0.isContinuation || $0.grapheme.isEmpty })
        var shifted = CellBuffer(columns: 6, rows: 1, fill: plain)
        shifted.write("社保卡", column: 0, row: 0, style: plain)
        shifted.write("中", column: 1, row: 0, style: plain)   // straddles 社 and 保
        #expect(shifted.text == [" 中 卡"])
    }

    @Test func theDiffRendererWritesOnlyChangedCellsAndReproducesTheFrame() {
        var first = CellBuffer(columns: 20, rows: 3, fill: plain)
        first.write("请插入社保卡", column: 2, row: 1, style: bold)
        var second = first
        second.write("卡", column: 12, row: 1, style: plain)    // same character, new style
        second.write("ok", column: 0, row: 2, style: plain)

        var renderer = DiffRenderer()
        var screen = ScreenModel(columns: 20, rows: 3)
        screen.apply(renderer.render(first))
        #expect(screen.grid == first)
        let update = renderer.render(second)
        screen.apply(update)
        #expect(screen.grid == second)
        #expect(screen.unknown.isEmpty)
        #expect(!update.contains("请"))                         // unchanged cells are not rewritten
        #expect(update.contains("卡") && update.contains("ok"))
        #expect(renderer.render(second) == "")                 // an identical frame writes nothing
    }

    @Test func changingOnlyTheRightHalfOfAWideCharacterRewritesTheWholeCharacter() {
        var first = CellBuffer(columns: 6, rows: 1, fill: plain)
        first.write("社保", column: 0, row: 0, style: plain)
        var second = first
        second.write("a", column: 1, row: 0, style: plain)      // 社 loses its right half
        var renderer = DiffRenderer()
        var screen = ScreenModel(columns: 6, rows: 1)
        screen.apply(renderer.render(first))
        screen.apply(renderer.render(second))
        #expect(screen.grid == second)
        #expect(second.text == [" a保  "])
    }

    @Test func randomEditsThroughTheDiffRendererMatchAFullRepaint() {
        var generator = SeededGenerator(seed: 7)
        let words = ["社保", "卡", "请稍候", "a", "12333", "（不可用）", " ", "确认"]
        let styles = [plain, bold, Palette.kiosk.primaryButton, Palette.kiosk.error]
        var frame = CellBuffer(columns: 17, rows: 4, fill: plain)
        var diff = DiffRenderer()
        var naive = FullRepaintRenderer()
        var diffScreen = ScreenModel(columns: 17, rows: 4)
        var naiveScreen = ScreenModel(columns: 17, rows: 4)
        var diffBytes = 0
        var naiveBytes = 0
        for _ in 0..<300 {
            let word = words[Int(generator.next() % UInt64(words.count))]
            frame.write(word, column: Int(generator.next() % 18) - 1, row: Int(generator.next() % 4),
                        style: styles[Int(generator.next() % UInt64(styles.count))])
            let diffOutput = diff.render(frame)
            let naiveOutput = naive.render(frame)
            diffBytes += diffOutput.utf8.count
            naiveBytes += naiveOutput.utf8.count
            diffScreen.apply(diffOutput)
            naiveScreen.apply(naiveOutput)
            #expect(diffScreen.grid == frame)
            #expect(naiveScreen.grid == frame)
        }
        #expect(diffScreen.unknown.isEmpty && naiveScreen.unknown.isEmpty)
        #expect(diffBytes * 3 < naiveBytes)
    }
}

