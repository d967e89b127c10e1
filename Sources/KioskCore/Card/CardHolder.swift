/// What a social security card (社会保障卡) says about itself: EF05, 发卡机构数据.
public struct SocialSecurityCardInfo: Equatable, Sendable {
    /// 卡识别码: 32 hex characters; the first six are the issuing region's code.
    public var identifier: String
    /// 卡的类别 (one character).
    public var cardType: String
    /// 规范版本: "1.00", "2.00" or "3.00".
    public var specVersion: String
    /// 初始化机构编号: 24 digits.
    public var initialisingOrganisation: String
    /// 发卡日期.
    public var issueDate: CalendarDate?
    /// 卡有效期; third-generation cards may not print it, the chip still carries it.
    public var expiryDate: CalendarDate?
    /// 卡号: nine characters, letters allowed.
    public var cardNumber: String

    public init(identifier: String, cardType: String, specVersion: String, initialisingOrganisation: String,
                issueDate: CalendarDate?, expiryDate: CalendarDate?, cardNumber: String) {
        self.identifier = identifier
        self.cardType = cardType
        self.specVersion = specVersion
        self.initialisingOrganisation = initialisingOrganisation
        self.issueDate = issueDate
        self.expiryDate = expiryDate
        self.cardNumber = cardNumber
    }

    /// 发卡地区行政区划代码: the first six characters of the card identifier.
    public var issuingRegion: String { String(identifier.prefix(6)) }

    /// Whether the card's validity ended before `date`.
    public func isExpired(on date: CalendarDate) -> Bool {
        guard let expiryDate else { return false }
        return expiryDate < date
    }
}

/// The card holder as the card records them: EF05 and EF06 (持卡人基本信息).
///
/// Sensitive personal information: `description` is masked, so logging or interpolating a holder
/// never leaks the ID or the name.
public struct CardHolder: Equatable, Sendable {
    public var card: SocialSecurityCardInfo
    /// 社会保障号码 = 公民身份号码, check character verified.
    public var citizenID: CitizenID
    /// 姓名, with the 姓名扩展 (tag 4E) of third-generation cards joined on.
    public var name: String
    public var sex: Sex?
    /// 民族 (GB 3304 code, two digits; "01" = 汉).
    public var ethnicity: String
    /// 出生地 (GB/T 2260 region code, six digits).
    public var birthplace: String
    public var birthDate: CalendarDate?

    public init(card: SocialSecurityCardInfo, citizenID: CitizenID, name: String, sex: Sex?, ethnicity: String,
                birthplace: String, birthDate: CalendarDate?) {
        self.card = card
        self.citizenID = citizenID
        self.name = name
        self.sex = sex
        self.ethnicity = ethnicity
        self.birthplace = birthplace
        self.birthDate = birthDate
    }

    /// 张* — for the confirmation screen.
    public var maskedName: String { Redaction.maskName(name) }
}

extension CardHolder: CustomStringConvertible {
    public var description: String {
        "CardHolder(\(maskedName), \(citizenID.masked), card spec \(card.specVersion))"
    }
}
