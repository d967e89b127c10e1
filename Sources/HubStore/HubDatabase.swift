import Foundation
import Logging

/// Where the hub keeps its data: an SQLite file (the default, embedded) or a PostgreSQL URL.
public enum HubDatabase: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(url: String)

    /// The embedded default, relative to the working directory (`/var/lib/zizhu-hub` under systemd).
    public static let defaultLocation = "zizhu-hub.sqlite"

    /// `postgres://…` or `postgresql://…` is PostgreSQL; anything else is an SQLite file path.
    public init(location: String) throws(HubStoreError) {
        let trimmed = location.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw .invalidLocation("(empty)") }
        let lower = trimmed.lowercased()
        if lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://") {
            self = .postgres(url: trimmed)
        } else if lower.contains("://") {
            throw .invalidLocation("\(Self.redacted(trimmed)): only postgres:// URLs or SQLite file paths")
        } else {
            self = .sqlite(path: trimmed)
        }
    }

    /// Where the evidence key lives unless `storage.evidence_key` says otherwise: beside the
    /// SQLite file, or in the working directory for PostgreSQL.
    public var defaultEvidenceKeyPath: String {
        switch self {
        case .sqlite(let path): return path + ".evidence-key"
        case .postgres: return "zizhu-hub-evidence.key"
        }
    }

    /// The location without a password, for logs and messages.
    public var displayName: String {
        switch self {
        case .sqlite(let path): return "sqlite:\(path)"
        case .postgres(let url): return Self.redacted(url)
        }
    }

    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? "postgres://***"
    }

    /// Opens and migrates the store, runs `body` with it, and closes it afterwards. For
    /// PostgreSQL the connection pool runs beside `body` and stops when `body` returns, so work
    /// `body` waits for (a server draining its in-flight requests) finishes first.
    /// `evidenceKey` seals qualification evidence at rest; without one, ingesting evidence fails.
    public func withStore<T: Sendable>(logger: Logger, evidenceKey: EvidenceKey? = nil, _ body: @Sendable (any HubStore) async throws -> T) async throws -> T {
        switch self {
        case .sqlite(let path):
            return try await body(SQLiteHubStore(path: path, evidenceKey: evidenceKey))
        case .postgres(let url):
            let store = try PostgresHubStore(url: url, logger: logger, evidenceKey: evidenceKey)
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await store.run() }
                defer { group.cancelAll() }
                try await store.migrate()
                return try await body(store)
            }
        }
    }
}
