import KioskCore

/// Insurance types by their AAE140 code (人社 data dictionary).
public enum InsuranceType: String, CaseIterable, Codable, Sendable {
    case enterpriseEmployeePension = "110"
    case residentPension = "170"
    case unemployment = "210"
    case employeeMedical = "310"
    case workInjury = "410"
    case maternity = "510"

    /// The name printed on the certificate.
    public var chineseName: String {
        switch self {
        case .enterpriseEmployeePension: return "企业职工基本养老保险"
        case .residentPension: return "城乡居民基本养老保险"
        case .unemployment: return "失业保险"
        case .employeeMedical: return "职工基本医疗保险"
        case .workInjury: return "工伤保险"
        case .maternity: return "生育保险"
        }
    }
}

/// A person's contribution status for one insurance type (AAC031).
public enum ContributionStatus: String, Codable, Sendable {
    case contributing = "1"
    case suspended = "2"
    case terminated = "3"

    public var chineseName: String {
        switch self {
        case .contributing: return "参保缴费"
        case .suspended: return "暂停缴费"
        case .terminated: return "终止缴费"
        }
    }
}

/// A month, as contribution periods (AAE003, 费款所属期) are counted.
public struct YearMonth: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let year: Int
    public let month: Int

    public init(year: Int, month: Int) {
        precondition((1...12).contains(month), "a month is 1…12")
        self.year = year
        self.month = month
    }

    /// The number of months from `self` to `other`, both included.
    public func monthsThrough(_ other: YearMonth) -> Int { (other.year - year) * 12 + other.month - month + 1 }

    public static func < (lhs: YearMonth, rhs: YearMonth) -> Bool { (lhs.year, lhs.month) < (rhs.year, rhs.month) }

    /// `2019.07`, as the certificate prints periods.
    public var description: String { "\(year).\(month < 10 ? "0" : "")\(month)" }
}

/// A run of months with contributions paid, and how many months of it count.
public struct ContributionPeriod: Hashable, Codable, Sendable {
    public let from: YearMonth
    public let through: YearMonth
    /// Months paid in the period; fewer than its length when some were missed.
    public let months: Int
    /// The employer (AAB004) for employee insurance; nil for residents' insurance.
    public let employer: String?

    public init(from: YearMonth, through: YearMonth, months: Int? = nil, employer: String? = nil) {
        precondition(from <= through, "a period ends after it starts")
        self.from = from
        self.through = through
        self.months = months ?? from.monthsThrough(through)
        self.employer = employer
    }
}

/// One insurance type on the certificate.
public struct InsuranceRecord: Hashable, Codable, Sendable {
    public let type: InsuranceType
    public let status: ContributionStatus
    /// First insured (AAC049).
    public let firstInsured: CalendarDate
    /// Insured this time (AAC030).
    public let currentInsuredSince: CalendarDate
    public let periods: [ContributionPeriod]

    public init(type: InsuranceType, status: ContributionStatus, firstInsured: CalendarDate, currentInsuredSince: CalendarDate,
                periods: [ContributionPeriod]) {
        self.type = type
        self.status = status
        self.firstInsured = firstInsured
        self.currentInsuredSince = currentInsuredSince
        self.periods = periods
    }

    public var totalMonths: Int { periods.reduce(0) { $0 + $1.months } }
}

/// A time of day on a calendar date, in the office's time zone (Beijing time, UTC+8): when a
/// certificate was issued. KioskCore keeps no clock, so the caller supplies it.
public struct IssueTime: Hashable, Codable, Sendable, CustomStringConvertible {
    public let date: CalendarDate
    public let hour: Int
    public let minute: Int
    public let second: Int

    public init(date: CalendarDate, hour: Int, minute: Int, second: Int) {
        precondition((0..<24).contains(hour) && (0..<60).contains(minute) && (0..<61).contains(second), "a valid time of day")
        self.date = date
        self.hour = hour
        self.minute = minute
        self.second = second
    }

    /// From seconds since the epoch, in UTC+8.
    public init(secondsSinceEpoch: Int64) {
        let local = secondsSinceEpoch + 8 * 3600
        var days = local >= 0 ? local / 86400 : (local - 86399) / 86400
        let secondOfDay = Int(local - days * 86400)
        // Civil-from-days (H. Hinnant), proleptic Gregorian.
        days += 719_468
        let era = (days >= 0 ? days : days - 146_096) / 146_097
        let dayOfEra = days - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * monthIndex + 2) / 5 + 1)
        let month = Int(monthIndex < 10 ? monthIndex + 3 : monthIndex - 9)
        let year = Int(yearOfEra + era * 400) + (month <= 2 ? 1 : 0)
        self.init(date: CalendarDate(year: year, month: month, day: day),
                  hour: secondOfDay / 3600, minute: secondOfDay / 60 % 60, second: secondOfDay % 60)
    }

    /// `2026-11-23 14:05:09`.
    public var description: String {
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(date) \(two(hour)):\(two(minute)):\(two(second))"
    }
}

/// The facts a 参保证明 certifies. This value is what is signed, printed, journaled and shown
/// by the hub's verify page; two certificates with equal facts carry the same code.
public struct InsuranceCertificate: Hashable, Sendable {
    /// The kiosk's running number for this certificate (unique per kiosk).
    public let serialNumber: String
    public let holderName: String
    public let citizenID: CitizenID
    public let records: [InsuranceRecord]
    /// The social security office that issues it (出具机构).
    public let issuingOffice: String
    public let issuedAt: IssueTime
    /// The enrolled kiosk's device ID.
    public let kioskID: String
    /// The statement of purpose (用途), e.g. 办理居住证.
    public let purpose: String

    public init(serialNumber: String, holderName: String, citizenID: CitizenID, records: [InsuranceRecord],
                issuingOffice: String, issuedAt: IssueTime, kioskID: String, purpose: String) {
        self.serialNumber = serialNumber
        self.holderName = holderName
        self.citizenID = citizenID
        self.records = records
        self.issuingOffice = issuingOffice
        self.issuedAt = issuedAt
        self.kioskID = kioskID
        self.purpose = purpose
    }

    /// The bytes that are hashed and signed: one `key=value` line per fact, in a fixed order,
    /// versioned by the first line. Values are escaped (`\\`, `\n`) so that no value can forge a
    /// line; the hub rebuilds the same bytes from the journaled facts.
    public var canonicalForm: [UInt8] {
        var lines = ["zizhu-insurance-certificate-v1"]
        func add(_ key: String, _ value: String) {
            var escaped = ""
            for character in value {
                switch character {
                case "\\": escaped += "\\\\"
                case "\n": escaped += "\\n"
                default: escaped.append(character)
                }
            }
            lines.append(key + "=" + escaped)
        }
        add("serial", serialNumber)
        add("kiosk", kioskID)
        add("office", issuingOffice)
        add("issued", issuedAt.description)
        add("name", holderName)
        add("id", citizenID.value)
        add("purpose", purpose)
        for record in records {
            add("insurance", "\(record.type.rawValue);\(record.status.rawValue);\(record.firstInsured);\(record.currentInsuredSince)")
            for period in record.periods {
                add("period", "\(record.type.rawValue);\(period.from);\(period.through);\(period.months);\(period.employer ?? "")")
            }
        }
        return Array(lines.joined(separator: "\n").utf8)
    }
}
