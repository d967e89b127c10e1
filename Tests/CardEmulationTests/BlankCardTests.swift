import CardEmulation
import Testing

@Suite struct BlankCardTests {
    let card = BlankCard()

    @Test func answersLikeAChipWithoutApplications() {
        #expect(card.respond(to: [0x00, 0xA4, 0x04, 0x00, 0x02, 0x3F, 0x00]) == [0x6A, 0x82])
        #expect(card.respond(to: [0x00, 0xB2, 0x01, 0x04, 0x00]) == [0x69, 0x86])
        #expect(card.respond(to: [0x00, 0x20, 0x00, 0x00]) == [0x6D, 0x00])
        #expect(card.respond(to: [0xA0, 0xA4, 0x00, 0x00]) == [0x6E, 0x00])
        #expect(card.respond(to: [0x00, 0xA4]) == [0x67, 0x00])
    }

    @Test func atrHasAValidChecksum() {
        let atr = makeATR(historicalBytes: Array("KIOSKTEST1".utf8))
        // Same bytes as the reference emulator in shared/docs/devices.md.
        #expect(atr == [0x3B, 0x8A, 0x01] + Array("KIOSKTEST1".utf8) + [0xF9])
        #expect(atr.dropFirst().reduce(0, ^) == 0)
    }
}
