/// A resident identity number (公民身份号码, GB 11643), which is also the social security number.
///
/// Eighteen characters: a six-digit region code, the birth date as `YYYYMMDD`, a three-digit
/// sequence (odd for men, even for women) and an ISO 7064 MOD 11-2 check character (`0`–`9` or `X`).
/// The value is sensitive personal information: show ``masked`` on screens that others can see and
/// in every log; keep the full value only where the service needs it.
public struct CitizenID: Hashable, Sendable {
    /// The eighteen characters, with a lower-case `x` normalised to `X`.
    public let value: String

    /// Validates the characters, the birth date and the check character.
    /// - Throws: ``CitizenIDError`` saying what is wrong, never the number itself.
    public init(_ text: String) throws(CitizenIDError) {
        let characters = Array(text.uppercased().unicodeScalars)
        guard characters.count == 18 else { throw .wrongLength(characters.count) }
        var digits: [Int] = []
        digits.reserveCapacity(17)
        for scalar in characters.prefix(17) {
            guard let digit = Self.decimalValue(scalar) else { throw .notADigit }
            digits.append(digit)
        }
        let last = characters[17]
        guard Self.decimalValue(last) != nil || last == "X" else { throw .notADigit }
        let year = digits[6] * 1000 + digits[7] * 100 + digits[8] * 10 + digits[9]
        let month = digits[10] * 10 + digits[11]
        let day = digits[12] * 10 + digits[13]
        guard CalendarDate.isValid(year: year, month: month, day: day), year >= 1900 else { throw .invalidBirthDate }
        let expected = Self.checkCharacter(forFirst17: digits)
        guard last == expected else { throw .checkDigitMismatch }
        self.value = String(String.UnicodeScalarView(characters))
    }

    /// The issuing region code (first six digits, GB/T 2260).
    public var regionCode: String { String(value.prefix(6)) }

    /// The birth date encoded in the number.
    public var birthDate: CalendarDate {
        let digits = value.unicodeScalars.dropFirst(6).prefix(8).compactMap(Self.decimalValue)
        return CalendarDate(
            year: digits[0] * 1000 + digits[1] * 100 + digits[2] * 10 + digits[3],
            month: digits[4] * 10 + digits[5],
            day: digits[6] * 10 + digits[7])
    }

    /// Sex as the number encodes it: the 17th digit is odd for men, even for women.
    public var sex: Sex {
        let sequenceDigit = value.unicodeScalars.dropFirst(16).first.flatMap(Self.decimalValue) ?? 0
        return sequenceDigit % 2 == 1 ? .male : .female
    }

    /// The form every log and every shared screen uses: region code, eight stars, last four.
    /// For example `330102********1234`.
    public var masked: String { Redaction.maskCitizenID(value) }

    /// The ISO 7064 MOD 11-2 check character for the first seventeen digits.
    public static func checkCharacter(forFirst17 digits: [Int]) -> Unicode.Scalar {
        precondition(digits.count == 17, "a citizen ID has 17 digits before its check character")
        // Weight of position i (from the left, 1-based n = 18 - i) is 2^(n-1) mod 11.
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let sum = zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 }
        let check = (12 - sum % 11) % 11
        return check == 10 ? "X" : Unicode.Scalar(UInt8(ascii: "0") + UInt8(check))
    }

    private static func decimalValue(_ scalar: Unicode.Scalar) -> Int? {
        guard scalar.value >= 0x30, scalar.value <= 0x39 else { return nil }
        return Int(scalar.value - 0x30)
    }
}

extension CitizenID: CustomStringConvertible {
    /// Masked, so that string interpolation into a log line never leaks the number.
    public var description: String { masked }
}

/// Why a text is not a valid citizen ID. The cases never carry the number.
public enum CitizenIDError: Error, Equatable, Sendable {
    case wrongLength(Int)
    case notADigit
    case invalidBirthDate
    case checkDigitMismatch
}

/// Sex as recorded on the card and in the identity number (GB 2261 codes 1 and 2).
public enum Sex: String, Sendable, Codable {
    case male
    case female
}
