import CertificateVerification
import KioskCore

/// The 参保证明 as printed: the certified facts, the statement, and the verification block.
public struct InsuranceCertificateDocument: PrintableDocument {
    public let issued: IssuedCertificate
    /// The hub's public address; the QR code opens `<hub>/verify/<code>`.
    public let hubBaseURL: String

    public init(issued: IssuedCertificate, hubBaseURL: String) {
        self.issued = issued
        self.hubBaseURL = hubBaseURL
    }

    /// The CUPS job's name: it carries the serial (no personal data), so a kiosk killed while
    /// printing finds the job again by it.
    public var jobTitle: String { Self.jobTitle(serial: issued.certificate.serialNumber) }

    public static func jobTitle(serial: String) -> String { "certificate \(serial)" }

    public var layout: [LayoutBlock] {
        let certificate = issued.certificate
        var blocks: [LayoutBlock] = [
            .title("社会保险参保证明"),
            .field(label: "证明编号", value: certificate.serialNumber),
            .field(label: "姓名", value: certificate.holderName),
            .field(label: "公民身份号码", value: certificate.citizenID.value),
            .rule,
        ]
        for record in certificate.records {
            blocks.append(.heading("\(record.type.chineseName)（\(record.status.chineseName)）"))
            blocks.append(.field(label: "首次参保", value: Self.chineseDate(record.firstInsured)))
            blocks.append(.field(label: "本次参保", value: Self.chineseDate(record.currentInsuredSince)))
            blocks.append(.field(label: "累计缴费", value: "\(record.totalMonths)个月"))
            if !record.periods.isEmpty {
                blocks.append(.table(LayoutTable(
                    columns: [.init("缴费期间"), .init("月数", alignment: .trailing)],
                    rows: record.periods.map { ["\($0.from)-\($0.through)", "\($0.months)"] })))
            }
        }
        blocks += [
            .rule,
            .paragraph("兹证明上述人员在本地参加社会保险，参保及缴费情况如上。本证明用于：\(certificate.purpose)。"),
            .field(label: "出具机构", value: certificate.issuingOffice),
            .field(label: "出具时间", value: certificate.issuedAt.description),
            .field(label: "终端编号", value: certificate.kioskID),
            .verification(code: issued.seal.code.grouped, url: issued.seal.code.verifyURL(hubBaseURL: hubBaseURL)),
            .paragraph("扫描二维码或在人社网站输入验证码，可核验本证明真伪。"),
            .sealBox(office: certificate.issuingOffice),
        ]
        return blocks
    }

    static func chineseDate(_ date: CalendarDate) -> String { "\(date.year)年\(date.month)月\(date.day)日" }
}

/// The slip a citizen keeps after a service: what was done, its reference, what happens next.
public struct TransactionReceipt: PrintableDocument {
    public let service: String
    public let time: IssueTime
    public let referenceNumber: String
    public let holderName: String
    public let citizenID: CitizenID
    public let nextSteps: [String]
    public let office: String
    public let kioskID: String

    public init(service: String, time: IssueTime, referenceNumber: String, holderName: String, citizenID: CitizenID,
                nextSteps: [String], office: String, kioskID: String) {
        self.service = service
        self.time = time
        self.referenceNumber = referenceNumber
        self.holderName = holderName
        self.citizenID = citizenID
        self.nextSteps = nextSteps
        self.office = office
        self.kioskID = kioskID
    }

    public var jobTitle: String { "receipt \(referenceNumber)" }

    public var layout: [LayoutBlock] {
        // A receipt may be left in the tray: the holder is masked, as on the screen.
        [
            .title("业务回执"),
            .field(label: "业务", value: service),
            .field(label: "办理人", value: Redaction.maskName(holderName)),
            .field(label: "身份号码", value: citizenID.masked),
            .field(label: "办理时间", value: time.description),
            .field(label: "业务编号", value: referenceNumber),
            .rule,
            .heading("后续事项"),
        ] + nextSteps.enumerated().map { .paragraph("\($0.offset + 1). \($0.element)") } + [
            .rule,
            .field(label: "办理机构", value: office),
            .field(label: "终端编号", value: kioskID),
        ]
    }
}

/// The booking slip for the free retiree health check.
public struct HealthCheckBookingSlip: PrintableDocument {
    public let bookingNumber: String
    public let holderName: String
    public let citizenID: CitizenID
    public let hospital: String
    public let address: String
    public let date: CalendarDate
    public let timeSlot: String
    public let instructions: [String]
    public let bookedAt: IssueTime

    public init(bookingNumber: String, holderName: String, citizenID: CitizenID, hospital: String, address: String,
                date: CalendarDate, timeSlot: String, instructions: [String], bookedAt: IssueTime) {
        self.bookingNumber = bookingNumber
        self.holderName = holderName
        self.citizenID = citizenID
        self.hospital = hospital
        self.address = address
        self.date = date
        self.timeSlot = timeSlot
        self.instructions = instructions
        self.bookedAt = bookedAt
    }

    public var jobTitle: String { "health-check \(bookingNumber)" }

    public var layout: [LayoutBlock] {
        [
            .title("退休人员体检预约单"),
            .field(label: "预约号", value: bookingNumber),
            .field(label: "体检人", value: Redaction.maskName(holderName)),
            .field(label: "身份号码", value: citizenID.masked),
            .rule,
            .field(label: "体检医院", value: hospital),
            .field(label: "地址", value: address),
            .field(label: "日期", value: InsuranceCertificateDocument.chineseDate(date)),
            .field(label: "时段", value: timeSlot),
            .rule,
            .heading("注意事项"),
        ] + instructions.map { .paragraph("· \($0)") } + [
            .field(label: "预约时间", value: bookedAt.description),
        ]
    }
}

/// A page for staff and technicians: proves the paper, the Chinese font, the widths, the cutter
/// and the QR code all work. Holds no personal data.
public struct StaffTestPage: PrintableDocument {
    public let kioskID: String
    public let queue: String
    public let printedAt: IssueTime

    public init(kioskID: String, queue: String, printedAt: IssueTime) {
        self.kioskID = kioskID
        self.queue = queue
        self.printedAt = printedAt
    }

    public var jobTitle: String { "test page" }

    public var layout: [LayoutBlock] {
        [
            .title("打印测试页"),
            .field(label: "终端编号", value: kioskID),
            .field(label: "打印队列", value: queue),
            .field(label: "时间", value: printedAt.description),
            .rule,
            .paragraph("中文：社会保险参保证明 欧阳䶮𬌗"),
            .paragraph("ASCII: 0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
            .table(LayoutTable(columns: [.init("项目"), .init("数值", alignment: .trailing)],
                               rows: [["左对齐", "123"], ["right", "45678"]])),
            .verification(code: "TEST-PAGE-0000-0000", url: "https://zizhu.invalid/test"),
        ]
    }
}
