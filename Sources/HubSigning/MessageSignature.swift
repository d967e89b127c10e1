import Crypto
import Foundation
import RawStructuredFieldValues

/// RFC 9530 `Content-Digest` with SHA-256, the one digest the hub accepts.
public enum ContentDigest {
    /// The header value for `body`: `sha-256=:<base64>:`.
    public static func sha256Header(of body: some DataProtocol) -> String {
        "sha-256=:\(Data(SHA256.hash(data: body)).base64EncodedString()):"
    }

    /// Whether `header` carries a SHA-256 digest equal to that of `body`. Other algorithms in the
    /// same header are ignored; a header without `sha-256` never matches.
    public static func matches(_ header: String, body: some DataProtocol) -> Bool {
        var parser = StructuredFieldValueParser(Array(header.utf8))
        guard let dictionary = try? parser.parseDictionaryFieldValue(),
              case .item(let item)? = dictionary["sha-256"],
              case .undecodedByteSequence(let base64) = item.rfc9651BareItem,
              let claimed = Data(base64Encoded: base64) else { return false }
        return claimed == Data(SHA256.hash(data: body))
    }
}

/// The parameters of one RFC 9421 signature, as carried in `Signature-Input`.
public struct SignatureParameters: Sendable, Equatable {
    /// Covered components in order, e.g. `@method`, `@path`, `@query`, `content-digest`.
    public var components: [String]
    /// When the signature was made, seconds since the Unix epoch (the signer's clock).
    public var created: Int64
    /// A fresh random value per request, so a captured request cannot be replayed.
    public var nonce: String
    /// The device ID the hub gave this kiosk at enrollment.
    public var keyID: String
    /// Always `ed25519`.
    public var algorithm: String

    public init(components: [String] = MessageSignature.requiredComponents, created: Int64, nonce: String, keyID: String,
                algorithm: String = MessageSignature.algorithm) {
        self.components = components
        self.created = created
        self.nonce = nonce
        self.keyID = keyID
        self.algorithm = algorithm
    }
}

/// The values of the covered components of one request.
public struct SignedRequestComponents: Sendable, Equatable {
    /// `@method`, upper case.
    public var method: String
    /// `@path`: the target URI's path, without the query.
    public var path: String
    /// `@query`: `?` followed by the query, or just `?` if there is none (RFC 9421 §2.2.7).
    public var query: String
    /// The `Content-Digest` header as sent.
    public var contentDigest: String

    public init(method: String, path: String, query: String, contentDigest: String) {
        self.method = method
        self.path = path
        self.query = query
        self.contentDigest = contentDigest
    }

    /// Splits a request target (`/v1/updates?after=3`) into `@path` and `@query`.
    public init(method: String, target: String, contentDigest: String) {
        if let mark = target.firstIndex(of: "?") {
            self.init(method: method, path: String(target[..<mark]), query: String(target[mark...]), contentDigest: contentDigest)
        } else {
            self.init(method: method, path: target, query: "?", contentDigest: contentDigest)
        }
    }
}

/// Why a `Signature-Input` or `Signature` header could not be used.
public enum SignatureHeaderError: Error, Equatable, Sendable {
    /// Not a structured-field dictionary, or no member with the kiosk label.
    case malformed(String)
    /// A component the hub requires is not covered, or one it does not know is.
    case wrongComponents([String])
}

/// HTTP Message Signatures (RFC 9421) as Zizhu kiosks use them: one signature labelled `kiosk`,
/// Ed25519 (`alg="ed25519"`, RFC 9421 §3.3.6), covering `@method`, `@path`, `@query` and
/// `content-digest`, with `created`, `nonce` and `keyid` (the device ID) as parameters.
public enum MessageSignature {
    /// The dictionary key of the kiosk's signature in `Signature-Input` and `Signature`.
    public static let label = "kiosk"
    public static let algorithm = "ed25519"
    /// Exactly these components are covered, in this order; the hub refuses any other set so a
    /// signature can never leave the body or the target out.
    public static let requiredComponents = ["@method", "@path", "@query", "content-digest"]

    /// The `Signature-Input` header value.
    public static func inputHeader(_ parameters: SignatureParameters) -> String {
        var dictionary = OrderedMap<String, ItemOrInnerList>()
        dictionary[label] = .innerList(innerList(parameters))
        var serializer = StructuredFieldValueSerializer()
        // Serialising values we built ourselves from plain strings and integers cannot fail
        // unless a component name or nonce holds characters a structured string cannot; those
        // are ours and ASCII, so the fallback is never taken.
        return (try? serializer.writeDictionaryFieldValue(dictionary)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// The `Signature` header value for a signature's bytes.
    public static func signatureHeader(_ signature: some DataProtocol) -> String {
        "\(label)=:\(Data(signature).base64EncodedString()):"
    }

    /// The signature base (RFC 9421 §2.5) that is signed and verified.
    public static func signatureBase(_ parameters: SignatureParameters, _ values: SignedRequestComponents) -> String {
        var lines: [String] = []
        for component in parameters.components {
            let value: String
            switch component {
            case "@method": value = values.method
            case "@path": value = values.path
            case "@query": value = values.query
            case "content-digest": value = values.contentDigest
            default: value = ""
            }
            lines.append("\"\(component)\": \(value)")
        }
        lines.append("\"@signature-params\": \(serializedParameters(parameters))")
        return lines.joined(separator: "\n")
    }

    /// Reads the kiosk's entry of a `Signature-Input` header.
    public static func parseInput(_ header: String) throws(SignatureHeaderError) -> SignatureParameters {
        var parser = StructuredFieldValueParser(Array(header.utf8))
        guard let dictionary = try? parser.parseDictionaryFieldValue() else { throw .malformed("Signature-Input is not a structured dictionary") }
        guard case .innerList(let list)? = dictionary[label] else { throw .malformed("Signature-Input has no \"\(label)\" inner list") }
        var components: [String] = []
        for item in list.bareInnerList {
            guard case .string(let name) = item.rfc9651BareItem, item.rfc9651Parameters.isEmpty else {
                throw .malformed("covered components must be plain strings")
            }
            components.append(name)
        }
        guard components == requiredComponents else { throw .wrongComponents(components) }
        let parameters = list.rfc9651Parameters
        guard case .integer(let created)? = parameters["created"] else { throw .malformed("created is missing or not an integer") }
        guard case .string(let nonce)? = parameters["nonce"], !nonce.isEmpty else { throw .malformed("nonce is missing") }
        guard case .string(let keyID)? = parameters["keyid"], !keyID.isEmpty else { throw .malformed("keyid is missing") }
        guard case .string(let algorithm)? = parameters["alg"], algorithm == self.algorithm else {
            throw .malformed("alg must be \"\(self.algorithm)\"")
        }
        return SignatureParameters(components: components, created: created, nonce: nonce, keyID: keyID, algorithm: algorithm)
    }

    /// Reads the kiosk's signature bytes from a `Signature` header.
    public static func parseSignature(_ header: String) throws(SignatureHeaderError) -> Data {
        var parser = StructuredFieldValueParser(Array(header.utf8))
        guard let dictionary = try? parser.parseDictionaryFieldValue(),
              case .item(let item)? = dictionary[label],
              case .undecodedByteSequence(let base64) = item.rfc9651BareItem,
              let signature = Data(base64Encoded: base64) else {
            throw .malformed("Signature has no \"\(label)\" byte sequence")
        }
        return signature
    }

    private static func innerList(_ parameters: SignatureParameters) -> InnerList {
        var items = BareInnerList()
        for component in parameters.components {
            items.append(Item(bareItem: RFC9651BareItem.string(component), parameters: OrderedMap<String, RFC9651BareItem>()))
        }
        var params = OrderedMap<String, RFC9651BareItem>()
        params["created"] = .integer(parameters.created)
        params["nonce"] = .string(parameters.nonce)
        params["keyid"] = .string(parameters.keyID)
        params["alg"] = .string(parameters.algorithm)
        return InnerList(bareInnerList: items, parameters: params)
    }

    /// The inner list as it appears after `"@signature-params": `; both sides serialise the
    /// parsed parameters the same way, so the base does not depend on the sender's spacing.
    private static func serializedParameters(_ parameters: SignatureParameters) -> String {
        var serializer = StructuredFieldValueSerializer()
        let bytes = (try? serializer.writeListFieldValue([.innerList(innerList(parameters))])) ?? []
        return String(decoding: bytes, as: UTF8.self)
    }
}
