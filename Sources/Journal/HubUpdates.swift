import Foundation
import GRDB

/// Something the hub sent down: a qualification result, a booking confirmation, a configuration
/// change. Kept until the part of the kiosk that owns the kind has acted on it.
public struct HubUpdate: Sendable, Equatable {
    public let cursor: Int64
    public let kind: String
    public let payloadJSON: String
    public let createdAt: Date

    public init(cursor: Int64, kind: String, payloadJSON: String, createdAt: Date) {
        self.cursor = cursor
        self.kind = kind
        self.payloadJSON = payloadJSON
        self.createdAt = createdAt
    }
}

extension AppDatabase {
    /// The device setting that holds the last applied downstream cursor.
    static let hubUpdatesCursorSetting = "hub.updates_cursor"

    static func registerHubUpdateMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("2026-11-create-hub-updates") { db in
            try db.create(table: "hub_update") { table in
                table.primaryKey("cursor", .integer).notNull()
                table.column("kind", .text).notNull()
                table.column("payload", .text).notNull()
                table.column("created_at", .double).notNull()
            }
        }
    }

    /// The cursor after which the hub's updates are still to be fetched (0 before the first).
    public func hubUpdatesCursor() throws -> Int64 {
        try deviceSetting(Self.hubUpdatesCursorSetting).flatMap { Int64($0) } ?? 0
    }

    /// Stores a page of updates and advances the cursor in one transaction, so an update is
    /// neither skipped nor applied twice across a crash. Updates already held are ignored.
    public func applyHubUpdates(_ updates: [HubUpdate], nextCursor: Int64) throws {
        try writer.write { db in
            for update in updates {
                try db.execute(sql: "INSERT OR IGNORE INTO hub_update(cursor, kind, payload, created_at) VALUES (?, ?, ?, ?)",
                               arguments: [update.cursor, update.kind, update.payloadJSON, update.createdAt.timeIntervalSince1970])
            }
            try db.execute(
                sql: "INSERT INTO device_setting(name, value, updated_at) VALUES (?, ?, CURRENT_TIMESTAMP) "
                    + "ON CONFLICT(name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                arguments: [Self.hubUpdatesCursorSetting, String(nextCursor)])
        }
    }

    /// Updates from the hub in cursor order, optionally of one kind.
    public func hubUpdates(kind: String? = nil) throws -> [HubUpdate] {
        try writer.read { db in
            try Row.fetchAll(db, sql: "SELECT cursor, kind, payload, created_at FROM hub_update WHERE ?1 IS NULL OR kind = ?1 ORDER BY cursor",
                             arguments: [kind]).map {
                HubUpdate(cursor: $0[0], kind: $0[1], payloadJSON: $0[2], createdAt: Date(timeIntervalSince1970: $0[3]))
            }
        }
    }
}
