import Foundation
import KioskCore
@testable import SocialSecurityCard
import TestSupport
import Testing

/// Byte fixtures are synthetic: made-up people, valid check characters, real field layouts.
@Suite struct FieldDecodingTests {
    @Test func bcdStopsAtThePadding() throws {
        #expect(try FieldDecoding.bcdDigits([0x33, 0x01, 0x02], field: "f") == "330102")
        #expect(try FieldDecoding.bcdDigits([0x01, 0xFF], field: "f") == "01")
        #expect(try FieldDecoding.bcdDigits([0x1F], field: "f") == "1")
        #expect(throws: CardError.self) { try FieldDecoding.bcdDigits([0x1A], field: "f") }
        #expect(throws: CardError.self) { try FieldDecoding.bcdDigits([0xF1], field: "f") }   // digit after padding
    }

    @Test func datesAreValidated() throws {
        #expect(try FieldDecoding.date([0x19, 0x80, 0x01, 0x01], field: "d") == CalendarDate(year: 1980, month: 1, day: 1))
        #expect(try FieldDecoding.date([0xFF, 0xFF, 0xFF, 0xFF], field: "d") == nil)
        #expect(throws: CardError.self) { try FieldDecoding.date([0x19, 0x80, 0x13, 0x01], field: "d") }
        #expect(throws: CardError.self) { try FieldDecoding.date([0x19, 0x80, 0x01, 0xFF], field: "d") }
    }

    @Test func asciiDropsZeroPadding() throws {
        #expect(try FieldDecoding.ascii(Array("A12345678".utf8), field: "a") == "A12345678")
        #expect(try FieldDecoding.ascii(Array("3.00".utf8) + [0, 0], field: "a") == "3.00")
        #expect(throws: CardError.self) { try FieldDecoding.ascii([0x41, 0x00, 0x42], field: "a") }
        #expect(throws: CardError.self) { try FieldDecoding.ascii([0xC5, 0xB7], field: "a") }
    }

    @Test func gb18030DecodesRareCharacters() throws {
        // 欧阳䶮𬌗: 䶮 is in CJK Extension A (4-byte GB18030), 𬌗 in Extension E (plane 2).
        let bytes: [UInt8] = [0xC5, 0xB7, 0xD1, 0xF4, 0xFE, 0x9F, 0x99, 0x31, 0xD2, 0x39]
        #expect(try FieldDecoding.gb18030(bytes + Array(repeating: 0, count: 20), field: "name") == "欧阳䶮𬌗")
        #expect(GB18030.encode("欧阳䶮𬌗") == bytes)
        #expect(try FieldDecoding.gb18030([0xD5, 0xC5, 0xC8, 0xFD], field: "name") == "张三")
    }

    @Test func brokenGB18030IsAnError() {
        #expect(throws: CardError.self) { try FieldDecoding.gb18030([0xD5], field: "name") }          // truncated
        #expect(throws: CardError.self) { try FieldDecoding.gb18030([0x81, 0x30, 0xFF, 0x30], field: "name") }
    }
}

@Suite struct CardRecordsTests {
    static func record(_ tag: CardRecordTag, _ value: [UInt8]) -> (CardRecordTag, [UInt8]) {
        (tag, value + Array(repeating: tag == .name || tag == .nameExtension || tag == .cardNumber || tag == .citizenID ? 0 : 0xFF,
                            count: tag.length - value.count))
    }

    static func sampleRecords(name: [UInt8] = GB18030.encode("张三")!, nameExtension: [UInt8]? = nil,
                              version: String = "3.00", expiry: [UInt8] = [0x20, 0x31, 0x03, 0x15]) -> CardRecords {
        var values: [CardRecordTag: [UInt8]] = Dictionary(uniqueKeysWithValues: [
            record(.cardIdentifier, Hex.bytes("330100D156000005A1B2C3D4E5F60718")!),
            record(.cardType, Array("1".utf8)),
            record(.specVersion, Array(version.utf8)),
            record(.initialisingOrganisation, Hex.bytes("330100000000000000000001")!),
            record(.issueDate, [0x20, 0x21, 0x03, 0x15]),
            record(.expiryDate, expiry),
            record(.cardNumber, Array("A12345678".utf8)),
            record(.citizenID, Array("330102198001011213".utf8)),
            record(.name, name),
            record(.sex, Array("1".utf8)),
            record(.ethnicity, [0x01]),
            record(.birthplace, [0x33, 0x01, 0x02]),
            record(.birthDate, [0x19, 0x80, 0x01, 0x01]),
        ])
        if let nameExtension { values[.nameExtension] = record(.nameExtension, nameExtension).1 }
        return CardRecords(values: values)
    }

    @Test func decodesAHolder() throws {
        let holder = try Self.sampleRecords().cardHolder()
        #expect(holder.citizenID.value == "330102198001011213")
        #expect(holder.name == "张三")
        #expect(holder.maskedName == "张*")
        #expect(holder.sex == .male)
        #expect(holder.ethnicity == "01")
        #expect(holder.birthplace == "330102")
        #expect(holder.birthDate == CalendarDate(year: 1980, month: 1, day: 1))
        #expect(holder.card.identifier == "330100D156000005A1B2C3D4E5F60718")
        #expect(holder.card.issuingRegion == "330100")
        #expect(holder.card.specVersion == "3.00")
        #expect(holder.card.cardNumber == "A12345678")
        #expect(holder.card.initialisingOrganisation == "330100000000000000000001")
        #expect(holder.card.expiryDate == CalendarDate(year: 2031, month: 3, day: 15))
        #expect("\(holder)" == "CardHolder(张*, 330102********1213, card spec 3.00)")
    }

    @Test func joinsTheNameExtension() throws {
        let holder = try Self.sampleRecords(name: GB18030.encode("欧阳")!, nameExtension: GB18030.encode("䶮𬌗")!).cardHolder()
        #expect(holder.name == "欧阳䶮𬌗")
    }

    @Test func expiryIsJudgedAgainstToday() throws {
        let holder = try Self.sampleRecords(expiry: [0x20, 0x20, 0x01, 0x01]).cardHolder()
        #expect(holder.card.isExpired(on: CalendarDate(year: 2026, month: 11, day: 22)))
        #expect(!holder.card.isExpired(on: CalendarDate(year: 2019, month: 12, day: 31)))
    }

    @Test func aBadCheckDigitIsAMalformedRecord() {
        var records = Self.sampleRecords()
        records.values[.citizenID] = Array("330102198001011214".utf8)
        #expect(throws: CardError.malformedRecord("citizenID: checkDigitMismatch")) { try records.cardHolder() }
    }

    @Test func aMissingFieldIsNamed() {
        var records = Self.sampleRecords()
        records.values[.name] = nil
        #expect(throws: CardError.malformedRecord("name is missing")) { try records.cardHolder() }
    }

    @Test func recordValuesCheckTagAndLength() throws {
        #expect(try CardRecords.value(of: .sex, in: [0x0A, 0x01, 0x31]) == [0x31])
        #expect(throws: CardError.self) { try CardRecords.value(of: .sex, in: [0x0B, 0x01, 0x31]) }   // wrong tag
        #expect(throws: CardError.self) { try CardRecords.value(of: .sex, in: [0x0A, 0x05, 0x31]) }   // short
        #expect(throws: CardError.self) { try CardRecords.value(of: .sex, in: [0x0A, 0x02, 0x31, 0x32]) }   // over spec length
        #expect(throws: CardError.self) { try CardRecords.value(of: .sex, in: [0x0A]) }
    }

    @Test func randomBytesNeverCrashTheParsers() {
        // Deterministic fuzz pass over TLV, BCD, ASCII and GB18030 decoding: a value or a typed
        // error, never a trap. (Run longer with ZIZHU_FUZZ_ITERATIONS.)
        var generator = SeededGenerator(seed: 0xC0FFEE)
        let iterations = Int(ProcessInfo.processInfo.environment["ZIZHU_FUZZ_ITERATIONS"] ?? "") ?? 20_000
        for _ in 0..<iterations {
            let length = Int(generator.next() % 40)
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            let tag = CardRecordTag.allCases[Int(generator.next() % UInt64(CardRecordTag.allCases.count))]
            _ = try? CardRecords.value(of: tag, in: bytes)
            _ = try? FieldDecoding.bcdDigits(bytes, field: "fuzz")
            _ = try? FieldDecoding.date(bytes.prefix(4), field: "fuzz")
            _ = try? FieldDecoding.ascii(bytes, field: "fuzz")
            _ = try? FieldDecoding.gb18030(bytes, field: "fuzz")
            var records = Self.sampleRecords()
            records.values[tag] = bytes
            _ = try? records.cardHolder()
        }
    }
}
