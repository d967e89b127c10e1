import Crypto
import Foundation

/// Signs certificate digests with the kiosk's device key (Ed25519).
///
/// The key is the one the kiosk enrolled with (`HubClient.KioskKey`, a 32-byte raw private key
/// in `storage.state_directory`, mode 0600): the hub already holds its public half, so it can
/// check a certificate without another key exchange.
public protocol CertificateSigner: Sendable {
    /// The Ed25519 signature of `message`. Ed25519 is deterministic: the same message always
    /// gets the same signature, which is why a reprint keeps its code.
    func signature(for message: [UInt8]) throws -> [UInt8]
}

/// An Ed25519 private key as a certificate signer.
public struct Ed25519CertificateSigner: CertificateSigner {
    private let key: Curve25519.Signing.PrivateKey

    public init(rawPrivateKey: [UInt8]) throws {
        key = try Curve25519.Signing.PrivateKey(rawRepresentation: rawPrivateKey)
    }

    /// Reads the kiosk's device key file, the same file `KioskKey.loadOrCreate(at:)` writes.
    public init(keyFile path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        try self.init(rawPrivateKey: Array(data))
    }

    /// The raw 32-byte public key, as the kiosk enrolled it.
    public var publicKey: [UInt8] { Array(key.publicKey.rawRepresentation) }

    public func signature(for message: [UInt8]) throws -> [UInt8] {
        Array(try key.signature(for: message))
    }
}

/// What makes a printed certificate checkable: its digest, the kiosk's signature of that digest,
/// and the short code derived from the signature.
public struct CertificateSeal: Hashable, Sendable {
    /// SHA-256 of the certificate's ``InsuranceCertificate/canonicalForm``.
    public let digest: [UInt8]
    /// Ed25519 over ``signedMessage(digest:)``, 64 bytes.
    public let signature: [UInt8]
    public let code: VerificationCode

    public init(digest: [UInt8], signature: [UInt8], code: VerificationCode) {
        self.digest = digest
        self.signature = signature
        self.code = code
    }

    /// Domain-separated message: a signature made for another purpose with the same device key
    /// (an RFC 9421 request signature) can never pass as a certificate's.
    public static func signedMessage(digest: [UInt8]) -> [UInt8] {
        Array("zizhu certificate digest v1\n".utf8) + digest
    }

    /// The code: the first 80 bits of SHA-256 over a label and the signature. Anyone can compute it
    /// from a signature, but only the kiosk's key can make a signature that verifies.
    public static func code(forSignature signature: [UInt8]) -> VerificationCode {
        let hash = SHA256.hash(data: Array("zizhu verification code v1\n".utf8) + signature)
        return VerificationCode(bits: Array(hash.prefix(10)))
    }

    public static func digest(of certificate: InsuranceCertificate) -> [UInt8] {
        Array(SHA256.hash(data: certificate.canonicalForm))
    }
}

/// A certificate with its seal: what the kiosk prints, journals and, on a reprint, prints again
/// unchanged (same facts, same issue time, same code).
public struct IssuedCertificate: Hashable, Sendable {
    public let certificate: InsuranceCertificate
    public let seal: CertificateSeal

    /// Seals `certificate` with the kiosk's key.
    public static func issue(_ certificate: InsuranceCertificate, signer: any CertificateSigner) throws -> IssuedCertificate {
        let digest = CertificateSeal.digest(of: certificate)
        let signature = try signer.signature(for: CertificateSeal.signedMessage(digest: digest))
        return IssuedCertificate(certificate: certificate,
                                 seal: CertificateSeal(digest: digest, signature: signature, code: CertificateSeal.code(forSignature: signature)))
    }

    public init(certificate: InsuranceCertificate, seal: CertificateSeal) {
        self.certificate = certificate
        self.seal = seal
    }
}

/// What the hub knows about an issued certificate: the canonical bytes and signature the kiosk
/// journaled, and which kiosk issued it.
public struct RecordedCertificate: Sendable {
    public let canonicalForm: [UInt8]
    public let signature: [UInt8]
    public let kioskID: String

    public init(canonicalForm: [UInt8], signature: [UInt8], kioskID: String) {
        self.canonicalForm = canonicalForm
        self.signature = signature
        self.kioskID = kioskID
    }

    public init(_ issued: IssuedCertificate) {
        self.init(canonicalForm: issued.certificate.canonicalForm, signature: issued.seal.signature, kioskID: issued.certificate.kioskID)
    }
}

/// The answer to "is this certificate genuine?", as the verify page shows it.
public enum VerificationResult: Equatable, Sendable {
    /// The code belongs to a certificate this kiosk signed, and nothing in it was changed.
    case genuine(canonicalForm: [UInt8])
    /// The text typed is not a code at all (wrong length or characters): ask to check the typing.
    case malformedCode
    /// No certificate carries this code: a typo, or a forged slip.
    case unknownCode
    /// A record exists but does not verify: its facts, signature or code were altered, or the
    /// issuing kiosk is unknown or its key does not match. Never shown as genuine.
    case tampered(TamperEvidence)

    public enum TamperEvidence: Equatable, Sendable {
        case unknownKiosk
        case badSignature
        case codeMismatch
    }
}

/// Checks a typed code against the recorded certificates (the hub's side).
public struct CertificateVerifier: Sendable {
    /// Finds the recorded certificate for a code, if any.
    public let lookUp: @Sendable (VerificationCode) -> RecordedCertificate?
    /// The raw Ed25519 public key a kiosk enrolled with, if the kiosk is known.
    public let publicKey: @Sendable (String) -> [UInt8]?

    public init(lookUp: @escaping @Sendable (VerificationCode) -> RecordedCertificate?,
                publicKey: @escaping @Sendable (String) -> [UInt8]?) {
        self.lookUp = lookUp
        self.publicKey = publicKey
    }

    public func verify(typed text: String) -> VerificationResult {
        guard let code = VerificationCode(typed: text) else { return .malformedCode }
        guard let record = lookUp(code) else { return .unknownCode }
        return Self.verify(code: code, record: record, publicKey: publicKey(record.kioskID))
    }

    /// Verifies one record against the code it was found under.
    public static func verify(code: VerificationCode, record: RecordedCertificate, publicKey: [UInt8]?) -> VerificationResult {
        guard let publicKey, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else {
            return .tampered(.unknownKiosk)
        }
        let digest = Array(SHA256.hash(data: record.canonicalForm))
        guard key.isValidSignature(record.signature, for: CertificateSeal.signedMessage(digest: digest)) else {
            return .tampered(.badSignature)
        }
        guard CertificateSeal.code(forSignature: record.signature) == code else { return .tampered(.codeMismatch) }
        return .genuine(canonicalForm: record.canonicalForm)
    }
}
