import Foundation
import Yams

/// One place a setting came from, precise enough for an operator to find and fix it.
public enum ConfigurationOrigin: Sendable, Equatable, CustomStringConvertible {
    case file(path: String, line: Int)
    case environment(variable: String)

    public var description: String {
        switch self {
        case .file(let path, let line): return "\(path):\(line)"
        case .environment(let variable): return "environment variable \(variable)"
        }
    }
}

/// A configuration problem: which file (or variable), which key, and what is allowed.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file or variable, or `nil` when the whole file is the problem.
    public let origin: String
    /// The dotted key, e.g. `hub.url`, or `nil` for a syntax error.
    public let key: String?
    /// What is wrong, in one sentence.
    public let problem: String
    /// What would be accepted.
    public let allowed: String

    public init(origin: String, key: String?, problem: String, allowed: String) {
        self.origin = origin
        self.key = key
        self.problem = problem
        self.allowed = allowed
    }

    public var description: String {
        let keyPart = key.map { " \($0):" } ?? ""
        return "\(origin):\(keyPart) \(problem); allowed: \(allowed)"
    }
}

/// A flat view of a YAML configuration file: dotted keys to scalar text, each with its line.
///
/// Only mappings of scalars are meaningful in Zizhu's files; sequences, anchors to non-scalars
/// and duplicate keys are refused with the line they sit on.
public struct ConfigurationDocument: Sendable {
    public struct Entry: Sendable, Equatable {
        public let text: String
        public let origin: ConfigurationOrigin
        /// Whether YAML saw a quoted string (so `"8080"` is text, not a number).
        public let isQuoted: Bool
    }

    public private(set) var entries: [String: Entry] = [:]

    public init() {}

    /// Reads and flattens a file.
    public init(contentsOfFile path: String) throws(ConfigurationError) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(origin: path, key: nil, problem: "cannot be read (\(Self.reason(error)))",
                                     allowed: "a readable UTF-8 YAML file")
        }
        try self.init(yaml: text, path: path)
    }

    /// Flattens YAML text; `path` names it in errors.
    public init(yaml: String, path: String) throws(ConfigurationError) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw ConfigurationError(origin: path, key: nil, problem: "is not valid YAML (\(Self.describe(error)))",
                                     allowed: "YAML mappings such as `hub:` followed by indented `url: http://…`")
        } catch {
            throw ConfigurationError(origin: path, key: nil, problem: "is not valid YAML (\(error))",
                                     allowed: "YAML mappings")
        }
        guard let root else { return }   // an empty file means "all defaults"
        guard case .mapping(let mapping) = root else {
            throw ConfigurationError(origin: "\(path):\(Self.line(root))", key: nil,
                                     problem: "the top level is not a mapping", allowed: "`key: value` lines")
        }
        try flatten(mapping, prefix: "", path: path)
    }

    private mutating func flatten(_ mapping: Node.Mapping, prefix: String, path: String) throws(ConfigurationError) {
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let keyScalar) = keyNode else {
                throw ConfigurationError(origin: "\(path):\(Self.line(keyNode))", key: prefix.isEmpty ? nil : prefix,
                                         problem: "a key is not plain text", allowed: "plain keys such as `url`")
            }
            let key = prefix.isEmpty ? keyScalar.string : "\(prefix).\(keyScalar.string)"
            switch valueNode {
            case .mapping(let nested):
                try flatten(nested, prefix: key, path: path)
            case .scalar(let scalar):
                guard entries[key] == nil else {
                    throw ConfigurationError(origin: "\(path):\(Self.line(keyNode))", key: key,
                                             problem: "is set twice", allowed: "each key once")
                }
                let quoted = scalar.style == .singleQuoted || scalar.style == .doubleQuoted
                entries[key] = Entry(text: scalar.string, origin: .file(path: path, line: Self.line(valueNode)), isQuoted: quoted)
            case .sequence, .alias:
                throw ConfigurationError(origin: "\(path):\(Self.line(valueNode))", key: key,
                                         problem: "is a list", allowed: "a single value")
            }
        }
    }

    /// Adds `ZIZHU_…` environment overrides: `hub.url` is read from `ZIZHU_HUB_URL`.
    /// Only keys the schema knows are looked up, so unrelated variables are never an error.
    public mutating func applyEnvironment(_ environment: [String: String], knownKeys: some Sequence<String>) {
        for key in knownKeys {
            let variable = Self.environmentVariable(for: key)
            if let value = environment[variable] {
                entries[key] = Entry(text: value, origin: .environment(variable: variable), isQuoted: true)
            }
        }
    }

    /// `hub.url` → `ZIZHU_HUB_URL`.
    public static func environmentVariable(for key: String) -> String {
        "ZIZHU_" + key.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    private static func line(_ node: Node) -> Int { (node.mark?.line ?? 0) }

    private static func describe(_ error: YamlError) -> String {
        "\(error)".split(separator: "\n").first.map(String.init) ?? "syntax error"
    }

    private static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain,
           let code = POSIXErrorCode(rawValue: Int32(underlying.code)) {
            return String(cString: strerror(code.rawValue))
        }
        return nsError.localizedDescription
    }
}
