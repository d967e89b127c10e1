import KioskCore
@testable import SocialSecurityCard
import Synchronization
import Testing

/// A strict scripted card: each expected command is answered once, in order; anything else fails.
final class ScriptedCard: Sendable {
    private let script: Mutex<[(command: [UInt8], response: [UInt8])]>

    init(_ script: [(String, String)]) {
        self.script = Mutex(script.map { (Hex.bytes($0.0)!, Hex.bytes($0.1)!) })
    }

    var channel: MemoryCardChannel {
        MemoryCardChannel { command throws(CardError) in
            let next: (command: [UInt8], response: [UInt8])? = self.script.withLock { $0.isEmpty ? nil : $0.removeFirst() }
            guard let next else {
                Issue.record("unexpected command \(Hex.string(command))")
                return [0x6F, 0x00]
            }
            #expect(Hex.string(command) == Hex.string(next.command))
            if next.response.isEmpty { throw .cardRemoved }
            return next.response
        }
    }

    func assertComplete() {
        #expect(script.withLock { $0.isEmpty }, "commands expected but never sent")
    }
}

@Suite struct APDUExchangeTests {
    @Test func followsGetResponseChains() throws {
        let card = ScriptedCard([
            ("00B2090020", "6110"),
            ("00C0000010", "0102030405060708090A0B0C0D0E0F10" + "6104"),
            ("00C0000004", "11121314" + "9000"),
        ])
        let response = try APDUExchange(channel: card.channel).send(CommandAPDU(ins: 0xB2, p1: 0x09, p2: 0x00, le: 0x20))
        #expect(response.data.count == 20)
        #expect(response.status == StatusWord(0x90, 0x00))
        card.assertComplete()
    }

    @Test func resendsWithTheRightLe() throws {
        let card = ScriptedCard([
            ("00B2080014", "6C05"),
            ("00B2080005", "0803414243" + "9000"),
        ])
        let response = try APDUExchange(channel: card.channel).send(CommandAPDU(ins: 0xB2, p1: 0x08, p2: 0x00, le: 0x14))
        #expect(response.data == [0x08, 0x03, 0x41, 0x42, 0x43])
        card.assertComplete()
    }

    @Test func anEmptyResponseIsACardPulledOut() {
        let channel = MemoryCardChannel { _ throws(CardError) in [] }
        #expect(throws: CardError.cardRemoved) { try APDUExchange(channel: channel).send(CommandAPDU(ins: 0xB2, p1: 1, p2: 4, le: 0)) }
    }

    @Test func endlessChainingIsRefused() {
        let channel = MemoryCardChannel { _ throws(CardError) in [0x61, 0x01] }
        #expect(throws: CardError.malformedResponse("endless GET RESPONSE chain")) {
            try APDUExchange(channel: channel).send(CommandAPDU(ins: 0xB2, p1: 1, p2: 4, le: 0))
        }
    }

    @Test func tracesMaskPINs() throws {
        let traces = Mutex<[String]>([])
        let card = ScriptedCard([("0020000003123456", "9000")])
        let application = SocialSecurityCardApplication(exchange: APDUExchange(channel: card.channel) { trace, _ in
            traces.withLock { $0.append(trace) }
        })
        let pin = try PINBuffer(digits: [1, 2, 3, 4, 5, 6])
        try application.verifyPIN(pin)
        #expect(traces.withLock { $0 } == ["00 20 00 00 03 **"])
        card.assertComplete()
    }
}

@Suite struct SocialSecurityApplicationTests {
    @Test func aCardWithoutSSSEIsNotASocialSecurityCard() {
        let card = ScriptedCard([("00A404000F7378312E73682EC9E7BBE1B1A3D5CF", "6A82")])
        #expect(throws: CardError.notASocialSecurityCard) {
            try SocialSecurityCardApplication(exchange: APDUExchange(channel: card.channel)).readCardHolder()
        }
    }

    @Test(arguments: [
        ("63C2", CardError.wrongPIN(triesLeft: 2)),
        ("63C1", .wrongPIN(triesLeft: 1)),
        ("63C0", .pinBlocked),
        ("6983", .pinBlocked),
    ])
    func pinFailuresSayWhatHappened(_ status: String, _ expected: CardError) throws {
        let card = ScriptedCard([("0020000003123456", status)])
        let pin = try PINBuffer(digits: [1, 2, 3, 4, 5, 6])
        #expect(throws: expected) { try SocialSecurityCardApplication(exchange: APDUExchange(channel: card.channel)).verifyPIN(pin) }
        card.assertComplete()   // sent exactly once: never retried
    }

    @Test func changePINSendsOldFFNew() throws {
        let card = ScriptedCard([("805E010007123456FF654321", "9000")])
        try SocialSecurityCardApplication(exchange: APDUExchange(channel: card.channel))
            .changePIN(old: PINBuffer(digits: [1, 2, 3, 4, 5, 6]), new: PINBuffer(digits: [6, 5, 4, 3, 2, 1]))
        card.assertComplete()
    }

    @Test func anIncompletePINIsNeverSent() {
        let card = ScriptedCard([])
        let pin = PINBuffer()
        pin.append(1)
        #expect(throws: CardError.pinFormat) { try SocialSecurityCardApplication(exchange: APDUExchange(channel: card.channel)).verifyPIN(pin) }
    }

    @Test func errorsSayWhoMustAct() {
        #expect(CardError.cardRemoved.responsibleParty == .citizen)
        #expect(CardError.pinBlocked.responsibleParty == .staff)
        #expect(CardError.cardExpired(CalendarDate(year: 2020, month: 1, day: 1)).responsibleParty == .staff)
        #expect(CardError.secureReadRequired(field: "name").responsibleParty == .technician)
    }
}

@Suite struct PINBufferTests {
    @Test func neverShowsItsDigits() throws {
        let pin = try PINBuffer(digits: [1, 2, 3, 4, 5, 6])
        #expect("\(pin)" == "******")
        #expect(pin.isComplete)
        pin.wipe()
        #expect(pin.count == 0)
        #expect(!pin.isComplete)
    }

    @Test func refusesNonDigitsAndOverflow() {
        #expect(throws: CardError.pinFormat) { try PINBuffer(digits: [1, 2, 3, 4, 5, 6, 7]) }
        #expect(throws: CardError.pinFormat) { try PINBuffer(digits: [1, 2, 10]) }
        let pin = PINBuffer()
        #expect(pin.append(9))
        pin.removeLast()
        #expect(pin.count == 0)
    }

    @Test func lendsPackedBCD() throws {
        let pin = try PINBuffer(digits: [0, 9, 8, 7, 6, 5])
        let bcd = try pin.withBCD { bytes throws(CardError) in bytes }
        #expect(bcd == [0x09, 0x87, 0x65])
    }
}

@Suite struct ReadCardBasTests {
    @Test func historicalBytesFollowTheInterfaceBytes() {
        #expect(AnswerToReset.historicalBytes(of: [0x3B, 0x8A, 0x01] + Array("KIOSKTEST1".utf8) + [0xF9]) == Array("KIOSKTEST1".utf8))
        // TA1 TB1 TC1 present (0x7_), 3 historical bytes, no TD.
        #expect(AnswerToReset.historicalBytes(of: [0x3B, 0x73, 0x11, 0x00, 0x00, 0xAA, 0xBB, 0xCC]) == [0xAA, 0xBB, 0xCC])
        #expect(AnswerToReset.historicalBytes(of: [0x3B, 0x8A, 0x01, 0x41]) == nil)   // claims more than it has
        #expect(AnswerToReset.historicalBytes(of: [0x00, 0x00]) == nil)
    }

    @Test func elevenFieldsEachEndingInABar() throws {
        let holder = try CardRecordsTests.sampleRecords().cardHolder()
        let atr: [UInt8] = [0x3B, 0x8A, 0x01] + Array("KIOSKTEST1".utf8) + [0xF9]
        let text = ReadCardBasFormat.string(holder: holder, atr: atr, terminalNumber: "000000", terminalDevice: "ZZ")
        #expect(text == "330100|330102198001011213|A12345678|330100D156000005A1B2C3D4E5F60718|张三|4B494F534B5445535431|3.00|20210315|20310315|000000|ZZ|")
        #expect(text.split(separator: "|", omittingEmptySubsequences: false).count == 12)
    }
}
