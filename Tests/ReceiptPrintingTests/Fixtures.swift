import CertificateVerification
import Foundation
import KioskCore
import ReceiptPrinting

/// Synthetic certificates: 张三 of assets/cards/zhang-san-3.0.json (a made-up person with a valid
/// check character), a fixed key so goldens and codes are stable.
enum Fixtures {
    /// A fixed Ed25519 key (32 bytes): test-only, never a kiosk's.
    static let signer = try! Ed25519CertificateSigner(rawPrivateKey: (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) })
    static let otherSigner = try! Ed25519CertificateSigner(rawPrivateKey: (0..<32).map { UInt8(truncatingIfNeeded: $0 &* 11 &+ 5) })
    static let hub = "https://hub.zizhu.example"

    /// The certificate; `periods` contribution periods of a year each for the pension, from 2001.
    static func certificate(periods: Int = 3, serial: String = "KX01-2026-000042") -> InsuranceCertificate {
        let pension = (0..<periods).map { index in
            ContributionPeriod(from: YearMonth(year: 2001 + index, month: 1), through: YearMonth(year: 2001 + index, month: 12),
                               months: index == 1 ? 10 : nil, employer: "杭州示例机械有限公司")
        }
        return InsuranceCertificate(
            serialNumber: serial, holderName: "张三", citizenID: try! CitizenID("330102198001011213"),
            records: [
                InsuranceRecord(type: .enterpriseEmployeePension, status: .contributing,
                                firstInsured: CalendarDate(year: 2001, month: 1, day: 1),
                                currentInsuredSince: CalendarDate(year: 2001, month: 1, day: 1), periods: pension),
                InsuranceRecord(type: .employeeMedical, status: .contributing,
                                firstInsured: CalendarDate(year: 2003, month: 5, day: 1),
                                currentInsuredSince: CalendarDate(year: 2010, month: 7, day: 1),
                                periods: [ContributionPeriod(from: YearMonth(year: 2010, month: 7), through: YearMonth(year: 2026, month: 10))]),
                InsuranceRecord(type: .unemployment, status: .suspended,
                                firstInsured: CalendarDate(year: 2001, month: 1, day: 1),
                                currentInsuredSince: CalendarDate(year: 2001, month: 1, day: 1), periods: []),
            ],
            issuingOffice: "杭州市上城区社会保险服务中心", issuedAt: IssueTime(date: CalendarDate(year: 2026, month: 11, day: 23), hour: 9, minute: 30, second: 5),
            kioskID: "KX01", purpose: "办理居住证")
    }

    static func issued(periods: Int = 3, serial: String = "KX01-2026-000042") -> IssuedCertificate {
        try! IssuedCertificate.issue(certificate(periods: periods, serial: serial), signer: signer)
    }

    /// Compares `actual` with Goldens/<name>; ZIZHU_UPDATE_GOLDENS=1 rewrites the golden instead.
    static func matchesGolden(_ actual: String, _ name: String) -> Bool {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Goldens/\(name)").path
        if ProcessInfo.processInfo.environment["ZIZHU_UPDATE_GOLDENS"] == "1" {
            try? actual.write(toFile: path, atomically: true, encoding: .utf8)
            return true
        }
        guard let golden = try? String(contentsOfFile: path, encoding: .utf8) else { return false }
        return golden == actual
    }
}
