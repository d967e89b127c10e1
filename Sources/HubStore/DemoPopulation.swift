import Foundation
import KioskCore

/// A synthetic population for the demo, the tests and the benchmarks: deterministic from a seed
/// (person `i` depends only on the seed, `i` and the reference day), so chunks can be made in
/// any order. Nobody in it is real: names come from syllable tables, IDs are built with valid
/// check characters from region codes none of the demo cards use, card numbers from the index.
public struct DemoPopulation: Sendable {
    public var seed: UInt64
    /// "Today" for ages, windows and slots (China time).
    public var today: CalendarDate

    public init(seed: UInt64 = 2026, today: CalendarDate) {
        self.seed = seed
        self.today = today
    }

    public static let offices = ["湖滨街道", "清波街道", "小营街道", "南星街道", "紫阳街道", "望江街道", "采荷街道", "闸弄口街道"]

    /// County codes of the format GB/T 2260 uses; none is a demo card's region, so generated IDs
    /// cannot collide with the cards in assets/cards.
    static let regions = ["330103", "330105", "330106", "330108", "330109", "330110", "330111", "330112", "330122", "330127",
                          "320102", "320104", "320105", "320106", "320111", "310101", "310104", "310105", "310106", "310107"]
    static let surnames = Array("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
    static let givenCharacters = Array("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红梅鑫波斌宇浩凯健俊帆帅旭宁晨辰欣怡佳琪雨萱子涵梓轩浩然思远建国建华志强志明淑珍凤兰秋菊春梅海燕晓东文博")
    static let employerPrefixes = ["杭州", "钱塘", "西湖", "之江", "浙东", "江南", "东方", "华夏", "新安", "运河"]
    static let employerTrades = ["机械制造", "纺织", "电子科技", "建筑工程", "食品", "物流", "商贸", "印刷", "软件", "化工", "医药", "服装"]
    static let employerForms = ["有限公司", "股份有限公司", "集团有限公司", "厂"]
    static let cardLetters = Array("HJKLMNPRSTUWXYZ")
    /// Days of birth the population spans: 1940-01-01 to 2005-12-31.
    static let firstBirthDay = ChinaDay.epochDay(CalendarDate(year: 1940, month: 1, day: 1))
    static let birthDaySpan = ChinaDay.epochDay(CalendarDate(year: 2005, month: 12, day: 31)) - firstBirthDay + 1

    /// Person `index` (0-based). Distinct indices give distinct citizen IDs and card numbers
    /// (for up to 20 regions × 24,107 days × 490 sequence numbers).
    public func person(at index: Int) -> SeedPerson {
        var random = SplitMix64(seed: seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
        let region = Self.regions[index % Self.regions.count]
        let rest = index / Self.regions.count
        // 7919 is prime and does not divide the span: a permutation of the days, so neighbours in
        // index order are not born on neighbouring days.
        let dayIndex = (rest % Self.birthDaySpan) * 7919 % Self.birthDaySpan
        let birth = ChinaDay.fromEpochDay(Self.firstBirthDay + dayIndex)
        let sexBit = Int(random.next() % 2)
        let sequence = 10 + 2 * (rest / Self.birthDaySpan) + sexBit
        let citizenID = Self.citizenID(region: region, birth: birth, sequence: sequence)
        let number = (UInt64(index % 100_000_000) &* 7919 &+ 12_345_678) % 100_000_000
        let cardNumber = String(Self.cardLetters[(index / 100_000_000) % Self.cardLetters.count]) + Self.pad(Int(number), 8)
        let name = Self.name(&random)
        return makePerson(citizenID: citizenID, cardNumber: cardNumber, name: name, sex: sexBit == 1 ? "1" : "2", birth: birth,
                          office: Self.offices[Int(random.next() % UInt64(Self.offices.count))], random: &random)
    }

    /// A card holder of assets/cards, with a history made the same way (seeded by the ID).
    public func cardHolder(citizenID: String, cardNumber: String, name: String, sex: String, birthDate: String) -> SeedPerson? {
        guard let birth = ChinaDay.parse(birthDate) ?? Self.compactDate(birthDate) else { return nil }
        var random = SplitMix64(seed: seed ^ UInt64(truncatingIfNeeded: citizenID.hashValueStable))
        var person = makePerson(citizenID: citizenID, cardNumber: cardNumber, name: name, sex: sex, birth: birth,
                                office: Self.offices[0], random: &random)
        // The demo's holders have something to do: retirees are due and may book a check.
        if person.retired {
            let window = QualificationCycle.window(containing: today, birthMonth: birth.month)
            person.qualificationStatus = QualificationStatus.due.rawValue
            person.qualificationWindowOpens = window.opens.description
            person.qualificationDueBy = window.dueBy.description
            person.healthLastCheck = nil
        }
        return person
    }

    private func makePerson(citizenID: String, cardNumber: String, name: String, sex: String, birth: CalendarDate, office: String,
                            random: inout SplitMix64) -> SeedPerson {
        let age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day) ? 1 : 0)
        let retirementAge = sex == "1" ? 60 : 55
        let retired = age >= retirementAge
        let periods = history(birth: birth, retirementAge: retirementAge, retired: retired, random: &random)
        var status = QualificationStatus.notApplicable
        var opens: CalendarDate?, dueBy: CalendarDate?, lastPassed: CalendarDate?
        var healthLastCheck: String?
        if retired {
            let current = QualificationCycle.window(containing: today, birthMonth: birth.month)
            let previous = QualificationCycle.window(openingIn: current.opens.year - 1, birthMonth: birth.month)
            let daysIntoWindow = ChinaDay.epochDay(today) - ChinaDay.epochDay(current.opens)
            switch random.next() % 100 {
            case 0..<60 where daysIntoWindow > 0:
                // Certified earlier in the current window: the next window is the obligation.
                status = .passed
                lastPassed = ChinaDay.adding(days: Int(random.next() % UInt64(daysIntoWindow)), to: current.opens)
                (opens, dueBy) = QualificationCycle.afterPassing(on: lastPassed!, birthMonth: birth.month)
            case 0..<93:
                status = .due
                lastPassed = ChinaDay.adding(days: Int(random.next() % 300), to: previous.opens)
                (opens, dueBy) = current
            default:
                // The previous window closed uncertified: payment suspended.
                status = .suspended
                let before = QualificationCycle.window(openingIn: previous.opens.year - 1, birthMonth: birth.month)
                lastPassed = ChinaDay.adding(days: Int(random.next() % 300), to: before.opens)
                (opens, dueBy) = previous
            }
            let lastCheckYearsAgo = Int(random.next() % 4)
            healthLastCheck = lastCheckYearsAgo == 0 ? nil
                : CalendarDate(year: today.year - lastCheckYearsAgo, month: 5 + Int(random.next() % 5), day: 1 + Int(random.next() % 28)).description
        }
        return SeedPerson(citizenID: citizenID, cardNumber: cardNumber, name: name, sex: sex, birthDate: birth.description, office: office,
                          retired: retired, qualificationStatus: status.rawValue, qualificationWindowOpens: opens?.description,
                          qualificationDueBy: dueBy?.description, qualificationLastPassed: lastPassed?.description,
                          healthLastCheck: healthLastCheck, periods: periods)
    }

    /// Employment from age 18–24: one to three employers with 110, 210 and 310 each, 410 and
    /// 510 with the latest; or (one in five) 城乡居民 pension 170 only, with no employer.
    private func history(birth: CalendarDate, retirementAge: Int, retired: Bool, random: inout SplitMix64) -> [SeedPeriod] {
        let nowMonth = today.year * 12 + today.month - 1
        let startMonth = (birth.year + 18 + Int(random.next() % 7)) * 12 + Int(random.next() % 12)
        guard startMonth < nowMonth else { return [] }
        let endMonth = retired ? min(nowMonth, (birth.year + retirementAge) * 12 + birth.month - 1) : nowMonth
        guard startMonth < endMonth else { return [] }
        func yyyymm(_ month: Int) -> Int { (month / 12) * 100 + month % 12 + 1 }
        if random.next() % 5 == 0 {
            let running = !retired
            let span = endMonth - startMonth + 1
            return [SeedPeriod(insuranceType: "170", employer: nil, fromMonth: yyyymm(startMonth), throughMonth: running ? nil : yyyymm(endMonth),
                               months: span - Int(random.next() % UInt64(max(1, span / 10))), status: running ? "参保缴费" : "终止缴费")]
        }
        let employers = 1 + Int(random.next() % 3)
        var periods: [SeedPeriod] = []
        var from = startMonth
        for job in 0..<employers {
            let last = job == employers - 1
            var through = last ? endMonth : min(endMonth, from + 12 + Int(random.next() % 150))
            if through <= from { through = from }
            let running = last && !retired && random.next() % 10 != 0
            let employer = Self.employerPrefixes[Int(random.next() % UInt64(Self.employerPrefixes.count))]
                + Self.employerTrades[Int(random.next() % UInt64(Self.employerTrades.count))]
                + Self.employerForms[Int(random.next() % UInt64(Self.employerForms.count))]
            let span = through - from + 1
            let paid = span - Int(random.next() % UInt64(max(1, span / 12)))
            var types = ["110", "210", "310"]
            if last { types += ["410", "510"] }
            for type in types {
                periods.append(SeedPeriod(insuranceType: type, employer: employer, fromMonth: yyyymm(from), throughMonth: running ? nil : yyyymm(through),
                                          months: paid, status: running ? "参保缴费" : (last && !retired ? "暂停缴费" : "终止缴费")))
            }
            from = through + 1 + Int(random.next() % 8)
            if from >= endMonth { break }
        }
        return periods
    }

    /// Designated hospitals (two per office) and their slots: weekdays from tomorrow for `days`
    /// days, three sections a day, 10–30 places each.
    public func hospitals(days: Int = 28) -> (hospitals: [Hospital], slots: [SeedSlot]) {
        var random = SplitMix64(seed: seed ^ 0x484F_5350)
        var hospitals: [Hospital] = []
        var slots: [SeedSlot] = []
        for (number, office) in Self.offices.enumerated() {
            let area = office.replacingOccurrences(of: "街道", with: "")
            for (suffix, kind) in [("C", "\(area)社区卫生服务中心"), ("H", "\(area)医院体检中心")] {
                let id = "H\(Self.pad(number + 1, 2))\(suffix)"
                hospitals.append(Hospital(id: id, name: kind, address: "\(office)\(10 + Int(random.next() % 190))号", office: office))
                for offset in 1...days {
                    let day = ChinaDay.adding(days: offset, to: today)
                    let weekday = (ChinaDay.epochDay(day) + 4) % 7
                    guard weekday != 0, weekday != 6 else { continue }
                    for (starts, ends) in [("08:00", "09:30"), ("09:30", "11:00"), ("14:00", "15:30")] {
                        slots.append(SeedSlot(hospitalID: id, day: day.description, starts: starts, ends: ends, capacity: 10 + Int(random.next() % 21)))
                    }
                }
            }
        }
        return (hospitals, slots)
    }

    // MARK: Pieces

    static func citizenID(region: String, birth: CalendarDate, sequence: Int) -> String {
        let first17 = region + birth.description.replacingOccurrences(of: "-", with: "") + pad(sequence, 3)
        let digits = first17.unicodeScalars.map { Int($0.value) - 48 }
        return first17 + String(Character(CitizenID.checkCharacter(forFirst17: digits)))
    }

    static func name(_ random: inout SplitMix64) -> String {
        var name = String(surnames[Int(random.next() % UInt64(surnames.count))])
        let length = random.next() % 3 == 0 ? 1 : 2
        for _ in 0..<length { name.append(givenCharacters[Int(random.next() % UInt64(givenCharacters.count))]) }
        return name
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    /// `YYYYMMDD` as the card profiles write it.
    static func compactDate(_ text: String) -> CalendarDate? {
        guard text.count == 8, let value = Int(text) else { return nil }
        let (year, month, day) = (value / 10_000, value / 100 % 100, value % 100)
        return CalendarDate.isValid(year: year, month: month, day: day) ? CalendarDate(year: year, month: month, day: day) : nil
    }
}

/// SplitMix64: small, fast, and the same numbers on every platform (Swift's default generator
/// is neither seedable nor stable).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension String {
    /// FNV-1a over the UTF-8 bytes: stable across runs, unlike `hashValue`.
    var hashValueStable: UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return hash
    }
}
