import CardEmulation
import Foundation
import Testing

/// The SSSE applet over byte fixtures. Expected bytes are written out by hand from
/// shared/docs/domain.md §1.3–§1.5, not computed with the code under test.
@Suite struct SocialSecurityCardAppletTests {
    static let selectSSSE = "00 A4 04 00 0F 7378312E73682EC9E7BBE1B1A3D5CF"
    static let ok: [UInt8] = [0x90, 0x00]

    private func b(_ hex: String) -> [UInt8] { CardFixtures.bytes(hex) }

    // MARK: SELECT

    @Test func selectsSSSEByNameWithAndWithoutFCI() throws {
        let card = try AppletUnderTest("zhang-san-3.0")
        #expect(card.send(Self.selectSSSE) == Self.ok)
        #expect(card.send(Self.selectSSSE + " 00") == b("6F 11 84 0F 7378312E73682EC9E7BBE1B1A3D5CF 9000"))
        #expect(card.send(Self.selectSSSE + " 13") == b("6F 11 84 0F 7378312E73682EC9E7BBE1B1A3D5CF 9000"))
        // P2=0C: no FCI even with an Le.
        #expect(card.send("00 A4 04 0C 0F 7378312E73682EC9E7BBE1B1A3D5CF 00") == Self.ok)
        #expect(card.send("00 A4 04 00 07 F04B494F534B01 00") == b("6A82"))
        #expect(card.send("00 A4 04 08 0F 7378312E73682EC9E7BBE1B1A3D5CF") == b("6A86"))
        #expect(card.send("00 A4 08 00 02 3F00") == b("6A86"))
    }

    @Test func selectsElementaryFilesOnlyInsideSSSE() throws {
        let card = try AppletUnderTest("zhang-san-3.0")
        #expect(card.send("00 A4 00 00 02 EF05") == b("6A82"))   // still in the MF
        #expect(card.send(Self.selectSSSE) == Self.ok)
        #expect(card.send("00 A4 02 00 02 EF05") == Self.ok)
        #expect(card.send("00 A4 00 0C 02 EF06") == Self.ok)
        #expect(card.send("00 A4 02 0C 02 EF06 00") == Self.ok)
        #expect(card.send("00 A4 00 00 02 EF07") == b("6A82"))
        #expect(card.send("00 A4 00 00 03 EF0500") == b("6700"))
        #expect(card.send("00 A4 00 00 02 3F00") == Self.ok)
        #expect(card.send("00 A4 00 00 02 EF05") == b("6A82"))   // back in the MF
        #expect(card.send("00 A4 02 00 02 3F00") == b("6A82"))   // 3F00 is not an EF
    }

    // MARK: READ RECORD, 3.00 layout

    @Test func readsEveryRecordOfA3_00CardByTag() throws {
        let card = try AppletUnderTest("zhang-san-3.0")
        _ = card.send(Self.selectSSSE)
        _ = card.send("00 A4 00 00 02 EF05")
        #expect(card.send("00 B2 01 00 12") == b("01 10 330100D156000005A1B2C3D4E5F60718 9000"))
        #expect(card.send("00 B2 02 00 03") == b("02 01 31 9000"))
        #expect(card.send("00 B2 03 00 06") == b("03 04 332E3030 9000"))
        #expect(card.send("00 B2 04 00 0E") == b("04 0C 330100000000000000000001 9000"))
        #expect(card.send("00 B2 05 00 06") == b("05 04 20210315 9000"))
        #expect(card.send("00 B2 06 00 06") == b("06 04 20310315 9000"))
        #expect(card.send("00 B2 07 00 0B") == b("07 09 413132333435363738 9000"))
        #expect(card.send("00 B2 08 00 14") == b("6A83"))   // tag 08 lives in EF06

        _ = card.send("00 A4 00 00 02 EF06")
        #expect(card.send("00 B2 08 00 14") == b("08 12") + Array("330102198001011213".utf8) + Self.ok)
        #expect(card.send("00 B2 09 00 20") == b("09 1E D5C5C8FD") + [UInt8](repeating: 0, count: 26) + Self.ok)
        #expect(card.send("00 B2 4E 00 16") == b("4E 14") + [UInt8](repeating: 0, count: 20) + Self.ok)
        #expect(card.send("00 B2 0A 00 03") == b("0A 01 31 9000"))
        #expect(card.send("00 B2 0B 00 03") == b("0B 01 01 9000"))
        #expect(card.send("00 B2 0C 00 05") == b("0C 03 330102 9000"))
        #expect(card.send("00 B2 0D 00 06") == b("0D 04 19800101 9000"))
    }

    @Test func numbersEF06RecordsWithTag4EOnA3_00Card() throws {
        let card = try AppletUnderTest("zhang-san-3.0")
        _ = card.send(Self.selectSSSE)
        _ = card.send("00 A4 00 00 02 EF06")
        let tags = (1...7).map { number in card.send("00 B2 0\(number) 04 00").first }
        #expect(tags == [0x08, 0x09, 0x4E, 0x0A, 0x0B, 0x0C, 0x0D])
        #expect(card.send("00 B2 08 04 00") == b("6A83"))
        #expect(card.send("00 B2 00 04 00") == b("6A83"))
    }

    @Test func numbersEF06RecordsWithout4EOnA2_00Card() throws {
        let card = try AppletUnderTest("li-si-2.0")
        _ = card.send(Self.selectSSSE)
        _ = card.send("00 A4 00 00 02 EF06")
        let tags = (1...6).map { number in card.send("00 B2 0\(number) 04 00").first }
        #expect(tags == [0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D])
        #expect(card.send("00 B2 07 04 00") == b("6A83"))
        #expect(card.send("00 B2 4E 00 16") == b("6A83"))
        #expect(card.send("00 B2 03 04 03") == b("0A 01 31 9000"))   // 性别 is record 3 without 4E
        _ = card.send("00 A4 00 00 02 EF05")
        #expect(card.send("00 B2 03 04 06") == b("03 04 322E3030 9000"))
    }

    @Test func readsByShortFileIdentifierWithoutSelectingTheEF() throws {
        let card = try AppletUnderTest("zhang-san-3.0")
        #expect(card.send("00 B2 07 2C 0B") == b("6A82"))   // SSSE not selected
        _ = card.send(Self.selectSSSE)
        #expect(card.send("00 B2 07 2C 0B") == b("07 09 413132333435363738 9000"))    // EF05 = SFI 5
        #expect(card.send("00 B2 01 34 14") == b("08 12") + Array("330102198001011213".utf8) + Self.ok)   // EF06 = SFI 6
        #expect(card.send("00 B2 0A 30 03") == b("0A 01 31 9000"))   // SFI 6, by tag
        #expect(card.send("00 B2 01 3C 00") == b("6A82"))            // SFI 7: no such file here
    }

    @Test func rareCharacterNameIsGB18030InTag09() throws {
        let card = try AppletUnderTest("ouyang-rare-3.0")
        _ = card.send(Self.selectSSSE)
        #expect(card.send("00 B2 09 30 20") == b("09 1E C5B7 D1F4 FE9F 9931D239") + [UInt8](repeating: 0, count: 20) + Self.ok)
    }

    @Test func longNameOverflowsIntoTag4EBetweenCharacters() throws {
        let card = try AppletUnderTest("long-name-3.0")
        _ = card.send(Self.selectSSSE)
        // 阿卜杜热合曼·买买提明·艾合买 is exactly 30 bytes; 提江 (CCE1 BDAD) continue in 4E.
        #expect(card.send("00 B2 09 30 20") == b("09 1E B0A2B2B7B6C5C8C8BACFC2FCA1A4C2F2C2F2CCE1C3F7A1A4B0ACBACFC2F2 9000"))
        #expect(card.send("00 B2 4E 30 16") == b("4E 14 CCE1BDAD") + [UInt8](repeating: 0, count: 16) + Self.ok)
    }

    @Test func readRecordErrors() throws {
        let card = try AppletUnderTest("zhang-san-3.0")
        #expect(card.send("00 B2 01 04 00") == b("6986"))   // MF: no current EF
        _ = card.send(Self.selectSSSE)
        #expect(card.send("00 B2 01 04 00") == b("6986"))   // SSSE, no EF yet
        _ = card.send("00 A4 00 00 02 EF05")
        #expect(card.send("00 B2 01 05 00") == b("6A86"))   // P2 low bits 101
        #expect(card.send("00 B2 01 FC 00") == b("6A86"))   // SFI 31 is reserved
        #expect(card.send("00 B2 0E 00 00") == b("6A83"))
        #expect(card.send("00 B2 01 04") == b("6700"))      // no Le
        #expect(card.send("00 B2 01 04 01 00 00") == b("6700"))
    }

    // MARK: Le

    @Test func strictLeAnswers6CWithTheRecordLength() throws {
        let card = try AppletUnderTest("zhang-san-3.0")
        _ = card.send(Self.selectSSSE)
        #expect(card.send("00 B2 09 30 10") == b("6C 20"))
        #expect(card.send("00 B2 09 30 FF") == b("6C 20"))
        #expect(card.send("00 B2 09 30 20").count == 0x20 + 2)
        #expect(card.send("00 B2 09 30 00").count == 0x20 + 2)
        #expect(card.send(Self.selectSSSE + " 05") == b("6C 13"))   // the FCI is 19 bytes
    }

    @Test func lenientLeReturnsTheWholeRecord() throws {
        var profile = try CardFixtures.profile("zhang-san-3.0")
        profile.behaviour = .init(chainResponses: false, strictLe: false)
        let card = try AppletUnderTest(profile)
        _ = card.send(Self.selectSSSE)
        #expect(card.send("00 B2 0A 30 7F") == b("0A 01 31 9000"))
    }

    // MARK: 61xx and GET RESPONSE

    @Test func chainedResponsesComeWithGetResponse() throws {
        let card = try AppletUnderTest("chained-t0-3.0")
        #expect(card.send("00 C0 00 00 00") == b("6985"))   // nothing pending
        #expect(card.send(Self.selectSSSE + " 00") == b("61 13"))
        #expect(card.send("00 C0 00 00 13") == b("6F 11 84 0F 7378312E73682EC9E7BBE1B1A3D5CF 9000"))
        #expect(card.send("00 C0 00 00 13") == b("6985"))   // handed out once
        #expect(card.send("00 B2 0A 30 03") == b("61 03"))
        #expect(card.send("00 C0 00 00 05") == b("6C 03"))   // wrong Le keeps the data
        #expect(card.send("00 C0 01 00 03") == b("6A86"))
        #expect(card.send("00 C0 00 00 03") == b("0A 01 32 9000"))
        #expect(card.send("00 B2 0A 30 03") == b("61 03"))
        #expect(card.send("00 C0 00 00 00") == b("0A 01 32 9000"))   // Le 00 = up to 256
    }

    @Test func anyOtherCommandDropsAPendingResponse() throws {
        let card = try AppletUnderTest("chained-t0-3.0")
        _ = card.send(Self.selectSSSE)
        #expect(card.send("00 B2 0A 30 03") == b("61 03"))
        #expect(card.send("00 A4 00 0C 02 EF06") == Self.ok)
        #expect(card.send("00 C0 00 00 03") == b("6985"))
    }

    // MARK: VERIFY

    @Test func verifyRightPINResetsTheCounter() throws {
        let card = try AppletUnderTest("zhang-san-3.0")
        #expect(card.send("00 20 00 00 03 123456") == b("6985"))   // MF: no PIN here
        _ = card.send(Self.selectSSSE)
        #expect(card.send("00 20 00 00") == b("63 C3"))
        #expect(card.send("00 20 00 00 03 111111") == b("63 C2"))
        #expect(card.send("00 20 00 00") == b("63 C2"))
        #expect(card.send("00 20 00 00 03 123456") == Self.ok)
        #expect(card.send("00 20 00 00") == Self.ok)   // verified in this session
        #expect(card.persisted.map(\.triesLeft) == [2, 3])
        #expect(card.persisted.allSatisfy { $0.digits == "123456" })
        // Power cycle: verification is volatile, the counter is not.
        card.applet.resetVolatileState()
        _ = card.send(Self.selectSSSE)
        #expect(card.send("00 20 00 00") == b("63 C3"))
    }

    @Test func rightPINAtFullCounterWritesNothing() throws {
        let card = try AppletUnderTest("zhang-san-3.0")
        _ = card.send(Self.selectSSSE)
        #expect(card.send("00 20 00 00 03 123456") == Self.ok)
        #expect(card.persisted.isEmpty)
    }

    @Test func threeWrongPINsBlockForGood() throws {
        let card = try AppletUnderTest("zhang-san-3.0")
        _ = card.send(Self.selectSSSE)
        #expect(card.send("00 20 00 00 03 000000") == b("63 C2"))
        #expect(card.send("00 20 00 00 03 000000") == b("63 C1"))
        #expect(card.send("00 20 00 00 03 000000") == b("6983"))
        #expect(card.send("00 20 00 00 03 123456") == b("6983"))
        #expect(card.send("00 20 00 00") == b("6983"))
        #expect(card.persisted.map(\.triesLeft) == [2, 1, 0])
    }

    @Test func blockedProfileAnswers6983() throws {
        let card = try AppletUnderTest("blocked-pin")
        _ = card.send(Self.selectSSSE)
        #expect(card.send("00 20 00 00 03 123456") == b("6983"))
        #expect(card.send("80 5E 01 00 07 123456 FF 654321") == b("6983"))
        #expect(card.persisted.isEmpty)
    }

    @Test func verifyLengthAndParameterErrors() throws {
        let card = try AppletUnderTest("zhang-san-3.0")
        _ = card.send(Self.selectSSSE)
        #expect(card.send("00 20 00 00 02 1234") == b("6700"))
        #expect(card.send("00 20 00 00 04 12345600") == b("6700"))
        #expect(card.send("00 20 00 00 03 1234") == b("6700"))   // Lc says 3, 2 bytes follow
        #expect(card.send("00 20 00 80 03 123456") == b("6A86"))
        #expect(card.send("80 20 00 00 03 123456") == b("6E00"))
        #expect(card.persisted.isEmpty)
    }

    @Test func aFailedWriteAnswers6581AndStillCostsATry() throws {
        let card = try AppletUnderTest("zhang-san-3.0")
        _ = card.send(Self.selectSSSE)
        card.failPersisting = true
        #expect(card.send("00 20 00 00 03 000000") == b("6581"))
        card.failPersisting = false
        #expect(card.send("00 20 00 00") == b("63 C2"))
    }

    // MARK: CHANGE PIN

    @Test func changePINStoresTheNewPIN() throws {
        let card = try AppletUnderTest("zhang-san-3.0")
        _ = card.send(Self.selectSSSE)
        #expect(card.send("80 5E 01 00 07 123456 FF 246810") == Self.ok)
        #expect(card.persisted == [.init(digits: "246810", triesLeft: 3)])
        #expect(card.send("00 20 00 00 03 123456") == b("63 C2"))
        #expect(card.send("00 20 00 00 03 246810") == Self.ok)
    }

    @Test func changePINWithAWrongOldPINCostsATry() throws {
        let card = try AppletUnderTest("zhang-san-3.0")
        _ = card.send(Self.selectSSSE)
        #expect(card.send("80 5E 01 00 07 999999 FF 246810") == b("63 C2"))
        #expect(card.send("80 5E 01 00 07 999999 FF 246810") == b("63 C1"))
        #expect(card.send("80 5E 01 00 07 999999 FF 246810") == b("6983"))
        #expect(card.persisted.map(\.digits) == ["123456", "123456", "123456"])
    }

    @Test func changePINFormatErrors() throws {
        let card = try AppletUnderTest("zhang-san-3.0")
        #expect(card.send("80 5E 01 00 07 123456 FF 246810") == b("6985"))   // SSSE not selected
        _ = card.send(Self.selectSSSE)
        #expect(card.send("80 5E 01 00 06 123456 246810") == b("6700"))
        #expect(card.send("80 5E 01 00 07 123456 00 246810") == b("6700"))   // no FF separator
        #expect(card.send("80 5E 00 00 07 123456 FF 246810") == b("6A86"))
        #expect(card.send("80 5E 01 00 07 123456 FF 2468AF") == b("6A80"))   // new PIN not digits
        #expect(card.send("00 5E 01 00 07 123456 FF 246810") == b("6E00"))
        #expect(card.persisted.isEmpty)
    }

    // MARK: Class, instruction, length, power

    @Test func rejectsUnknownClassesInstructionsAndShortAPDUs() throws {
        let card = try AppletUnderTest("zhang-san-3.0")
        #expect(card.send("A0 A4 00 00 02 3F00") == b("6E00"))
        #expect(card.send("84 24 00 00 00") == b("6E00"))
        #expect(card.send("00 84 00 00 08") == b("6D00"))   // GET CHALLENGE: not emulated
        #expect(card.send("00 B0 00 00 00") == b("6D00"))
        #expect(card.send("00 A4 04") == b("6700"))
        #expect(card.send("") == b("6700"))
        #expect(card.send("00 A4 04 00 0F 7378312E") == b("6700"))   // Lc longer than the data
    }

    @Test func powerEventsForgetSelection() throws {
        let card = try AppletUnderTest("zhang-san-3.0")
        _ = card.send(Self.selectSSSE)
        _ = card.send("00 A4 00 00 02 EF05")
        #expect(card.send("00 B2 02 04 03") == b("02 01 31 9000"))
        card.applet.resetVolatileState()
        #expect(card.send("00 B2 02 04 03") == b("6986"))
        #expect(card.send("00 B2 02 2C 03") == b("6A82"))
    }

    @Test func atrCarriesTheProfilesHistoricalBytes() throws {
        let card = try AppletUnderTest("zhang-san-3.0")
        #expect(card.applet.atr == [0x3B, 0x8A, 0x01] + Array("ZIZHU-SSCE".utf8) + [card.applet.atr.last!])
        #expect(card.applet.atr.dropFirst().reduce(0, ^) == 0)
    }

    @Test func logsNeverShowPINData() {
        #expect(SocialSecurityCardApplet.loggableHex(CardFixtures.bytes("00 20 00 00 03 123456")) == "00 20 00 00 03 **")
        #expect(SocialSecurityCardApplet.loggableHex(CardFixtures.bytes("80 5E 01 00 07 123456 FF 654321")) == "80 5E 01 00 07 **")
        #expect(SocialSecurityCardApplet.loggableHex(CardFixtures.bytes("00 20 00 00")) == "00 20 00 00")
        #expect(SocialSecurityCardApplet.loggableHex(CardFixtures.bytes("00 B2 01 04 00")) == "00 B2 01 04 00")
    }
}
