import Crypto
import Foundation
import HTTPTypes
import HubSigning
import HubStore
import Logging
import OpenAPIRuntime

/// The kiosk a request was verified as coming from, for the handler of that request.
enum AuthenticatedKiosk {
    @TaskLocal static var deviceID: String?
}

/// Bounds every body (413) and verifies the RFC 9421 signature of every kiosk operation (401).
///
/// Runs before the generated handlers, so a refused request never reaches a handler and changes
/// nothing; the only write for an accepted signature is its nonce, which makes a replay of the
/// same request fail.
struct KioskSignatureMiddleware: ServerMiddleware {
    /// Operations a kiosk may call without a signature: it has no key yet, or it is a probe.
    static let unsignedOperations: Set<String> = ["getHealth", "getMetrics", "enroll", "verifyCertificate"]

    let store: any HubStore
    let settings: HubServerSettings
    let metrics: HubMetrics
    let logger: Logger

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard let bytes = try await Self.collect(body, upTo: settings.maxBodyBytes) else {
            logger.notice("request refused", metadata: ["operation": "\(operationID)", "reason": "body_too_large"])
            return Self.problem(.contentTooLarge, "body_too_large",
                                "The request body exceeds \(settings.maxBodyBytes) bytes; send smaller batches.")
        }
        let replayableBody = body == nil ? nil : HTTPBody(bytes)
        if Self.unsignedOperations.contains(operationID) {
            return try await next(request, replayableBody, metadata)
        }
        switch await verify(request, bytes) {
        case .success(let deviceID):
            return try await AuthenticatedKiosk.$deviceID.withValue(deviceID) {
                try await next(request, replayableBody, metadata)
            }
        case .failure(let refusal):
            logger.notice("signature refused", metadata: ["operation": "\(operationID)", "reason": "\(refusal.reason)"])
            metrics.refused(refusal.reason)
            if case .storeUnavailable = refusal {
                return Self.problem(.serviceUnavailable, refusal.reason, refusal.message)
            }
            return Self.problem(.unauthorized, refusal.reason, refusal.message)
        }
    }

    /// Why a signature was refused; `reason` is the word in the 401 body.
    enum Refusal: Error {
        case missing(String), malformed(String), digestMismatch, unknownKiosk, revoked, badSignature
        case stale(skewSeconds: Int64), replayed, storeUnavailable

        static let allReasons = [
            "missing_signature", "malformed_signature", "content_digest_mismatch", "unknown_kiosk", "kiosk_revoked",
            "bad_signature", "stale_signature", "replayed_signature", "database_unavailable",
        ]

        var reason: String {
            switch self {
            case .missing: return "missing_signature"
            case .malformed: return "malformed_signature"
            case .digestMismatch: return "content_digest_mismatch"
            case .unknownKiosk: return "unknown_kiosk"
            case .revoked: return "kiosk_revoked"
            case .badSignature: return "bad_signature"
            case .stale: return "stale_signature"
            case .replayed: return "replayed_signature"
            case .storeUnavailable: return "database_unavailable"
            }
        }

        var message: String {
            switch self {
            case .missing(let header): return "The request has no \(header) header; kiosk requests must be signed (RFC 9421)."
            case .malformed(let detail): return "The signature headers cannot be used: \(detail)."
            case .digestMismatch: return "Content-Digest does not match the body (sha-256 required)."
            case .unknownKiosk: return "No kiosk is enrolled with this keyid; enroll with a code from the operator."
            case .revoked: return "This kiosk was revoked by an operator; it must be enrolled again."
            case .badSignature: return "The signature does not verify with the kiosk's enrolled key."
            case .stale(let skew): return "The signature's created time is \(skew) s away from the hub's clock; check the kiosk's clock (NTP)."
            case .replayed: return "This signature's nonce was already used; every request needs a fresh nonce."
            case .storeUnavailable: return "The hub's database is unavailable; retry later."
            }
        }
    }

    private func verify(_ request: HTTPRequest, _ body: Data) async -> Result<String, Refusal> {
        guard let inputHeader = request.headerFields[.signatureInput] else { return .failure(.missing("Signature-Input")) }
        guard let signatureHeader = request.headerFields[.signature] else { return .failure(.missing("Signature")) }
        guard let digestHeader = request.headerFields[.contentDigest] else { return .failure(.missing("Content-Digest")) }
        let parameters: SignatureParameters
        let signature: Data
        do {
            parameters = try MessageSignature.parseInput(inputHeader)
            signature = try MessageSignature.parseSignature(signatureHeader)
        } catch {
            switch error {
            case .malformed(let detail): return .failure(.malformed(detail))
            case .wrongComponents(let components):
                return .failure(.malformed("covered components must be \(MessageSignature.requiredComponents), not \(components)"))
            }
        }
        guard ContentDigest.matches(digestHeader, body: body) else { return .failure(.digestMismatch) }
        let now = Date()
        let skew = parameters.created - Int64(now.timeIntervalSince1970.rounded())
        guard abs(skew) <= settings.signatureWindow.components.seconds else { return .failure(.stale(skewSeconds: skew)) }
        do {
            guard let kiosk = try await store.kiosk(deviceID: parameters.keyID) else { return .failure(.unknownKiosk) }
            guard kiosk.revokedAt == nil else { return .failure(.revoked) }
            guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: kiosk.publicKey) else { return .failure(.badSignature) }
            let components = SignedRequestComponents(method: request.method.rawValue, target: request.path ?? "/", contentDigest: digestHeader)
            let base = MessageSignature.signatureBase(parameters, components)
            guard key.isValidSignature(signature, for: Data(base.utf8)) else { return .failure(.badSignature) }
            let window = Double(settings.signatureWindow.components.seconds)
            let recorded = try await store.recordNonce(
                deviceID: kiosk.deviceID, nonce: parameters.nonce,
                created: Date(timeIntervalSince1970: Double(parameters.created)),
                forgetBefore: now.addingTimeInterval(-2 * window))
            guard recorded else { return .failure(.replayed) }
            return .success(kiosk.deviceID)
        } catch {
            logger.error("signature check failed on the database", metadata: ["error": "\(error)"])
            return .failure(.storeUnavailable)
        }
    }

    /// The whole body, or `nil` if it exceeds `limit`. An oversized body is read on and discarded
    /// (up to 8 × `limit`) before the 413 goes out: a client still sending when the hub answered
    /// would otherwise see a broken connection instead of the clear message.
    static func collect(_ body: HTTPBody?, upTo limit: Int) async throws -> Data? {
        guard let body else { return Data() }
        var bytes = Data()
        var seen = 0
        for try await chunk in body {
            seen += chunk.count
            if seen <= limit {
                bytes.append(contentsOf: chunk)
            } else if seen > 8 * limit {
                break
            }
        }
        return seen <= limit ? bytes : nil
    }

    static func problem(_ status: HTTPResponse.Status, _ reason: String, _ message: String) -> (HTTPResponse, HTTPBody?) {
        var response = HTTPResponse(status: status)
        response.headerFields[.contentType] = "application/json; charset=utf-8"
        let encoded = (try? JSONEncoder().encode(["reason": reason, "message": message])) ?? Data()
        return (response, HTTPBody(encoded))
    }
}

extension HTTPField.Name {
    static let signatureInput = Self("Signature-Input")!
    static let signature = Self("Signature")!
    static let contentDigest = Self("Content-Digest")!
}
