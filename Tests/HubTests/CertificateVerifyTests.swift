import AsyncHTTPClient
import CertificateVerification
import Foundation
import HubAPI
import HubClient
import HubStore
import KioskCore
import Logging
import NIOCore
import NIOHTTP1
import OpenAPIRuntime
import TestSupport
import Testing

/// A kiosk registers what it printed through ingestion; anyone holding the paper asks
/// `/verify/{code}` — the same tests on SQLite and PostgreSQL.
@Suite(.timeLimit(.minutes(3)))
struct CertificateVerifyTests {
    @Test(arguments: Engine.allCases)
    func genuineUnknownTamperedAndMalformedCodesAreToldApart(engine: Engine) async throws {
        let fixture = try await HubFixture.start(engine)
        do {
            let kiosk = try await Self.enrolledKioskWithCertificateKey(fixture)
            let issued = try IssuedCertificate.issue(Self.certificate(kioskID: kiosk.deviceID), signer: kiosk.signer)
            let result = try await kiosk.connection.submit(.init(deviceId: kiosk.deviceID, items: [try Self.printedItem(1, issued)]))
            #expect(result.accepted == [1])

            let hub = try HubConnection(baseURL: fixture.hub.url)
            // Typed as a person would: lower case, hyphens, O for 0 and I for 1 forgiven.
            let typed = issued.seal.code.grouped.lowercased().replacingOccurrences(of: "0", with: "o").replacingOccurrences(of: "1", with: "i")
            let genuine = try Self.verdict(try await hub.client.verifyCertificate(path: .init(code: typed)))
            #expect(genuine.result == .genuine && genuine.code == issued.seal.code.grouped)
            let facts = try #require(genuine.facts)
            #expect(facts.holderName == "张*" && facts.citizenId == "330102********1213")
            #expect(facts.issuingOffice == "杭州市上城区社会保险服务中心" && facts.purpose == "办理居住证")
            #expect(facts.insurance.map(\.name) == ["企业职工基本养老保险", "职工基本医疗保险"])
            #expect(facts.insurance.first?.months == 22)

            // The page a phone opens: plain words, masked holder, never the full ID.
            let page = try await Self.html(fixture.hub.url + "/verify/" + issued.seal.code.compact)
            #expect(page.contains("真实有效") && page.contains("张*") && page.contains("330102********1213"))
            #expect(!page.contains("张三") && !page.contains("330102198001011213"))

            let unknownCode = CertificateSeal.code(forSignature: Array(repeating: 7, count: 64))
            #expect(try Self.verdict(try await hub.client.verifyCertificate(path: .init(code: unknownCode.compact))).result == .unknown)
            #expect(try Self.verdict(try await hub.client.verifyCertificate(path: .init(code: "not-a-code"))).result == .malformedCode)

            // Someone edits the stored facts (the name, say): the signature no longer verifies.
            let forged = Data(String(decoding: issued.certificate.canonicalForm, as: UTF8.self).replacingOccurrences(of: "name=张三", with: "name=李四").utf8)
            try await fixture.execute("UPDATE certificates SET canonical_form = \(engine == .postgres ? "decode('\(forged.hexString)', 'hex')" : "X'\(forged.hexString)'")")
            #expect(try Self.verdict(try await hub.client.verifyCertificate(path: .init(code: issued.seal.code.compact))).result == .tampered)
        } catch {
            await fixture.stop()
            throw error
        }
        await fixture.stop()
    }

    @Test func aReprintKeepsItsCodeAndABadRegistrationIsRejectedForStaff() async throws {
        let fixture = try await HubFixture.start(.sqlite)
        do {
            let kiosk = try await Self.enrolledKioskWithCertificateKey(fixture)
            let issued = try IssuedCertificate.issue(Self.certificate(kioskID: kiosk.deviceID), signer: kiosk.signer)
            // Printed, then reprinted after a paper-out: two items, one certificate, one code.
            let result = try await kiosk.connection.submit(.init(deviceId: kiosk.deviceID, items: [try Self.printedItem(1, issued), try Self.printedItem(2, issued)]))
            #expect(result.accepted == [1, 2])
            let hub = try HubConnection(baseURL: fixture.hub.url)
            #expect(try Self.verdict(try await hub.client.verifyCertificate(path: .init(code: issued.seal.code.compact))).result == .genuine)

            // A code that is not the signature's: refused for good, parked for staff by the kiosk.
            let wrong = try Self.printedItem(3, issued, code: CertificateSeal.code(forSignature: Array(repeating: 1, count: 64)).compact)
            let refused = try await kiosk.connection.submit(.init(deviceId: kiosk.deviceID, items: [wrong]))
            #expect(refused.rejected.map(\.seq) == [3] && refused.rejected.first?.reason == .invalidCertificate)
            // Half a registration is refused too; a service record without one registers nothing.
            let half = Components.Schemas.TransactionItem(
                seq: 4, wallTime: Batches.journalStart, bootId: Batches.bootID, monotonicNs: 4_000, kind: "certificate.printed",
                payload: .init(additionalProperties: try OpenAPIObjectContainer(unvalidatedValue: ["verification_code": issued.seal.code.compact])))
            let halfResult = try await kiosk.connection.submit(.init(deviceId: kiosk.deviceID, items: [half, Batches.item(5)]))
            #expect(halfResult.rejected.map(\.seq) == [4] && halfResult.accepted == [5])
        } catch {
            await fixture.stop()
            throw error
        }
        await fixture.stop()
    }

    @Test func theVerifyPageIsRateLimitedPerAddress() async throws {
        // Ten at once, then one a minute: the test's pace cannot earn a token back.
        let fixture = try await HubFixture.start(.sqlite, environment: ["ZIZHU_LIMITS_VERIFY_BURST": "10", "ZIZHU_LIMITS_VERIFY_PER_MINUTE": "1"])
        do {
            // A client of its own, one connection per request: the count of answers matters here,
            // and the suite's other tests share HTTPClient.shared's pool and event loops.
            var configuration = HTTPClient.Configuration()
            configuration.connectionPool.idleTimeout = .zero
            let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            var statuses: [String] = []
            var started = ContinuousClock.now
            do {
                let hub = try HubConnection(baseURL: fixture.hub.url, httpClient: httpClient, timeout: .seconds(30))
                started = ContinuousClock.now
                for _ in 0..<15 {
                    switch try await hub.client.verifyCertificate(path: .init(code: "0000-0000-0000-0000")) {
                    case .ok: statuses.append("ok")
                    case .tooManyRequests: statuses.append("429")
                    default: statuses.append("other")
                    }
                }
            } catch {
                try await httpClient.shutdown()
                throw error
            }
            try await httpClient.shutdown()
            // The burst of 10, then 429s; one more token a minute, so a run slowed past a minute
            // (a loaded machine) may see one ok more per minute.
            let refills = Int((ContinuousClock.now - started).components.seconds / 60)
            #expect(Array(statuses.prefix(10)) == Array(repeating: "ok", count: 10), "\(statuses)")
            #expect(statuses.count { $0 == "ok" } <= 10 + refills && statuses.count { $0 == "429" } >= 5 - refills, "\(statuses)")
            #expect(statuses.allSatisfy { $0 != "other" }, "\(statuses)")
        } catch {
            await fixture.stop()
            throw error
        }
        await fixture.stop()
    }

    // MARK: Helpers

    /// A kiosk whose enrolled key also seals its certificates, as on a real kiosk.
    static func enrolledKioskWithCertificateKey(_ fixture: HubFixture) async throws
        -> (connection: HubConnection, deviceID: String, signer: Ed25519CertificateSigner) {
        let keyPath = "\(try TestEnvironment.temporaryDirectory("kiosk-key"))/device.key"
        let key = try KioskKey.loadOrCreate(at: keyPath)
        let signer = try Ed25519CertificateSigner(keyFile: keyPath)
        let enrollment = try await HubConnection(baseURL: fixture.hub.url).enroll(code: try await fixture.enrollmentCode(), key: key)
        let connection = try HubConnection(baseURL: fixture.hub.url, signer: KioskSigningMiddleware(key: key, deviceID: enrollment.deviceId))
        return (connection, enrollment.deviceId, signer)
    }

    /// 张三 of assets/cards (synthetic, valid check character).
    static func certificate(kioskID: String) -> InsuranceCertificate {
        InsuranceCertificate(
            serialNumber: "\(kioskID.prefix(8))-2026-000001", holderName: "张三", citizenID: try! CitizenID("330102198001011213"),
            records: [
                InsuranceRecord(type: .enterpriseEmployeePension, status: .contributing,
                                firstInsured: CalendarDate(year: 2001, month: 1, day: 1), currentInsuredSince: CalendarDate(year: 2001, month: 1, day: 1),
                                periods: [ContributionPeriod(from: YearMonth(year: 2001, month: 1), through: YearMonth(year: 2001, month: 12)),
                                          ContributionPeriod(from: YearMonth(year: 2002, month: 1), through: YearMonth(year: 2002, month: 12), months: 10)]),
                InsuranceRecord(type: .employeeMedical, status: .contributing,
                                firstInsured: CalendarDate(year: 2003, month: 5, day: 1), currentInsuredSince: CalendarDate(year: 2010, month: 7, day: 1),
                                periods: []),
            ],
            issuingOffice: "杭州市上城区社会保险服务中心", issuedAt: IssueTime(date: CalendarDate(year: 2026, month: 11, day: 23), hour: 9, minute: 30, second: 5),
            kioskID: kioskID, purpose: "办理居住证")
    }

    /// The outbox item a kiosk journals when a certificate comes out of the printer.
    static func printedItem(_ seq: Int64, _ issued: IssuedCertificate, code: String? = nil) throws -> Components.Schemas.TransactionItem {
        let payload: [String: any Sendable] = [
            "document": "参保证明",
            "verification_code": code ?? issued.seal.code.compact,
            "canonical_form": Data(issued.certificate.canonicalForm).base64EncodedString(),
            "signature": Data(issued.seal.signature).base64EncodedString(),
        ]
        return .init(seq: seq, wallTime: Batches.journalStart.addingTimeInterval(Double(seq)), bootId: Batches.bootID, monotonicNs: seq * 1_000,
                     kind: "certificate.printed", payload: .init(additionalProperties: try OpenAPIObjectContainer(unvalidatedValue: payload)))
    }

    static func verdict(_ output: Operations.VerifyCertificate.Output) throws -> Components.Schemas.CertificateVerdict {
        try output.ok.body.json
    }

    /// What a phone's browser gets: it asks for HTML first.
    static func html(_ url: String) async throws -> String {
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        #expect(response.headers.first(name: "Content-Type")?.hasPrefix("text/html") == true)
        return String(buffer: try await response.body.collect(upTo: 1 << 20))
    }
}

extension Data {
    var hexString: String { map { String(format: "%02x", $0) }.joined() }
}

struct CertifiedFactsTests {
    @Test func factsAreReadBackFromTheCanonicalFormWithNamesMasked() throws {
        let certificate = InsuranceCertificate(
            serialNumber: "K1-2026-000001", holderName: "欧阳䶮", citizenID: try CitizenID("330102198001011213"),
            records: [InsuranceRecord(type: .unemployment, status: .suspended,
                                      firstInsured: CalendarDate(year: 2001, month: 1, day: 1), currentInsuredSince: CalendarDate(year: 2001, month: 1, day: 1),
                                      periods: [ContributionPeriod(from: YearMonth(year: 2001, month: 1), through: YearMonth(year: 2001, month: 6),
                                                                   employer: "甲;乙\\联合\n公司")])],
            issuingOffice: "测试中心", issuedAt: IssueTime(date: CalendarDate(year: 2026, month: 11, day: 23), hour: 8, minute: 0, second: 0),
            kioskID: "K1", purpose: "用途=办理;居住证")
        let facts = try CertifiedFacts(canonicalForm: certificate.canonicalForm)
        #expect(facts.maskedHolderName == "欧**" && facts.maskedCitizenID == "330102********1213")
        #expect(facts.purpose == "用途=办理;居住证" && facts.kioskID == "K1")
        #expect(facts.insurance == [.init(type: "210", name: "失业保险", status: "暂停缴费", firstInsured: "2001-01-01", months: 6)])
    }

    @Test(arguments: ["", "zizhu-insurance-certificate-v2\nserial=1", "zizhu-insurance-certificate-v1\nserial", "zizhu-insurance-certificate-v1\nserial=a\\x"])
    func malformedCanonicalFormsAreRefused(text: String) {
        #expect(throws: CertifiedFacts.ReadError.self) { try CertifiedFacts(canonicalForm: Array(text.utf8)) }
    }
}
