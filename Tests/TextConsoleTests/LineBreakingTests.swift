import Testing
import TextConsole

@Suite struct LineBreakingTests {
    @Test func noLineStartsWithClosingPunctuation() {
        // 10 cells: 「请插入社保」 fills a line, so the comma would start the next one; 保 goes down with it.
        #expect(LineBreaking.wrap("请插入社保，谢谢。", width: 10) == ["请插入社", "保，谢谢。"])
        #expect(LineBreaking.wrap("请点击「确认」。", width: 12) == ["请点击「确", "认」。"])
    }

    @Test func noLineEndsWithOpeningPunctuation() {
        #expect(LineBreaking.wrap("请点击「确认」", width: 8) == ["请点击", "「确认」"])
    }

    @Test func latinWordsAndNumbersStayWhole() {
        #expect(LineBreaking.wrap("请拨打 12333 咨询", width: 10) == ["请拨打", "12333 咨询"])
        #expect(LineBreaking.wrap("abcdefghijkl", width: 5) == ["abcde", "fghij", "kl"])
    }

    @Test(arguments: [7, 8, 9, 10, 13, 20, 31])
    func wrappedLinesFitAndKeepEveryCharacter(width: Int) {
        let text = "请用右侧数字键输入6位密码，输完后点击「确认」。忘记密码请点击「人工帮助」，工作人员会来帮您。"
        let lines = LineBreaking.wrap(text, width: width)
        #expect(lines.allSatisfy { DisplayWidth.of($0) <= width })
        #expect(lines.joined() == text)
        #expect(lines.dropFirst().allSatisfy { !LineBreaking.noLineStart.contains($0.first!) })
        #expect(lines.allSatisfy { !LineBreaking.noLineEnd.contains($0.last!) })
    }
}
