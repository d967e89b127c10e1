import Foundation
import KioskCore
@testable import SocialSecurityCard
import TestSupport
import Testing

/// The reader side against a real pcscd, with zizhu-cardsim playing synthetic cards from
/// assets/cards behind vpcd.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct CardReadIntegrationTests {
    static let today = CalendarDate(year: 2026, month: 11, day: 22)

    /// Copies a profile (its PIN counter is written back) and runs `body` with the card inserted.
    func withCard<T: Sendable>(_ profile: String, _ body: @escaping @Sendable (PrivatePCSCD, String) async throws -> T) async throws -> T {
        try await PrivatePCSCD.with { pcscd in
            let copy = try EmulatedCards.copy(profile)
            let card = try pcscd.startCardSimulator(arguments: ["--profile", copy, "--control", "\(pcscd.directory)/cardsim.sock"])
            do {
                try await EmulatedCards.waitForCard(in: pcscd.readerName)
                let result = try await body(pcscd, copy)
                await card.stop()
                return result
            } catch {
                await card.stop()
                throw error
            }
        }
    }

    @Test func readsAThirdGenerationCard() async throws {
        let holder = try await withCard("zhang-san-3.0.json") { pcscd, _ in
            try CardSession(context: PCSCContext(), reader: pcscd.readerName).readCardHolder(today: Self.today)
        }
        #expect(holder.citizenID.value == "330102198001011213")
        #expect(holder.name == "张三")
        #expect(holder.sex == .male)
        #expect(holder.card.specVersion == "3.00")
        #expect(holder.card.cardNumber == "A12345678")
        #expect(holder.card.identifier == "330100D156000005A1B2C3D4E5F60718")
        #expect(holder.card.expiryDate == CalendarDate(year: 2031, month: 3, day: 15))
        #expect(holder.birthDate == CalendarDate(year: 1980, month: 1, day: 1))
        #expect(holder.birthplace == "330102")
    }

    @Test func readsASecondGenerationCard() async throws {
        let holder = try await withCard("li-si-2.0.json") { pcscd, _ in
            try CardSession(context: PCSCContext(), reader: pcscd.readerName).readCardHolder(today: Self.today)
        }
        #expect(holder.name == "李四")
        #expect(holder.card.specVersion == "2.00")
        #expect(holder.citizenID.value == "110105197008150033")
    }

    @Test(arguments: [("ouyang-rare-3.0.json", "欧阳䶮𬌗"), ("long-name-3.0.json", "阿卜杜热合曼·买买提明·艾合买提江")])
    func decodesRareAndLongNames(_ profile: String, _ name: String) async throws {
        let holder = try await withCard(profile) { pcscd, _ in
            try CardSession(context: PCSCContext(), reader: pcscd.readerName).readCardHolder(today: Self.today)
        }
        #expect(holder.name == name)
    }

    @Test func followsGetResponseOnAChainingCard() async throws {
        let holder = try await withCard("chained-t0-3.0.json") { pcscd, _ in
            try CardSession(context: PCSCContext(), reader: pcscd.readerName).readCardHolder(today: Self.today)
        }
        #expect(holder.name == "陈小七")
    }

    @Test func anExpiredCardSendsTheCitizenToTheCounter() async throws {
        await #expect(throws: CardError.cardExpired(CalendarDate(year: 2018, month: 12, day: 31))) {
            try await withCard("expired-2.0.json") { pcscd, _ in
                _ = try CardSession(context: PCSCContext(), reader: pcscd.readerName).readCardHolder(today: Self.today)
            }
        }
    }

    @Test func aCardWithoutTheApplicationIsNotASocialSecurityCard() async throws {
        try await PrivatePCSCD.with { pcscd in
            let card = try pcscd.startCardSimulator(arguments: ["--blank", "--control", "\(pcscd.directory)/cardsim.sock"])
            try await EmulatedCards.waitForCard(in: pcscd.readerName)
            #expect(throws: CardError.notASocialSecurityCard) {
                try CardSession(context: PCSCContext(), reader: pcscd.readerName).readCardHolder(today: Self.today)
            }
            await card.stop()
        }
    }

    @Test func aCardPulledOutMidReadIsCardRemovedNotGarbage() async throws {
        try await PrivatePCSCD.with { pcscd in
            let copy = try EmulatedCards.copy("zhang-san-3.0.json")
            // The emulator vanishes instead of answering READ RECORD 09 (the name), as a card
            // yanked out mid-command: vpcd then hands the reader an empty "successful" response.
            let card = try pcscd.startCardSimulator(arguments: [
                "--profile", copy, "--control", "\(pcscd.directory)/cardsim.sock", "--pull-out-at-record", "09",
            ])
            try await EmulatedCards.waitForCard(in: pcscd.readerName)
            let session = try CardSession(context: PCSCContext(), reader: pcscd.readerName)
            #expect(throws: CardError.cardRemoved) { try session.readCardHolder(today: Self.today) }
            session.close()
            // And the reader sees an empty slot afterwards; a new session is refused plainly.
            try await TestEnvironment.waitUntil("the slot to be empty", timeout: .seconds(10)) {
                try PCSCContext().cardPresence(reader: pcscd.readerName) == .empty
            }
            #expect(throws: CardError.noCard) { try CardSession(context: PCSCContext(), reader: pcscd.readerName) }
            await card.stop()
        }
    }

    @Test func aSwappedCardShowsAsANewInsertion() async throws {
        try await withCard("zhang-san-3.0.json") { pcscd, _ in
            let context = try PCSCContext()
            guard case .present(_, let before) = try context.cardPresence(reader: pcscd.readerName) else {
                Issue.record("no card")
                return
            }
            // Same ATR, different holder: only pcscd's event count tells the two apart.
            let other = try EmulatedCards.copy("li-si-2.0.json")
            try await TestEnvironment.run(TestEnvironment.executable("zizhuctl"),
                                          ["card", "insert", other, "--control", "\(pcscd.directory)/cardsim.sock"])
            try await TestEnvironment.waitUntil("a new insertion", timeout: .seconds(10)) {
                if case .present(_, let now) = try context.cardPresence(reader: pcscd.readerName) { return now != before }
                return false
            }
            try await EmulatedCards.waitForCard(in: pcscd.readerName)
            let holder = try CardSession(context: context, reader: pcscd.readerName).readCardHolder(today: Self.today)
            #expect(holder.name == "李四")
        }
    }

    @Test func pinRightWrongAndBlocked() async throws {
        let triesAfterwards = try await withCard("zhang-san-3.0.json") { pcscd, copy in
            let session = try CardSession(context: PCSCContext(), reader: pcscd.readerName)
            defer { session.close() }
            #expect(try session.pinTriesLeft() == 3)
            #expect(throws: CardError.wrongPIN(triesLeft: 2)) { try session.verifyPIN(PINBuffer(digits: [9, 9, 9, 9, 9, 9])) }
            try session.verifyPIN(PINBuffer(digits: [1, 2, 3, 4, 5, 6]))    // right: the counter resets
            #expect(throws: CardError.wrongPIN(triesLeft: 2)) { try session.verifyPIN(PINBuffer(digits: [0, 0, 0, 0, 0, 0])) }
            #expect(throws: CardError.wrongPIN(triesLeft: 1)) { try session.verifyPIN(PINBuffer(digits: [0, 0, 0, 0, 0, 0])) }
            #expect(throws: CardError.pinBlocked) { try session.verifyPIN(PINBuffer(digits: [0, 0, 0, 0, 0, 0])) }
            // Blocked stays blocked, even with the right PIN.
            #expect(throws: CardError.pinBlocked) { try session.verifyPIN(PINBuffer(digits: [1, 2, 3, 4, 5, 6])) }
            return try EmulatedCards.triesLeft(in: copy)
        }
        #expect(triesAfterwards == 0)   // the card remembers, as a chip does
    }

    @Test func aBlockedCardSaysSoWithoutSpendingATry() async throws {
        try await withCard("blocked-pin.json") { pcscd, _ in
            let session = try CardSession(context: PCSCContext(), reader: pcscd.readerName)
            defer { session.close() }
            #expect(try session.pinTriesLeft() == 0)
            #expect(throws: CardError.pinBlocked) { try session.verifyPIN(PINBuffer(digits: [1, 2, 3, 4, 5, 6])) }
        }
    }

    @Test func changesThePIN() async throws {
        try await withCard("li-si-2.0.json") { pcscd, _ in
            let session = try CardSession(context: PCSCContext(), reader: pcscd.readerName)
            defer { session.close() }
            #expect(throws: CardError.wrongPIN(triesLeft: 2)) {
                try session.changePIN(old: PINBuffer(digits: [1, 1, 1, 1, 1, 1]), new: PINBuffer(digits: [2, 4, 6, 8, 0, 2]))
            }
            try session.changePIN(old: PINBuffer(digits: [1, 2, 3, 4, 5, 6]), new: PINBuffer(digits: [2, 4, 6, 8, 0, 2]))
            try session.verifyPIN(PINBuffer(digits: [2, 4, 6, 8, 0, 2]))
            #expect(throws: CardError.wrongPIN(triesLeft: 2)) { try session.verifyPIN(PINBuffer(digits: [1, 2, 3, 4, 5, 6])) }
        }
    }

    @Test func theSessionResetsTheCardSoAVerifiedPINDoesNotLinger() async throws {
        try await withCard("zhang-san-3.0.json") { pcscd, _ in
            let first = try CardSession(context: PCSCContext(), reader: pcscd.readerName)
            try first.verifyPIN(PINBuffer(digits: [1, 2, 3, 4, 5, 6]))
            #expect(try first.pinTriesLeft() == nil)   // verified in this session
            first.close()
            let next = try CardSession(context: PCSCContext(), reader: pcscd.readerName)
            defer { next.close() }
            #expect(try next.pinTriesLeft() == 3)      // the next session starts unverified
        }
    }
}

/// The synthetic card profiles in assets/cards, and waiting for pcscd to see a card.
enum EmulatedCards {
    /// Copies `assets/cards/<name>` to a temporary folder: the emulator writes PIN counters back.
    static func copy(_ name: String) throws -> String {
        let source = "\(TestEnvironment.repositoryRoot)/assets/cards/\(name)"
        let directory = try TestEnvironment.temporaryDirectory("card")
        let destination = "\(directory)/\(name)"
        try FileManager.default.copyItem(atPath: source, toPath: destination)
        return destination
    }

    static func waitForCard(in reader: String) async throws {
        let context = try PCSCContext()
        try await TestEnvironment.waitUntil("a card in \(reader)", timeout: .seconds(10)) {
            if case .present = try context.cardPresence(reader: reader) { return true }
            return false
        }
    }

    static func triesLeft(in profile: String) throws -> Int? {
        let data = try Data(contentsOf: URL(fileURLWithPath: profile))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return object?["pin_tries_left"] as? Int
    }
}
