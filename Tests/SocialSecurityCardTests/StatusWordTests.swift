import SocialSecurityCard
import Testing

@Suite struct StatusWordTests {
    @Test(arguments: [
        (StatusWord(0x90, 0x00), StatusWord.Meaning.success),
        (StatusWord(0x61, 0x10), .moreData(16)),
        (StatusWord(0x61, 0x00), .moreData(256)),
        (StatusWord(0x6C, 0x1E), .wrongLength(30)),
        (StatusWord(0x63, 0xC2), .wrongPIN(triesLeft: 2)),
        (StatusWord(0x63, 0xC0), .wrongPIN(triesLeft: 0)),
        (StatusWord(0x69, 0x83), .pinBlocked),
        (StatusWord(0x69, 0x82), .securityNotSatisfied),
        (StatusWord(0x6A, 0x82), .fileNotFound),
        (StatusWord(0x6A, 0x83), .recordNotFound),
        (StatusWord(0x67, 0x00), .wrongLc),
        (StatusWord(0x6D, 0x00), .instructionNotSupported),
        (StatusWord(0x6E, 0x00), .classNotSupported),
        (StatusWord(0x63, 0x00), .other),
    ])
    func meaning(_ word: StatusWord, _ expected: StatusWord.Meaning) {
        #expect(word.meaning == expected)
    }

    @Test func printsAsHex() {
        #expect(StatusWord(0x6A, 0x82).description == "6A82")
        #expect(StatusWord(0x09, 0x0F).description == "090F")
    }
}
