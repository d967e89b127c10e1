import KioskCore

/// The records of EF05 (发卡机构数据) and EF06 (持卡人基本信息), by tag, with each field's length
/// (shared/docs/domain.md §1.3). Reading by tag (`00 B2 <tag> 00`) works on 2.0 and 3.0 cards alike,
/// although 3.0 cards insert tag 4E and so shift EF06's record numbers.
public enum CardRecordTag: UInt8, CaseIterable, Sendable {
    // EF05
    case cardIdentifier = 0x01
    case cardType = 0x02
    case specVersion = 0x03
    case initialisingOrganisation = 0x04
    case issueDate = 0x05
    case expiryDate = 0x06
    case cardNumber = 0x07
    // EF06
    case citizenID = 0x08
    case name = 0x09
    case nameExtension = 0x4E
    case sex = 0x0A
    case ethnicity = 0x0B
    case birthplace = 0x0C
    case birthDate = 0x0D

    /// The value's length in bytes.
    public var length: Int {
        switch self {
        case .cardIdentifier: return 16
        case .cardType: return 1
        case .specVersion: return 4
        case .initialisingOrganisation: return 12
        case .issueDate, .expiryDate: return 4
        case .cardNumber: return 9
        case .citizenID: return 18
        case .name: return 30
        case .nameExtension: return 20
        case .sex: return 1
        case .ethnicity: return 1
        case .birthplace: return 3
        case .birthDate: return 4
        }
    }

    /// The elementary file holding the record.
    public var file: ElementaryFile {
        rawValue <= 0x07 ? .ef05 : .ef06
    }
}

/// The two files of the SSSE application the kiosk reads.
public enum ElementaryFile: UInt16, Sendable {
    case ef05 = 0xEF05
    case ef06 = 0xEF06

    var identifierBytes: [UInt8] { [UInt8(rawValue >> 8), UInt8(rawValue & 0xFF)] }
}

/// Raw record values by tag, as read from the card.
public struct CardRecords: Equatable, Sendable {
    public var values: [CardRecordTag: [UInt8]]

    public init(values: [CardRecordTag: [UInt8]] = [:]) {
        self.values = values
    }

    /// Extracts a record's value from `tag len value`, checking the tag and the length.
    static func value(of tag: CardRecordTag, in record: [UInt8]) throws(CardError) -> [UInt8] {
        guard record.count >= 2 else { throw .malformedRecord("record \(Hex.byte(tag.rawValue)): too short") }
        guard record[0] == tag.rawValue else {
            throw .malformedRecord("record \(Hex.byte(tag.rawValue)): the card returned tag \(Hex.byte(record[0]))")
        }
        let length = Int(record[1])
        guard record.count >= 2 + length else { throw .malformedRecord("record \(Hex.byte(tag.rawValue)): shorter than its length byte") }
        guard length <= tag.length else { throw .malformedRecord("record \(Hex.byte(tag.rawValue)): longer than the spec allows") }
        return Array(record[2..<(2 + length)])
    }

    /// The card holder these records describe.
    /// - Throws: ``CardError/malformedRecord(_:)`` naming the field that is missing or wrong.
    public func cardHolder() throws(CardError) -> CardHolder {
        func field(_ tag: CardRecordTag) throws(CardError) -> [UInt8] {
            guard let value = values[tag] else { throw .malformedRecord("\(tag) is missing") }
            return value
        }
        let identifierBytes = try field(.cardIdentifier)
        guard identifierBytes.count == 16 else { throw .malformedRecord("cardIdentifier: not 16 bytes") }
        let card = SocialSecurityCardInfo(
            identifier: Hex.string(identifierBytes),
            cardType: try FieldDecoding.ascii(field(.cardType), field: "cardType"),
            specVersion: try FieldDecoding.ascii(field(.specVersion), field: "specVersion"),
            initialisingOrganisation: try FieldDecoding.bcdDigits(field(.initialisingOrganisation), field: "initialisingOrganisation"),
            issueDate: try FieldDecoding.date(field(.issueDate), field: "issueDate"),
            expiryDate: try FieldDecoding.date(field(.expiryDate), field: "expiryDate"),
            cardNumber: try FieldDecoding.ascii(field(.cardNumber), field: "cardNumber"))

        let idText = try FieldDecoding.ascii(field(.citizenID), field: "citizenID")
        let citizenID: CitizenID
        do {
            citizenID = try CitizenID(idText)
        } catch {
            throw .malformedRecord("citizenID: \(error)")
        }
        var name = try FieldDecoding.gb18030(field(.name), field: "name")
        if let extensionBytes = values[.nameExtension] {
            name += try FieldDecoding.gb18030(extensionBytes, field: "nameExtension")
        }
        guard !name.isEmpty else { throw .malformedRecord("name: empty") }
        let sexCode = try FieldDecoding.ascii(field(.sex), field: "sex")
        let sex: Sex? = sexCode == "1" ? .male : sexCode == "2" ? .female : nil
        return CardHolder(
            card: card, citizenID: citizenID, name: name, sex: sex,
            ethnicity: try FieldDecoding.bcdDigits(field(.ethnicity), field: "ethnicity"),
            birthplace: try FieldDecoding.bcdDigits(field(.birthplace), field: "birthplace"),
            birthDate: try FieldDecoding.date(field(.birthDate), field: "birthDate"))
    }
}
