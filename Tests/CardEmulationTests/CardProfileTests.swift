import CardEmulation
import Foundation
import Testing

@Suite struct CardProfileTests {
    static let assetNames = ["zhang-san-3.0", "ouyang-rare-3.0", "long-name-3.0", "li-si-2.0", "expired-2.0", "blocked-pin", "chained-t0-3.0"]

    @Test(arguments: assetNames)
    func everyShippedProfileIsValid(name: String) throws {
        let image = try CardFixtures.profile(name).image(file: name)
        #expect(image.ef05.map(\.tag) == [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07])
        let expectedEF06: [UInt8] = image.specVersion == .v3_00
            ? [0x08, 0x09, 0x4E, 0x0A, 0x0B, 0x0C, 0x0D]
            : [0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D]
        #expect(image.ef06.map(\.tag) == expectedEF06)
        // Each value has exactly the byte length of domain.md §1.3.
        let lengths: [UInt8: Int] = [0x01: 16, 0x02: 1, 0x03: 4, 0x04: 12, 0x05: 4, 0x06: 4, 0x07: 9,
                                     0x08: 18, 0x09: 30, 0x4E: 20, 0x0A: 1, 0x0B: 1, 0x0C: 3, 0x0D: 4]
        for record in image.ef05 + image.ef06 {
            #expect(record.value.count == lengths[record.tag], "tag \(record.tag)")
        }
    }

    @Test func shippedProfilesCoverWhatTheyClaim() throws {
        #expect(try CardFixtures.profile("li-si-2.0").image(file: "").specVersion == .v2_00)
        #expect(try CardFixtures.profile("expired-2.0").expiryDate < "20250101")
        #expect(try CardFixtures.profile("blocked-pin").pinTriesLeft == 0)
        #expect(try CardFixtures.profile("blocked-pin").citizenID.hasSuffix("X"))
        #expect(try CardFixtures.profile("chained-t0-3.0").behaviour?.chainResponses == true)
    }

    @Test func encodesPaddingLikeTheSpec() throws {
        var profile = try CardFixtures.profile("zhang-san-3.0")
        profile.initialisingOrg = "3301"
        profile.cardNumber = "A123"
        profile.nameExtension = "𬌗"
        let image = try profile.image(file: "test")
        #expect(image.ef05[3].value == CardFixtures.bytes("3301FFFFFFFFFFFFFFFFFFFF"))   // cn: F nibbles
        #expect(image.ef05[6].value == CardFixtures.bytes("41313233 0000000000"))         // an: 00 bytes
        #expect(image.ef06[2].value == CardFixtures.bytes("9931D239") + [UInt8](repeating: 0, count: 16))
        #expect(image.pin == [0x12, 0x34, 0x56])
    }

    @Test func cutsALongNameBetweenCharactersNeverInsideOne() throws {
        var profile = try CardFixtures.profile("zhang-san-3.0")
        profile.name = String(repeating: "张", count: 14) + "𬌗"   // 28 bytes, then a 4-byte code
        let image = try profile.image(file: "test")
        #expect(image.ef06[1].value == Array(repeating: CardFixtures.bytes("D5C5"), count: 14).flatMap { $0 } + [0, 0])
        #expect(image.ef06[2].value == CardFixtures.bytes("9931D239") + [UInt8](repeating: 0, count: 16))
    }

    @Test func writesAndReadsBackTheSameProfile() throws {
        let path = try CardFixtures.copy("ouyang-rare-3.0")
        var profile = try CardProfile.load(path: path)
        profile.pin = "975310"
        profile.pinTriesLeft = 1
        try profile.write(to: path)
        #expect(try CardProfile.load(path: path) == profile)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent)
        #expect(leftovers == ["ouyang-rare-3.0.json"])   // the temporary file was renamed away
    }

    // MARK: Validation errors name the file and the field

    private func error(settings changes: [String: Any?], base: String = "zhang-san-3.0") throws -> CardProfileError? {
        var object = try CardFixtures.jsonObject(base)
        for (key, value) in changes {
            if let value { object[key] = value } else { object.removeValue(forKey: key) }
        }
        let data = try JSONSerialization.data(withJSONObject: object)
        do {
            _ = try CardProfile.decode(data, file: "broken.json")
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [
        ("spec_version", "4.00"),
        ("card_identifier", "330100D156000005A1B2C3D4E5F607"),        // 15 bytes
        ("card_identifier", "ZZ0100D156000005A1B2C3D4E5F60718"),      // not hex
        ("card_identifier", "AB0100D156000005A1B2C3D4E5F60718"),      // region not decimal
        ("card_type", "12"),
        ("initialising_org", "3301000000000000000000011"),              // 25 digits
        ("initialising_org", "33010000000000000000000A"),
        ("issue_date", "20210230"),
        ("expiry_date", "2031-03-15"),
        ("birth_date", "19800101 "),
        ("card_number", "A123456789"),
        ("card_number", "A1234567中"),
        ("citizen_id", "330102198001011214"),                          // wrong check digit
        ("citizen_id", "33010219800101121"),
        ("sex", "M"),
        ("ethnicity", "1"),
        ("birthplace", "33010"),
        ("pin", "12345"),
        ("pin", "12345a"),
        ("atr_historical_bytes", "5A495A48552D53534345000000000000"),  // 16 bytes
        ("atr_historical_bytes", "5A4"),
        ("name", ""),
        ("name", "张\u{0}三"),
        ("name_extension", String(repeating: "𬌗", count: 6)),          // 6 four-byte codes: 24 bytes > 20
    ])
    func rejectsInvalidText(field: String, value: String) throws {
        try expectInvalid(field: field, value: value)
    }

    @Test(arguments: [("pin_max_tries", 0), ("pin_max_tries", 16), ("pin_tries_left", 4), ("pin_tries_left", -1)])
    func rejectsInvalidNumbers(field: String, value: Int) throws {
        try expectInvalid(field: field, value: value)
    }

    private func expectInvalid(field: String, value: Any) throws {
        let failure = try #require(try error(settings: [field: value]))
        #expect(failure.file == "broken.json")
        #expect(failure.field == field)
        guard case .invalid = failure.problem else {
            Issue.record("expected .invalid, got \(failure.problem)")
            return
        }
        #expect(failure.description.hasPrefix("broken.json: \(field): must be"))
    }

    @Test func missingAndMistypedFieldsAreNamed() throws {
        #expect(try error(settings: ["citizen_id": nil]) == CardProfileError(file: "broken.json", field: "citizen_id", problem: .missing))
        #expect(try error(settings: ["pin_tries_left": "3"]) == CardProfileError(file: "broken.json", field: "pin_tries_left", problem: .wrongType(expected: "an integer")))
        #expect(try error(settings: ["behaviour": ["strict_le": "yes"]])?.field == "behaviour.strict_le")
        #expect(try error(settings: ["atr_historical_bytes": nil, "behaviour": nil, "name_extension": nil, "description": nil]) == nil)
    }

    @Test func nameLongerThanTag09NeedsA3_00CardAndRoomIn4E() throws {
        let long = "阿卜杜热合曼·买买提明·艾合买提江"   // 34 bytes
        #expect(try error(settings: ["name": long]) == nil)
        #expect(try error(settings: ["name": long, "name_extension": "江"])?.field == "name_extension")
        #expect(try error(settings: ["name": long + "买买提明·艾合买提江"])?.field == "name")   // 54 bytes > 30 + 20
        #expect(try error(settings: ["name": long], base: "li-si-2.0")?.field == "name")
        #expect(try error(settings: ["name_extension": "江"], base: "li-si-2.0")?.field == "name_extension")
        #expect(try error(settings: ["name_extension": ""], base: "li-si-2.0") == nil)
    }

    @Test func fileErrorsNameTheFile() throws {
        let missing = "/nonexistent/zizhu/card.json"
        #expect(throws: CardProfileError.self) { try CardProfile.load(path: missing) }
        do {
            _ = try CardProfile.load(path: missing)
        } catch {
            #expect(error.file == missing)
            guard case .unreadable = error.problem else { Issue.record("got \(error.problem)"); return }
        }
        do {
            _ = try CardProfile.decode(Data("{ not json".utf8), file: "garbage.json")
            Issue.record("garbage decoded")
        } catch {
            #expect(error.file == "garbage.json")
            guard case .notJSON = error.problem else { Issue.record("got \(error.problem)"); return }
        }
    }
}
