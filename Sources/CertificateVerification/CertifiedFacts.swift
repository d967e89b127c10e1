import KioskCore

/// What a verify page shows of a genuine certificate, read back from its canonical form (the
/// signed bytes, see ``InsuranceCertificate/canonicalForm``). The holder's name and citizen ID
/// are masked here, once, so no caller can show them whole by mistake.
public struct CertifiedFacts: Equatable, Sendable {
    public struct Insurance: Equatable, Sendable {
        /// AAE140 code.
        public let type: String
        public let name: String
        public let status: String
        public let firstInsured: String
        /// Contribution months over the certified periods.
        public let months: Int

        public init(type: String, name: String, status: String, firstInsured: String, months: Int) {
            self.type = type
            self.name = name
            self.status = status
            self.firstInsured = firstInsured
            self.months = months
        }
    }

    public let serial: String
    public let kioskID: String
    public let issuingOffice: String
    public let issuedAt: String
    public let maskedHolderName: String
    public let maskedCitizenID: String
    public let purpose: String
    public let insurance: [Insurance]

    /// Why canonical bytes could not be read; a stored record like that is treated as tampered.
    public enum ReadError: Error, Equatable {
        case notUTF8
        case unknownVersion
        case malformedLine(Int)
        case missingFact(String)
    }

    /// Reads version-1 canonical bytes.
    public init(canonicalForm: [UInt8]) throws(ReadError) {
        guard let text = String(validating: canonicalForm, as: UTF8.self) else { throw .notUTF8 }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.first == "zizhu-insurance-certificate-v1" else { throw .unknownVersion }
        var single: [String: String] = [:]
        var insurance: [(type: String, status: String, first: String)] = []
        var months: [String: Int] = [:]
        for (index, line) in lines.enumerated().dropFirst() {
            guard let equals = line.firstIndex(of: "=") else { throw .malformedLine(index + 1) }
            let key = String(line[..<equals])
            let value = try Self.unescape(line[line.index(after: equals)...], line: index + 1)
            // The last field of a period line is the employer's name, free text that may hold a
            // `;` itself; every other field is a code, a date or a number.
            let fields = value.split(separator: ";", maxSplits: key == "period" ? 4 : Int.max, omittingEmptySubsequences: false).map(String.init)
            switch key {
            case "insurance":
                guard fields.count == 4 else { throw .malformedLine(index + 1) }
                insurance.append((fields[0], fields[1], fields[2]))
            case "period":
                guard fields.count == 5, let count = Int(fields[3]), count >= 0 else { throw .malformedLine(index + 1) }
                months[fields[0], default: 0] += count
            default:
                single[key] = value
            }
        }
        func fact(_ key: String) throws(ReadError) -> String {
            guard let value = single[key] else { throw .missingFact(key) }
            return value
        }
        serial = try fact("serial")
        kioskID = try fact("kiosk")
        issuingOffice = try fact("office")
        issuedAt = try fact("issued")
        maskedHolderName = Redaction.maskName(try fact("name"))
        maskedCitizenID = Redaction.maskCitizenID(try fact("id"))
        purpose = try fact("purpose")
        self.insurance = insurance.map { record in
            Insurance(type: record.type, name: InsuranceType(rawValue: record.type)?.chineseName ?? record.type,
                      status: ContributionStatus(rawValue: record.status)?.chineseName ?? record.status,
                      firstInsured: record.first, months: months[record.type] ?? 0)
        }
    }

    /// Undoes the canonical form's escaping (`\\` and `\n`); any other escape is malformed.
    private static func unescape(_ text: Substring, line: Int) throws(ReadError) -> String {
        var result = ""
        var escaping = false
        for character in text {
            if escaping {
                switch character {
                case "\\": result.append("\\")
                case "n": result.append("\n")
                default: throw .malformedLine(line)
                }
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                result.append(character)
            }
        }
        guard !escaping else { throw .malformedLine(line) }
        return result
    }
}
