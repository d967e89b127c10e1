import KioskCore
import Testing

// Synthetic numbers only: region codes are real codes, birth dates and sequences are made up,
// and the check characters are computed, not copied from anyone.
@Suite struct CitizenIDTests {
    @Test(arguments: ["11010519491231002X", "330102198001011213", "440305200002291232"])
    func acceptsValidNumbers(_ text: String) throws {
        let id = try CitizenID(text)
        #expect(id.value == text)
    }

    @Test func computesTheCheckCharacter() {
        // 11010519491231002 → X (the GB 11643 worked example's pattern).
        #expect(CitizenID.checkCharacter(forFirst17: [1, 1, 0, 1, 0, 5, 1, 9, 4, 9, 1, 2, 3, 1, 0, 0, 2]) == "X")
        #expect(CitizenID.checkCharacter(forFirst17: [3, 3, 0, 1, 0, 2, 1, 9, 8, 0, 0, 1, 0, 1, 1, 2, 1]) == "3")
    }

    @Test func normalisesLowerCaseX() throws {
        #expect(try CitizenID("11010519491231002x").value == "11010519491231002X")
    }

    @Test func rejectsAWrongCheckDigit() {
        #expect(throws: CitizenIDError.checkDigitMismatch) { try CitizenID("330102198001011214") }
    }

    @Test func rejectsWrongLengthAndLetters() {
        #expect(throws: CitizenIDError.wrongLength(17)) { try CitizenID("33010219800101123") }
        #expect(throws: CitizenIDError.notADigit) { try CitizenID("33010219800101A234") }
        #expect(throws: CitizenIDError.notADigit) { try CitizenID("３３0102198001011234") }
    }

    @Test func rejectsImpossibleBirthDates() {
        // 1900-02-29 does not exist; check characters are right so only the date can fail.
        let first17 = Array("33010219000229123").map { Int(String($0))! }
        let text = "33010219000229123" + String(CitizenID.checkCharacter(forFirst17: first17))
        #expect(throws: CitizenIDError.invalidBirthDate) { try CitizenID(text) }
    }

    @Test func derivesRegionBirthDateAndSex() throws {
        let id = try CitizenID("330102198001011213")
        #expect(id.regionCode == "330102")
        #expect(id.birthDate == CalendarDate(year: 1980, month: 1, day: 1))
        #expect(id.sex == .male)   // 17th digit 1 is odd
        #expect(try CitizenID("11010519491231002X").sex == .female)   // 2 is even
    }

    @Test func masksForScreensAndLogs() throws {
        let id = try CitizenID("330102198001011213")
        #expect(id.masked == "330102********1213")
        #expect("\(id)" == "330102********1213")
    }
}

@Suite struct RedactionTests {
    @Test func masksNamesKeepingTheFamilyName() {
        #expect(Redaction.maskName("张三") == "张*")
        #expect(Redaction.maskName("欧阳䶮𬌗") == "欧***")
        #expect(Redaction.maskName("李") == "*")
        #expect(Redaction.maskName("") == "")
    }

    @Test func masksShortTextEntirely() {
        #expect(Redaction.maskCitizenID("12345") == "*****")
    }
}
