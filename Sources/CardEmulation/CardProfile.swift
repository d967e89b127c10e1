import Foundation

/// One emulated social security card (社会保障卡): its data, its PIN and how it answers, as a JSON
/// file (`assets/cards/*.json`; the keys are snake_case, listed in ``CodingKeys``).
///
/// The file is the card's memory: PIN changes and the PIN try counter are written back to it, so a
/// card blocked in one test run is still blocked in the next, like a real chip. Tests therefore
/// copy a profile to a temporary folder before inserting it.
///
/// Values are kept as written in the file; ``image(file:)`` validates them and encodes the EF05 and
/// EF06 records (shared/docs/domain.md §1.3): `cn` fields as BCD right-padded with `F` nibbles, `an`
/// fields as ASCII right-padded with `00`, names as GB18030 right-padded with `00`.
///
/// **Names longer than tag 09.** `name` is the whole name. When its GB18030 bytes exceed the 30 of
/// tag 09, a 3.00 card stores what fits in 09 (cut between characters, never inside one) and the
/// rest in tag 4E (姓名扩展, 20 bytes); `name_extension` must then be absent or empty, because the
/// overflow already fills 4E. A reader gets the whole name back by joining 09 and 4E, each with
/// its zero padding removed. A name that does not fit 09 + 4E, or needs 4E on a 1.00/2.00 card
/// (which have no 4E), is invalid. An explicit `name_extension` on a name that fits 09 is stored
/// in 4E as it is (readers join it on too).
public struct CardProfile: Codable, Equatable, Sendable {
    /// Free text: what the profile is for.
    public var description: String?
    /// "1.00", "2.00" or "3.00" (EF05 tag 03). 3.00 cards have tag 4E in EF06.
    public var specVersion: String
    /// 卡识别码: 32 hex digits (16 bytes), the first 6 being the issuing region code.
    public var cardIdentifier: String
    /// 卡的类别: one ASCII character.
    public var cardType: String
    /// 初始化机构编号: up to 24 digits (12 bytes BCD).
    public var initialisingOrg: String
    /// 发卡日期, YYYYMMDD.
    public var issueDate: String
    /// 卡有效期, YYYYMMDD.
    public var expiryDate: String
    /// 卡号: up to 9 ASCII letters or digits.
    public var cardNumber: String
    /// 社会保障号码 = 公民身份号码: 18 characters with a valid ISO 7064 MOD 11-2 check character.
    public var citizenID: String
    /// 姓名, the whole name (see the type's documentation for names longer than tag 09).
    public var name: String
    /// 姓名扩展 (tag 4E, 3.00 cards only).
    public var nameExtension: String?
    /// 性别: "1" male, "2" female (GB/T 2261.1).
    public var sex: String
    /// 民族: 2 digits (GB 3304, "01" = 汉).
    public var ethnicity: String
    /// 出生地: 6-digit region code (GB/T 2260).
    public var birthplace: String
    /// 出生日期, YYYYMMDD.
    public var birthDate: String
    /// The SSSE PIN: 6 digits (VERIFY sends them as 3 bytes of packed BCD).
    public var pin: String
    /// Wrong PINs allowed before the PIN blocks (1...15: the count travels in one nibble of 63Cx).
    public var pinMaxTries: Int
    /// Wrong PINs still allowed; 0 = blocked.
    public var pinTriesLeft: Int
    /// The ATR's historical bytes in hex (at most 15 bytes); default "ZIZHU-SSCE".
    public var atrHistoricalBytes: String?
    /// How the card answers Le and long responses.
    public var behaviour: Behaviour?

    /// Protocol quirks that differ between real cards.
    public struct Behaviour: Codable, Equatable, Sendable {
        /// Answer data with `61 xx` and hand it out on GET RESPONSE, as T=0 cards do. Default false.
        public var chainResponses: Bool?
        /// Answer `6C xx` when Le is neither 00 nor the exact length. Default true; when false
        /// the card returns the whole record whatever Le says, as many T=1 cards do.
        public var strictLe: Bool?

        public init(chainResponses: Bool? = nil, strictLe: Bool? = nil) {
            self.chainResponses = chainResponses
            self.strictLe = strictLe
        }

        enum CodingKeys: String, CodingKey {
            case chainResponses = "chain_responses"
            case strictLe = "strict_le"
        }
    }

    /// The JSON keys: this spelling is the contract with the card reader's tests.
    enum CodingKeys: String, CodingKey {
        case description
        case specVersion = "spec_version"
        case cardIdentifier = "card_identifier"
        case cardType = "card_type"
        case initialisingOrg = "initialising_org"
        case issueDate = "issue_date"
        case expiryDate = "expiry_date"
        case cardNumber = "card_number"
        case citizenID = "citizen_id"
        case name
        case nameExtension = "name_extension"
        case sex
        case ethnicity
        case birthplace
        case birthDate = "birth_date"
        case pin
        case pinMaxTries = "pin_max_tries"
        case pinTriesLeft = "pin_tries_left"
        case atrHistoricalBytes = "atr_historical_bytes"
        case behaviour
    }

    /// Reads and validates a profile file.
    /// - Throws: ``CardProfileError`` naming the file and, for content errors, the field.
    public static func load(path: String) throws(CardProfileError) -> CardProfile {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw CardProfileError(file: path, field: nil, problem: .unreadable(String(describing: error)))
        }
        return try decode(data, file: path)
    }

    /// Decodes and validates profile JSON; `file` names its origin in errors.
    public static func decode(_ data: Data, file: String) throws(CardProfileError) -> CardProfile {
        let profile: CardProfile
        do {
            profile = try JSONDecoder().decode(CardProfile.self, from: data)
        } catch let error as DecodingError {
            throw CardProfileError(decoding: error, file: file)
        } catch {
            throw CardProfileError(file: file, field: nil, problem: .notJSON(String(describing: error)))
        }
        _ = try profile.image(file: file)
        return profile
    }

    /// Writes the profile to `path` atomically: a temporary file in the same folder renamed over
    /// the old one, so a crash mid-write leaves the previous PIN state, never half a file.
    public func write(to path: String) throws(CardProfileError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            var data = try encoder.encode(self)
            data.append(0x0A)
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw CardProfileError(file: path, field: nil, problem: .unwritable(String(describing: error)))
        }
    }

    /// Checks every field and encodes the card's files.
    /// - Throws: ``CardProfileError`` naming `file` and the first wrong field.
    public func image(file: String) throws(CardProfileError) -> CardImage {
        func invalid(_ key: CodingKeys, _ allowed: String) -> CardProfileError {
            CardProfileError(file: file, field: key.rawValue, problem: .invalid(allowed))
        }
        guard let version = CardImage.SpecVersion(rawValue: specVersion) else {
            throw invalid(.specVersion, "one of \"1.00\", \"2.00\", \"3.00\"")
        }

        guard cardIdentifier.count == 32, let identifierBytes = ProfileEncoding.hexBytes(cardIdentifier),
              cardIdentifier.prefix(6).allSatisfy(\.isASCIIDigit) else {
            throw invalid(.cardIdentifier, "32 hex digits (16 bytes), the first 6 a decimal region code")
        }
        guard cardType.utf8.count == 1, let typeByte = cardType.utf8.first, (0x21...0x7E).contains(typeByte) else {
            throw invalid(.cardType, "one printable ASCII character")
        }
        guard let organisation = ProfileEncoding.bcd(initialisingOrg, bytes: 12), !initialisingOrg.isEmpty else {
            throw invalid(.initialisingOrg, "1 to 24 decimal digits")
        }
        let issue = try date(issueDate, key: .issueDate, file: file)
        let expiry = try date(expiryDate, key: .expiryDate, file: file)
        guard (1...9).contains(cardNumber.utf8.count),
              cardNumber.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            throw invalid(.cardNumber, "1 to 9 ASCII letters or digits")
        }
        guard ProfileEncoding.isValidCitizenID(citizenID) else {
            throw invalid(.citizenID, "17 digits and a check character (digit or X) that satisfies ISO 7064 MOD 11-2")
        }
        let (nameBytes, extensionBytes) = try encodedName(version: version, file: file)
        guard sex == "1" || sex == "2" else { throw invalid(.sex, "\"1\" (male) or \"2\" (female)") }
        guard ethnicity.count == 2, let ethnicityByte = ProfileEncoding.bcd(ethnicity, bytes: 1) else {
            throw invalid(.ethnicity, "2 decimal digits (GB 3304, \"01\" = 汉)")
        }
        guard birthplace.count == 6, let birthplaceBytes = ProfileEncoding.bcd(birthplace, bytes: 3) else {
            throw invalid(.birthplace, "a 6-digit region code")
        }
        let birth = try date(birthDate, key: .birthDate, file: file)
        guard pin.count == 6, let pinBytes = ProfileEncoding.bcd(pin, bytes: 3) else {
            throw invalid(.pin, "6 decimal digits")
        }
        guard (1...15).contains(pinMaxTries) else { throw invalid(.pinMaxTries, "1 to 15") }
        guard (0...pinMaxTries).contains(pinTriesLeft) else { throw invalid(.pinTriesLeft, "0 (blocked) to pin_max_tries") }
        var historicalBytes = Array("ZIZHU-SSCE".utf8)
        if let atrHistoricalBytes {
            guard let bytes = ProfileEncoding.hexBytes(atrHistoricalBytes), bytes.count <= 15 else {
                throw invalid(.atrHistoricalBytes, "hex, at most 15 bytes")
            }
            historicalBytes = bytes
        }

        func record(_ tag: UInt8, _ value: [UInt8]) -> CardImage.Record {
            CardImage.Record(tag: tag, value: value)
        }
        let ef05 = [
            record(0x01, identifierBytes),
            record(0x02, [typeByte]),
            record(0x03, Array(specVersion.utf8)),
            record(0x04, organisation),
            record(0x05, issue),
            record(0x06, expiry),
            record(0x07, ProfileEncoding.paddedASCII(cardNumber, bytes: 9)),
        ]
        var ef06 = [
            record(0x08, Array(citizenID.utf8)),
            record(0x09, nameBytes),
        ]
        if let extensionBytes { ef06.append(record(0x4E, extensionBytes)) }
        ef06 += [
            record(0x0A, Array(sex.utf8)),
            record(0x0B, ethnicityByte),
            record(0x0C, birthplaceBytes),
            record(0x0D, birth),
        ]
        return CardImage(
            specVersion: version, ef05: ef05, ef06: ef06,
            pin: pinBytes, pinMaxTries: pinMaxTries, pinTriesLeft: pinTriesLeft,
            atr: makeATR(historicalBytes: historicalBytes),
            chainResponses: behaviour?.chainResponses ?? false,
            strictLe: behaviour?.strictLe ?? true)
    }

    private func date(_ text: String, key: CodingKeys, file: String) throws(CardProfileError) -> [UInt8] {
        guard ProfileEncoding.isCalendarDate(text), let bytes = ProfileEncoding.bcd(text, bytes: 4) else {
            throw CardProfileError(file: file, field: key.rawValue, problem: .invalid("a calendar date as YYYYMMDD"))
        }
        return bytes
    }

    /// Tag 09's 30 bytes and, on 3.00 cards, tag 4E's 20 (see the type's documentation).
    private func encodedName(version: CardImage.SpecVersion, file: String) throws(CardProfileError) -> ([UInt8], [UInt8]?) {
        let nameLength = 30
        let extensionLength = 20
        guard !name.isEmpty, !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw CardProfileError(file: file, field: CodingKeys.name.rawValue, problem: .invalid("a non-empty name without control characters"))
        }
        // Encoded character by character so a long name is cut between characters: GB18030 has
        // 1-, 2- and 4-byte codes, and half a code would decode as garbage.
        let characters = name.map { ProfileEncoding.gb18030(String($0)) }
        var inTag09: [UInt8] = []
        var overflow: [UInt8] = []
        for bytes in characters {
            if overflow.isEmpty && inTag09.count + bytes.count <= nameLength {
                inTag09 += bytes
            } else {
                overflow += bytes
            }
        }
        let explicitExtension = ProfileEncoding.gb18030(nameExtension ?? "")
        guard version == .v3_00 else {
            guard overflow.isEmpty else {
                throw CardProfileError(file: file, field: CodingKeys.name.rawValue, problem: .invalid(
                    "at most \(nameLength) bytes in GB18030 (this name has \(inTag09.count + overflow.count)); only 3.00 cards carry the rest in tag 4E"))
            }
            guard explicitExtension.isEmpty else {
                throw CardProfileError(file: file, field: CodingKeys.nameExtension.rawValue, problem: .invalid(
                    "absent or empty on a \(specVersion) card: tag 4E exists on 3.00 cards only"))
            }
            return (ProfileEncoding.padded(inTag09, bytes: nameLength), nil)
        }
        if !overflow.isEmpty && !explicitExtension.isEmpty {
            throw CardProfileError(file: file, field: CodingKeys.nameExtension.rawValue, problem: .invalid(
                "absent or empty when the name itself overflows tag 09 into tag 4E"))
        }
        let extensionBytes = overflow.isEmpty ? explicitExtension : overflow
        guard extensionBytes.count <= extensionLength else {
            let field = overflow.isEmpty ? CodingKeys.nameExtension : CodingKeys.name
            throw CardProfileError(file: file, field: field.rawValue, problem: .invalid(
                "a name that fits \(nameLength) bytes of tag 09 plus \(extensionLength) of tag 4E in GB18030 (\(extensionBytes.count) bytes left for 4E)"))
        }
        return (ProfileEncoding.padded(inTag09, bytes: nameLength), ProfileEncoding.padded(extensionBytes, bytes: extensionLength))
    }
}

/// A profile's card as the chip holds it: validated and encoded records, PIN and ATR.
public struct CardImage: Equatable, Sendable {
    /// EF05 tag 03.
    public enum SpecVersion: String, Sendable {
        case v1_00 = "1.00"
        case v2_00 = "2.00"
        case v3_00 = "3.00"
    }

    /// One record of a TLV record file: `tag len value`.
    public struct Record: Equatable, Sendable {
        public let tag: UInt8
        public let value: [UInt8]

        /// The bytes READ RECORD returns (before the status word).
        public var bytes: [UInt8] { [tag, UInt8(value.count)] + value }
    }

    public let specVersion: SpecVersion
    /// EF05 records in record-number order (record n has tag 0n).
    public let ef05: [Record]
    /// EF06 records in record-number order: 08, 09, [4E on 3.00], 0A, 0B, 0C, 0D.
    public let ef06: [Record]
    /// The PIN as VERIFY sends it: 3 bytes of packed BCD.
    public let pin: [UInt8]
    public let pinMaxTries: Int
    public let pinTriesLeft: Int
    public let atr: [UInt8]
    public let chainResponses: Bool
    public let strictLe: Bool
}

/// A profile that cannot be used, naming the file and, when the content is wrong, the JSON field.
public struct CardProfileError: Error, Equatable, CustomStringConvertible {
    /// What is wrong.
    public enum Problem: Equatable, Sendable {
        /// The file could not be read.
        case unreadable(String)
        /// The file is not JSON, or not a JSON object.
        case notJSON(String)
        /// A required field is absent.
        case missing
        /// The field holds the wrong JSON type.
        case wrongType(expected: String)
        /// The value is outside what the card can hold; the text says what is allowed.
        case invalid(String)
        /// Writing the PIN state back failed.
        case unwritable(String)
    }

    /// The profile's path.
    public let file: String
    /// The JSON key (dotted for nested keys, e.g. `behaviour.strict_le`), when one field is wrong.
    public let field: String?
    public let problem: Problem

    public init(file: String, field: String?, problem: Problem) {
        self.file = file
        self.field = field
        self.problem = problem
    }

    init(decoding error: DecodingError, file: String) {
        func path(_ codingPath: [any CodingKey], _ last: (any CodingKey)? = nil) -> String? {
            let keys = (codingPath + (last.map { [$0] } ?? [])).map(\.stringValue)
            return keys.isEmpty ? nil : keys.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            self.init(file: file, field: path(context.codingPath, key), problem: .missing)
        case .typeMismatch(let type, let context):
            self.init(file: file, field: path(context.codingPath), problem: .wrongType(expected: Self.jsonTypeName(type)))
        case .valueNotFound(let type, let context):
            self.init(file: file, field: path(context.codingPath), problem: .wrongType(expected: Self.jsonTypeName(type)))
        case .dataCorrupted(let context):
            self.init(file: file, field: path(context.codingPath), problem: .notJSON(context.debugDescription))
        @unknown default:
            self.init(file: file, field: nil, problem: .notJSON(String(describing: error)))
        }
    }

    private static func jsonTypeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type: return "an integer"
        case is Bool.Type: return "true or false"
        default: return "an object"
        }
    }

    public var description: String {
        let location = field.map { "\(file): \($0)" } ?? file
        switch problem {
        case .unreadable(let reason): return "\(location): cannot read: \(reason)"
        case .notJSON(let reason): return "\(location): not a valid profile JSON: \(reason)"
        case .missing: return "\(location): required field is missing"
        case .wrongType(let expected): return "\(location): must be \(expected)"
        case .invalid(let allowed): return "\(location): must be \(allowed)"
        case .unwritable(let reason): return "\(location): cannot write: \(reason)"
        }
    }
}

/// Byte encodings of the card's field formats.
enum ProfileEncoding {
    /// Decimal digits as packed BCD, right-padded with F nibbles; nil for non-digits or too many.
    static func bcd(_ digits: String, bytes: Int) -> [UInt8]? {
        guard digits.count <= bytes * 2, digits.allSatisfy(\.isASCIIDigit) else { return nil }
        let nibbles = digits.utf8.map { $0 - 0x30 } + Array(repeating: 0x0F, count: bytes * 2 - digits.count)
        return stride(from: 0, to: nibbles.count, by: 2).map { nibbles[$0] << 4 | nibbles[$0 + 1] }
    }

    /// Hex text (either case, even length) as bytes; nil if it is not.
    static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case 0x30...0x39: return digit - 0x30
        case 0x41...0x46: return digit - 0x41 + 10
        case 0x61...0x66: return digit - 0x61 + 10
        default: return nil
        }
    }

    /// `an` format: ASCII left-aligned, right-padded with 00.
    static func paddedASCII(_ text: String, bytes: Int) -> [UInt8] {
        padded(Array(text.utf8), bytes: bytes)
    }

    static func padded(_ value: [UInt8], bytes: Int) -> [UInt8] {
        value + Array(repeating: 0x00, count: max(0, bytes - value.count))
    }

    /// GB18030 bytes of `text`. Foundation's GB18030 (kCFStringEncodingGB_18030_2000 as an
    /// NSStringEncoding) covers all of Unicode, so this cannot fail for a Swift string.
    static func gb18030(_ text: String) -> [UInt8] {
        let encoding = String.Encoding(rawValue: 0x8000_0632)
        guard let data = text.data(using: encoding) else {
            preconditionFailure("GB18030 encodes every Unicode scalar")
        }
        return Array(data)
    }

    /// YYYYMMDD naming a real day (leap years included).
    static func isCalendarDate(_ text: String) -> Bool {
        guard text.count == 8, text.allSatisfy(\.isASCIIDigit),
              let year = Int(text.prefix(4)), let month = Int(text.dropFirst(4).prefix(2)), let day = Int(text.suffix(2)),
              year >= 1900, (1...12).contains(month) else { return false }
        let isLeap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let daysInMonth = [31, isLeap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return (1...daysInMonth).contains(day)
    }

    /// GB 11643 citizen ID: 17 digits and an ISO 7064 MOD 11-2 check character.
    /// (KioskCore's `CitizenID` does the same; CardEmulation depends on nothing, so it is repeated.)
    static func isValidCitizenID(_ text: String) -> Bool {
        let characters = Array(text.utf8)
        guard characters.count == 18, characters.prefix(17).allSatisfy({ (0x30...0x39).contains($0) }) else { return false }
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let sum = zip(characters.prefix(17), weights).reduce(0) { $0 + Int($1.0 - 0x30) * $1.1 }
        let checkCharacters = Array("10X98765432".utf8)
        return characters[17] == checkCharacters[sum % 11]
    }
}

extension Character {
    /// 0-9 only (`isNumber` also accepts other scripts' digits and fractions).
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
