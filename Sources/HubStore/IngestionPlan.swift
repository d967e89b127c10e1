import CertificateVerification
import Foundation

/// What one batch does to the store, decided without I/O from what the store already holds.
/// Both engines read the same facts, call this, and write its `newRows`; so they cannot differ in
/// what counts as a duplicate, a rejection or a gap.
struct IngestionPlan {
    struct NewRow {
        var item: IncomingTransaction
        var rejection: TransactionRejection?
        var clockSkewFlagged: Bool
    }

    /// Items to insert, each seq once.
    var newRows: [NewRow] = []
    /// Certificates to register, from the accepted new `certificate.printed` items.
    var newCertificates: [(seq: Int64, certificate: CertificateRegistration)] = []
    /// Service items to apply (reviews, offline bookings, ratings), from the accepted new items.
    var newServiceItems: [(seq: Int64, item: ServiceItem)] = []
    var result = IngestionResult()
    /// The highest seq stored after this batch.
    var highestSeq: Int64 = 0

    /// An item the store already holds: its outcome and what it said.
    struct StoredItem {
        /// `nil` = accepted, else the rejection.
        var rejection: TransactionRejection?
        var fingerprint: ContentFingerprint
    }

    /// What identifies an item's content; a redelivery must match it.
    struct ContentFingerprint: Equatable {
        var kind: String
        var wallTimeMilliseconds: Int64
        var bootID: String
        var monotonicNanoseconds: Int64
        var payloadJSON: String

        init(kind: String, wallTimeMilliseconds: Int64, bootID: String, monotonicNanoseconds: Int64, payloadJSON: String) {
            self.kind = kind
            self.wallTimeMilliseconds = wallTimeMilliseconds
            self.bootID = bootID
            self.monotonicNanoseconds = monotonicNanoseconds
            self.payloadJSON = payloadJSON
        }

        init(_ item: IncomingTransaction) {
            self.init(kind: item.kind, wallTimeMilliseconds: item.wallTime.storedMilliseconds, bootID: item.bootID,
                      monotonicNanoseconds: item.monotonicNanoseconds, payloadJSON: item.payloadJSON)
        }
    }

    /// - Parameters:
    ///   - items: the batch, in the order the kiosk sent it.
    ///   - stored: items already stored for seqs of this batch or above `contiguousThrough`.
    ///   - contiguousThrough: the kiosk's stored high-water mark before this batch.
    init(items: [IncomingTransaction], stored: [Int64: StoredItem], contiguousThrough: Int64,
         limits: IngestionLimits, now: Date) {
        var outcomes = stored
        let skewLimit = now.addingTimeInterval(Double(limits.clockSkewTolerance.components.seconds))
        for original in items {
            // A qualification's frames never reach the transactions table: they are parsed here,
            // sealed into the review queue, and the stored payload keeps only their digest.
            var item = original
            var serviceReading = ServiceItem.Reading.notService
            if ServiceItem.kinds.contains(item.kind), outcomes[item.seq] == nil {
                serviceReading = ServiceItem.read(kind: item.kind, payloadJSON: item.payloadJSON)
            }
            if item.kind == ServiceItem.qualificationKind { item.payloadJSON = ServiceItem.strippingEvidence(item.payloadJSON) }
            let outcome: TransactionRejection?
            if let previous = outcomes[item.seq] {
                result.duplicates.append(item.seq)
                if previous.fingerprint != ContentFingerprint(item) { result.conflicts.append(item.seq) }
                outcome = previous.rejection
            } else {
                outcome = Self.validate(original, limits, serviceReading)
                if outcome == nil, case .item(let service) = serviceReading {
                    newServiceItems.append((item.seq, service))
                }
                if outcome == nil, item.kind == CertificateRegistration.kind,
                   case .registration(let registration) = CertificateRegistration.read(payloadJSON: item.payloadJSON) {
                    newCertificates.append((item.seq, registration))
                }
                let flagged = item.wallTime > skewLimit
                if flagged { result.clockSkewFlagged.append(item.seq) }
                newRows.append(NewRow(item: item, rejection: outcome, clockSkewFlagged: flagged))
                outcomes[item.seq] = StoredItem(rejection: outcome, fingerprint: ContentFingerprint(item))
            }
            if let reason = outcome {
                result.rejected.append(.init(seq: item.seq, reason: reason))
            } else {
                result.accepted.append(item.seq)
            }
        }
        // Rejected items consume their seq too: the kiosk parks them, it does not resend them.
        let above = Set(outcomes.keys.filter { $0 > contiguousThrough })
        var through = contiguousThrough
        while above.contains(through + 1) { through += 1 }
        result.contiguousThrough = through
        highestSeq = max(through, above.max() ?? 0)
        var missingFrom: Int64?
        if let highest = above.max(), highest > through {
            for seq in (through + 1)...highest {
                if above.contains(seq) {
                    if let first = missingFrom { result.gaps.append(first...(seq - 1)); missingFrom = nil }
                } else if missingFrom == nil {
                    missingFrom = seq
                }
            }
        }
    }


    private static func validate(_ item: IncomingTransaction, _ limits: IngestionLimits, _ service: ServiceItem.Reading) -> TransactionRejection? {
        if !isValidKind(item.kind) { return .invalidKind }
        let limit = item.kind == ServiceItem.qualificationKind ? limits.maxEvidencePayloadBytes : limits.maxPayloadBytes
        if item.payloadJSON.utf8.count > limit { return .payloadTooLarge }
        if case .invalid = service { return .invalidServiceItem }
        if item.kind == CertificateRegistration.kind, case .invalid = CertificateRegistration.read(payloadJSON: item.payloadJSON) {
            return .invalidCertificate
        }
        return nil
    }

    /// `certificate.printed`, `pension.qualification_check`: lower-case words joined by dots.
    static func isValidKind(_ kind: String) -> Bool {
        guard (1...64).contains(kind.utf8.count), let first = kind.utf8.first, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first) else {
            return false
        }
        return kind.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
        }
    }
}

/// The registry part of a `certificate.printed` item's payload:
/// `{"verification_code": "7KQ2M9XD4TRW0B3F", "canonical_form": "<base64>", "signature": "<base64>"}`
/// (other keys, such as the service facts, may sit beside them).
///
/// Checked here: the pieces decode, and the code is the one the signature yields. Whether the
/// signature verifies with the kiosk's key is checked whenever someone verifies the code, so a
/// record altered in the database later still shows as tampered.
struct CertificateRegistration: Equatable {
    static let kind = "certificate.printed"

    let code: VerificationCode
    let canonicalForm: Data
    let signature: Data

    enum Invalid: Error { case shape, code, canonicalForm, signature, codeMismatch }

    enum Reading { case absent, registration(CertificateRegistration), invalid(Invalid) }

    /// A payload with none of the three keys registers nothing (a record of the service only);
    /// one with any of them must carry all three, well formed, or the item is rejected.
    static func read(payloadJSON: String) -> Reading {
        struct Keys: Decodable {
            let verification_code: String?
            let canonical_form: String?
            let signature: String?
        }
        guard let keys = try? JSONDecoder().decode(Keys.self, from: Data(payloadJSON.utf8)) else { return .invalid(.shape) }
        guard keys.verification_code != nil || keys.canonical_form != nil || keys.signature != nil else { return .absent }
        do {
            return .registration(try CertificateRegistration(payloadJSON: payloadJSON))
        } catch {
            return .invalid(error)
        }
    }

    init(payloadJSON: String) throws(Invalid) {
        struct Payload: Decodable {
            let verification_code: String
            let canonical_form: String
            let signature: String
        }
        guard let payload = try? JSONDecoder().decode(Payload.self, from: Data(payloadJSON.utf8)) else { throw .shape }
        guard let code = VerificationCode(typed: payload.verification_code) else { throw .code }
        guard let canonical = Data(base64Encoded: payload.canonical_form), !canonical.isEmpty else { throw .canonicalForm }
        guard let signature = Data(base64Encoded: payload.signature), signature.count == 64 else { throw .signature }
        guard CertificateSeal.code(forSignature: Array(signature)) == code else { throw .codeMismatch }
        self.code = code
        self.canonicalForm = canonical
        self.signature = signature
    }
}
