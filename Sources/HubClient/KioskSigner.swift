import Crypto
import Foundation
import HTTPTypes
import HubSigning
import OpenAPIRuntime

/// A kiosk's Ed25519 identity key. The private half never leaves the kiosk: it lives in a file
/// readable by the kiosk's user only (mode 0600) under `storage.state_directory`.
public struct KioskKey: Sendable {
    let privateKey: Curve25519.Signing.PrivateKey

    /// A new random key.
    public init() { privateKey = Curve25519.Signing.PrivateKey() }

    /// The raw 32-byte public key, base64, as `POST /v1/enroll` takes it.
    public var publicKeyBase64: String { privateKey.publicKey.rawRepresentation.base64EncodedString() }

    /// Reads the key at `path`, or creates one there with mode 0600 if there is none.
    public static func loadOrCreate(at path: String) throws -> KioskKey {
        if let data = FileManager.default.contents(atPath: path) {
            return KioskKey(privateKey: try Curve25519.Signing.PrivateKey(rawRepresentation: data))
        }
        let key = KioskKey()
        guard FileManager.default.createFile(atPath: path, contents: key.privateKey.rawRepresentation,
                                             attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        return key
    }

    private init(privateKey: Curve25519.Signing.PrivateKey) { self.privateKey = privateKey }
}

/// Signs every request of an enrolled kiosk per RFC 9421 (see openapi.yaml's description):
/// `Content-Digest`, then `Signature-Input` and `Signature` over method, path, query and digest.
public struct KioskSigningMiddleware: ClientMiddleware {
    public let key: KioskKey
    public let deviceID: String
    /// The signer's clock; tests move it to produce stale signatures.
    public let now: @Sendable () -> Date

    public init(key: KioskKey, deviceID: String, now: @escaping @Sendable () -> Date = Date.init) {
        self.key = key
        self.deviceID = deviceID
        self.now = now
    }

    public func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var bytes = Data()
        if let body { bytes = try await Data(collecting: body, upTo: .max) }
        var request = request
        sign(&request, body: bytes, basePath: baseURL.path)
        return try await next(request, body == nil ? nil : HTTPBody(bytes), baseURL)
    }

    /// Adds the three signature headers to `request` for `body`.
    public func sign(_ request: inout HTTPRequest, body: Data, basePath: String = "", nonce: String? = nil) {
        let digest = ContentDigest.sha256Header(of: body)
        let prefix = basePath == "/" ? "" : basePath
        let components = SignedRequestComponents(method: request.method.rawValue, target: prefix + (request.path ?? "/"), contentDigest: digest)
        let parameters = SignatureParameters(created: Int64(now().timeIntervalSince1970.rounded()),
                                             nonce: nonce ?? Self.freshNonce(), keyID: deviceID)
        let base = MessageSignature.signatureBase(parameters, components)
        // Ed25519 signing of a byte string cannot fail for a valid key; the key type guarantees it.
        let signature = (try? key.privateKey.signature(for: Data(base.utf8))) ?? Data()
        request.headerFields[HTTPField.Name("Content-Digest")!] = digest
        request.headerFields[HTTPField.Name("Signature-Input")!] = MessageSignature.inputHeader(parameters)
        request.headerFields[HTTPField.Name("Signature")!] = MessageSignature.signatureHeader(signature)
    }

    private static func freshNonce() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
    }
}
