import CPCSCLite
@testable import SocialSecurityCard
import TestSupport
import Testing

/// PC/SC against a real, private pcscd with a vpcd reader and zizhu-cardsim as the card.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct PCSCReaderTests {
    @Test func listsThePrivateReaderWithNoCard() async throws {
        try await PrivatePCSCD.with { pcscd in
            let context = try PCSCContext()
            let readers = try context.readerNames()
            #expect(readers.contains(pcscd.readerName))
            #expect(try context.cardPresence(reader: pcscd.readerName) == .empty)
        }
    }

    @Test func seesTheEmulatedCardArriveAndLeave() async throws {
        try await PrivatePCSCD.with { pcscd in
            let context = try PCSCContext()
            let card = try pcscd.startCardSimulator(arguments: CardSimulatorArguments.blank(in: pcscd))
            // pcscd polls vpcd every 400 ms; allow a few polls.
            try await TestEnvironment.waitUntil("the card to be present", timeout: .seconds(10)) {
                if case .present = try context.cardPresence(reader: pcscd.readerName) { return true }
                return false
            }
            guard case .present(let atr, _) = try context.cardPresence(reader: pcscd.readerName) else { return }
            #expect(atr.first == 0x3B)
            #expect(atr.count == 4 + "ZIZHU-BLANK".utf8.count)
            await card.stop()
            try await TestEnvironment.waitUntil("the card to be gone", timeout: .seconds(10)) {
                try context.cardPresence(reader: pcscd.readerName) == .empty
            }
        }
    }

    @Test func noPcscdIsNoService() async throws {
        // Take the lock so no private pcscd runs, with the socket variable pointing at it.
        try await PrivatePCSCD.with { pcscd in
            await pcscd.process.stop()
            #expect {
                _ = try PCSCContext().readerNames()
            } throws: { error in
                (error as? PCSCError)?.kind == .noService
            }
        }
    }

    @Test func anUnknownReaderIsReaderUnavailable() async throws {
        try await PrivatePCSCD.with { _ in
            let context = try PCSCContext()
            #expect {
                _ = try context.cardPresence(reader: "No Such Reader 00 00")
            } throws: { error in
                (error as? PCSCError)?.kind == .readerUnavailable
            }
        }
    }
}

@Suite struct MultiStringTests {
    @Test func splitsReaderLists() {
        let bytes: [CChar] = Array("A 00\0B 01\0\0".utf8).map { CChar(bitPattern: $0) }
        #expect(PCSCContext.splitMultiString(bytes) == ["A 00", "B 01"])
        #expect(PCSCContext.splitMultiString([CChar(0)]) == [])
    }
}
