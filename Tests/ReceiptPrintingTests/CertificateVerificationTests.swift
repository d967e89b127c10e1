import CertificateVerification
import Foundation
import KioskCore
import Testing

@Suite struct CertificateVerificationTests {
    static func verifier(_ records: [VerificationCode: RecordedCertificate], keys: [String: [UInt8]] = ["KX01": Fixtures.signer.publicKey]) -> CertificateVerifier {
        CertificateVerifier(lookUp: { records[$0] }, publicKey: { keys[$0] })
    }

    @Test func aGenuineCodeVerifiesAndShowsTheCertifiedFacts() {
        let issued = Fixtures.issued()
        let verifier = Self.verifier([issued.seal.code: RecordedCertificate(issued)])
        #expect(verifier.verify(typed: issued.seal.code.grouped) == .genuine(canonicalForm: issued.certificate.canonicalForm))
        let text = String(decoding: issued.certificate.canonicalForm, as: UTF8.self)
        #expect(text.contains("name=张三"))
        #expect(text.contains("period=110;2001.01;2001.12;12;杭州示例机械有限公司"))
    }

    @Test func theCodeIsSixteenCrockfordCharactersInGroupsOfFour() {
        let code = Fixtures.issued().seal.code
        #expect(code.compact.count == 16)
        #expect(code.grouped.split(separator: "-").map(\.count) == [4, 4, 4, 4])
        #expect(code.compact.allSatisfy { "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains($0) })
        #expect(code.verifyURL(hubBaseURL: "https://hub.example/") == "https://hub.example/verify/\(code.compact)")
    }

    @Test func typingSlipsAreForgiven() {
        let code = Fixtures.issued().seal.code
        let sloppy = code.grouped.lowercased().replacingOccurrences(of: "0", with: "o").replacingOccurrences(of: "1", with: "l")
        #expect(VerificationCode(typed: sloppy) == code)
        #expect(VerificationCode(typed: " " + code.compact.map(String.init).joined(separator: " ")) == code)
        #expect(VerificationCode(typed: String(code.compact.dropLast())) == nil)
        #expect(VerificationCode(typed: code.compact + "U") == nil)
    }

    @Test func aReprintKeepsItsCode() throws {
        let first = Fixtures.issued()
        let again = try IssuedCertificate.issue(Fixtures.certificate(), signer: Fixtures.signer)
        #expect(first == again)
        let another = Fixtures.issued(serial: "KX01-2026-000043")
        #expect(another.seal.code != first.seal.code)
    }

    @Test func tamperedUnknownAndMalformedCodesAreToldApartFromGenuineOnes() {
        let issued = Fixtures.issued()
        let code = issued.seal.code
        // Facts changed after signing (one more month of contributions).
        var forged = issued.certificate.canonicalForm
        let text = String(decoding: forged, as: UTF8.self).replacingOccurrences(of: ";2001.12;12;", with: ";2001.12;13;")
        forged = Array(text.utf8)
        let tampered = RecordedCertificate(canonicalForm: forged, signature: issued.seal.signature, kioskID: "KX01")
        #expect(Self.verifier([code: tampered]).verify(typed: code.compact) == .tampered(.badSignature))
        // A signature by a key that is not the kiosk's.
        let foreign = RecordedCertificate(try! IssuedCertificate.issue(issued.certificate, signer: Fixtures.otherSigner))
        #expect(Self.verifier([code: foreign]).verify(typed: code.compact) == .tampered(.badSignature))
        // A genuine record filed under another code.
        let other = Fixtures.issued(serial: "KX01-2026-000099")
        #expect(Self.verifier([code: RecordedCertificate(other)]).verify(typed: code.compact) == .tampered(.codeMismatch))
        // A kiosk the hub does not know.
        #expect(Self.verifier([code: RecordedCertificate(issued)], keys: [:]).verify(typed: code.compact) == .tampered(.unknownKiosk))
        // No such code; not a code at all.
        #expect(Self.verifier([:]).verify(typed: code.compact) == .unknownCode)
        #expect(Self.verifier([code: RecordedCertificate(issued)]).verify(typed: "1234-5678") == .malformedCode)
        #expect(Self.verifier([code: RecordedCertificate(issued)]).verify(typed: code.compact) == .genuine(canonicalForm: issued.certificate.canonicalForm))
    }

    @Test func aValueCannotForgeALineOfTheCanonicalForm() {
        let base = Fixtures.certificate()
        let sneaky = InsuranceCertificate(serialNumber: base.serialNumber, holderName: "张三\nid=110101199003070000", citizenID: base.citizenID,
                                          records: base.records, issuingOffice: base.issuingOffice, issuedAt: base.issuedAt,
                                          kioskID: base.kioskID, purpose: base.purpose)
        let lines = String(decoding: sneaky.canonicalForm, as: UTF8.self).split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("id=") }.count == 1)
    }

    @Test func issueTimeFromEpochIsBeijingTime() {
        // 2026-11-23T01:30:05Z is 09:30:05 in Beijing.
        #expect(IssueTime(secondsSinceEpoch: 1_795_397_405).description == "2026-11-23 09:30:05")
    }
}
