import Crypto
import Foundation

/// Seals personal data for the journal file with AES-256-GCM under the device key.
///
/// A business transaction's payload keeps its shape: each personal field's value (anywhere in the
/// JSON object, at any depth) is replaced by `{"$sealed": "v1:<base64 nonce‖ciphertext‖tag>"}`,
/// its own nonce per field. The associated data names the journal seq and the field, so a sealed
/// value copied to another row or field does not open. Reading the row for the hub puts the
/// plaintext back; the file, its WAL and any backup of it hold only ciphertext.
///
/// What stays visible (inference from the threat: a stolen or copied journal file): kinds, times,
/// counts and every non-personal field. Full-disk encryption (LUKS) covers the rest.
struct PersonalDataSealer: Sendable {
    let key: SymmetricKey

    /// Payload keys whose values are personal data: citizen ID numbers, names, phone numbers, card
    /// numbers, and a certificate's canonical form (it holds the holder's name and ID).
    static let personalFieldNames: Set<String> = [
        "citizen_id", "citizen_name", "name", "holder_name", "phone", "card_number", "canonical_form",
    ]
    static let marker = "$sealed"
    static let version = "v1:"

    /// A value that shows which key sealed the data without revealing it (HMAC of a constant).
    var keyCheck: String {
        let code = HMAC<SHA256>.authenticationCode(for: Data("zizhu journal device key check v1".utf8), using: key)
        return code.map { String(format: "%02x", $0) }.joined()
    }

    func seal(_ plaintext: Data, context: String) -> String {
        // AES.GCM.seal only fails for a key of the wrong size, and the key is always 256-bit.
        guard let box = try? AES.GCM.seal(plaintext, using: key, authenticating: Data(context.utf8)), let combined = box.combined else {
            preconditionFailure("AES-GCM sealing with a 256-bit key cannot fail")
        }
        return Self.version + combined.base64EncodedString()
    }

    func open(_ sealed: String, context: String) -> Data? {
        guard sealed.hasPrefix(Self.version), let combined = Data(base64Encoded: String(sealed.dropFirst(Self.version.count))),
              let box = try? AES.GCM.SealedBox(combined: combined)
        else { return nil }
        return try? AES.GCM.open(box, using: key, authenticating: Data(context.utf8))
    }

    static func fieldContext(seq: Int64, field: String) -> String { fieldContext(scope: "\(seq)", field: field) }

    /// The associated data of a field sealed outside a business row: `scope` names its row (a
    /// print intent is `intent:<serial>`), so it does not open in any other row or field.
    static func fieldContext(scope: String, field: String) -> String { "zizhu.journal.v1|\(scope)|\(field)" }

    /// Cheap test on the raw text: can this payload hold a personal field at all?
    static func mayHoldPersonalFields(_ json: String) -> Bool {
        personalFieldNames.contains { json.contains("\"\($0)\"") } || json.contains("\"\(marker)\"")
    }

    /// The payload with every personal field sealed, as sorted-key JSON; `nil` when it has none
    /// (then the caller stores its text unchanged).
    func sealPersonalFields(_ object: [String: Any], seq: Int64, kind: String) throws(JournalError) -> String? {
        try sealPersonalFields(object, scope: "\(seq)", kind: kind)
    }

    /// Like ``sealPersonalFields(_:seq:kind:)`` for a row named by `scope` instead of a seq.
    func sealPersonalFields(_ object: [String: Any], scope: String, kind: String) throws(JournalError) -> String? {
        var sealedAny = false
        func walk(_ value: Any) throws(JournalError) -> Any {
            if let dictionary = value as? [String: Any] {
                var copy: [String: Any] = [:]
                for (name, inner) in dictionary {
                    if name == Self.marker { throw .payloadUsesReservedKey(kind: kind) }
                    if Self.personalFieldNames.contains(name), !(inner is NSNull) {
                        guard let plain = try? JSONSerialization.data(withJSONObject: inner, options: [.fragmentsAllowed, .sortedKeys]) else {
                            throw .payloadIsNotAJSONObject(kind: kind)
                        }
                        copy[name] = [Self.marker: seal(plain, context: Self.fieldContext(scope: scope, field: name))]
                        sealedAny = true
                    } else {
                        copy[name] = try walk(inner)
                    }
                }
                return copy
            }
            if let array = value as? [Any] {
                var copy: [Any] = []
                for inner in array { copy.append(try walk(inner)) }
                return copy
            }
            return value
        }
        let sealed = try walk(object)
        guard sealedAny else { return nil }
        guard let data = try? JSONSerialization.data(withJSONObject: sealed, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            throw .payloadIsNotAJSONObject(kind: kind)
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The stored payload with sealed fields opened, and `extra` keys added; the text unchanged
    /// when there is nothing to open or add.
    func openPersonalFields(_ json: String, seq: Int64, extra: [String: Any] = [:]) throws(JournalError) -> String {
        try openPersonalFields(json, scope: "\(seq)", seq: seq, extra: extra)
    }

    /// Like ``openPersonalFields(_:seq:extra:)`` for a row named by `scope`; `seq` is what an
    /// error reports (0 for a row that is not a business transaction).
    func openPersonalFields(_ json: String, scope: String, seq: Int64, extra: [String: Any] = [:]) throws(JournalError) -> String {
        guard json.contains("\"\(Self.marker)\"") || !extra.isEmpty else { return json }
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else {
            throw .personalDataUnreadable(seq: seq)
        }
        func walk(_ value: Any, field: String?) throws(JournalError) -> Any {
            if let dictionary = value as? [String: Any] {
                if dictionary.count == 1, let sealed = dictionary[Self.marker] as? String, let field {
                    guard let plain = open(sealed, context: Self.fieldContext(scope: scope, field: field)),
                          let inner = try? JSONSerialization.jsonObject(with: plain, options: [.fragmentsAllowed])
                    else { throw .personalDataUnreadable(seq: seq) }
                    return inner
                }
                var copy: [String: Any] = [:]
                for (name, inner) in dictionary { copy[name] = try walk(inner, field: name) }
                return copy
            }
            if let array = value as? [Any] {
                var copy: [Any] = []
                for inner in array { copy.append(try walk(inner, field: nil)) }
                return copy
            }
            return value
        }
        guard var opened = try walk(object, field: nil) as? [String: Any] else { throw .personalDataUnreadable(seq: seq) }
        for (name, value) in extra { opened[name] = value }
        guard let data = try? JSONSerialization.data(withJSONObject: opened, options: [.sortedKeys, .withoutEscapingSlashes]) else {
            throw .personalDataUnreadable(seq: seq)
        }
        return String(decoding: data, as: UTF8.self)
    }
}
