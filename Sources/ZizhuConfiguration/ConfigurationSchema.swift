import Foundation

/// The keys one kind of configuration accepts, how each is parsed, and what each means.
///
/// A schema turns a ``ConfigurationDocument`` into a typed value: unknown keys and bad values are
/// errors that name the file and line, the key, and what is allowed; a missing key keeps its default.
public struct ConfigurationSchema<Settings: Sendable>: Sendable {
    public struct Key: Sendable {
        public let name: String
        /// One line for the documentation and for `zizhuctl config keys`.
        public let summary: String
        /// What a valid value looks like, used in errors and in the documentation.
        public let allowed: String
        /// The default, as it would be written in the file.
        public let defaultText: String
        let apply: @Sendable (inout Settings, ConfigurationDocument.Entry) throws(ConfigurationError) -> Void
    }

    public let keys: [Key]

    /// Every key with its environment variable, summary, default and what it accepts: what
    /// `zizhuctl config keys` prints and docs/configuration.md holds.
    public func reference() -> String {
        keys.map { key in
            """
            \(key.name) (env \(ConfigurationDocument.environmentVariable(for: key.name)))
                \(key.summary)
                default: \(key.defaultText.isEmpty ? "(none)" : key.defaultText); allowed: \(key.allowed)

            """
        }.joined()
    }

    public init(keys: [Key]) {
        self.keys = keys
    }

    /// Builds settings from defaults, then the document.
    public func settings(from document: ConfigurationDocument, defaults: Settings) throws(ConfigurationError) -> Settings {
        let byName = Dictionary(uniqueKeysWithValues: keys.map { ($0.name, $0) })
        var settings = defaults
        for name in document.entries.keys.sorted() {
            let entry = document.entries[name]!
            guard let key = byName[name] else {
                throw ConfigurationError(origin: entry.origin.description, key: name, problem: "is not a known key",
                                         allowed: keys.map(\.name).joined(separator: ", "))
            }
            try key.apply(&settings, entry)
        }
        return settings
    }
}

extension ConfigurationSchema.Key {
    private static func invalid(_ entry: ConfigurationDocument.Entry, _ name: String, _ allowed: String) -> ConfigurationError {
        ConfigurationError(origin: entry.origin.description, key: name, problem: "\"\(entry.text)\" is not allowed", allowed: allowed)
    }

    /// Free text, not empty.
    public static func text(_ name: String, _ path: any WritableKeyPath<Settings, String> & Sendable, default defaultText: String,
                            summary: String) -> Self {
        let allowed = "non-empty text"
        return Self(name: name, summary: summary, allowed: allowed, defaultText: defaultText) { settings, entry throws(ConfigurationError) in
            let value = entry.text.trimmingCharacters(in: .whitespaces)
            guard !value.isEmpty else { throw invalid(entry, name, allowed) }
            settings[keyPath: path] = value
        }
    }

    /// Optional free text; an empty value means "not set".
    public static func optionalText(_ name: String, _ path: any WritableKeyPath<Settings, String?> & Sendable, summary: String) -> Self {
        Self(name: name, summary: summary, allowed: "text, or empty for none", defaultText: "") { settings, entry throws(ConfigurationError) in
            let value = entry.text.trimmingCharacters(in: .whitespaces)
            settings[keyPath: path] = value.isEmpty ? nil : value
        }
    }

    /// An `http://` or `https://` URL with a host.
    public static func httpURL(_ name: String, _ path: any WritableKeyPath<Settings, String> & Sendable, default defaultText: String,
                               summary: String) -> Self {
        let allowed = "an http:// or https:// URL with a host, e.g. https://hub.example.gov.cn"
        return Self(name: name, summary: summary, allowed: allowed, defaultText: defaultText) { settings, entry throws(ConfigurationError) in
            let value = entry.text.trimmingCharacters(in: .whitespaces)
            let lower = value.lowercased()
            let rest: Substring
            if lower.hasPrefix("http://") { rest = value.dropFirst(7) } else if lower.hasPrefix("https://") { rest = value.dropFirst(8) } else {
                throw invalid(entry, name, allowed)
            }
            let host = rest.prefix { $0 != "/" && $0 != ":" && $0 != "?" }
            guard !host.isEmpty, !value.contains(" ") else { throw invalid(entry, name, allowed) }
            settings[keyPath: path] = value.hasSuffix("/") ? String(value.dropLast()) : value
        }
    }

    /// A TCP port, 1–65535.
    public static func port(_ name: String, _ path: any WritableKeyPath<Settings, Int> & Sendable, default defaultValue: Int,
                            summary: String) -> Self {
        integer(name, path, range: 1...65535, default: defaultValue, summary: summary)
    }

    /// A whole number within a range.
    public static func integer(_ name: String, _ path: any WritableKeyPath<Settings, Int> & Sendable, range: ClosedRange<Int>,
                               default defaultValue: Int, summary: String) -> Self {
        let allowed = "a whole number from \(range.lowerBound) to \(range.upperBound)"
        return Self(name: name, summary: summary, allowed: allowed, defaultText: String(defaultValue)) { settings, entry throws(ConfigurationError) in
            guard let value = Int(entry.text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
                throw invalid(entry, name, allowed)
            }
            settings[keyPath: path] = value
        }
    }

    /// One of a fixed set of words.
    public static func choice<Value: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, _ path: any WritableKeyPath<Settings, Value> & Sendable, default defaultValue: Value, summary: String
    ) -> Self where Value.RawValue == String {
        let allowed = "one of " + Value.allCases.map(\.rawValue).joined(separator: ", ")
        return Self(name: name, summary: summary, allowed: allowed, defaultText: defaultValue.rawValue) { settings, entry throws(ConfigurationError) in
            guard let value = Value(rawValue: entry.text.trimmingCharacters(in: .whitespaces).lowercased()) else {
                throw invalid(entry, name, allowed)
            }
            settings[keyPath: path] = value
        }
    }

    /// `true` or `false` (YAML's `yes`/`no`/`on`/`off` too).
    public static func flag(_ name: String, _ path: any WritableKeyPath<Settings, Bool> & Sendable, default defaultValue: Bool,
                            summary: String) -> Self {
        let allowed = "true or false"
        return Self(name: name, summary: summary, allowed: allowed, defaultText: String(defaultValue)) { settings, entry throws(ConfigurationError) in
            switch entry.text.trimmingCharacters(in: .whitespaces).lowercased() {
            case "true", "yes", "on": settings[keyPath: path] = true
            case "false", "no", "off": settings[keyPath: path] = false
            default: throw invalid(entry, name, allowed)
            }
        }
    }
}
