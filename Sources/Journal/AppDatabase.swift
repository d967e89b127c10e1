import GRDB

/// The kiosk's on-device journal: one SQLite file in WAL mode with `synchronous=FULL`, so a
/// committed transaction survives a power cut as far as the storage honours fsync.
public struct AppDatabase: Sendable {
    /// Readers and the single writer, as GRDB's `DatabasePool` provides them.
    public let writer: any DatabaseWriter
    /// The journal file.
    public let path: String
    /// Free space that must remain for a new business transaction to be accepted.
    public let diskReserve: DiskReserve

    /// Opens (creating if needed) the journal at `path`, applies pending migrations and checks
    /// the durability settings.
    /// - Throws: GRDB's `DatabaseError` for an unusable file, or ``JournalError/durabilityNotInForce``.
    public init(path: String, diskReserve: DiskReserve = .standard) throws {
        self.path = path
        self.diskReserve = diskReserve
        let pool = try DatabasePool(path: path, configuration: Self.configuration)
        // DatabasePool switches WAL connections to synchronous=NORMAL after running
        // prepareDatabase (GRDB's setUpWALMode), so FULL must be set again on the writer here.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        try Self.migrator.migrate(pool)
        writer = pool
        let mode = try synchronousMode()
        guard mode == .full else { throw JournalError.durabilityNotInForce(mode) }
    }

    private static var configuration: Configuration {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(5)
        // Statement arguments can hold personal data: never log them.
        configuration.publicStatementArguments = false
        return configuration
    }

    /// SQLite's `PRAGMA synchronous` values.
    public enum SynchronousMode: Int, Sendable {
        case off = 0
        case normal = 1
        case full = 2
        case extra = 3
    }

    /// The `synchronous` setting of the writer connection, read back from SQLite.
    public func synchronousMode() throws -> SynchronousMode {
        let value = try writer.writeWithoutTransaction { db in
            try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
        }
        return SynchronousMode(rawValue: value) ?? .off
    }

    /// The journal mode, e.g. `wal`.
    public func journalMode() throws -> String {
        try writer.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? "" }
    }

    /// Migrations by name, in order. A migration is never edited once released.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("2026-11-create-device-settings") { db in
            // Settings that belong to this kiosk and must survive restarts (device ID after
            // enrollment, the downstream cursor). Keys are short names; values are text.
            try db.create(table: "device_setting") { table in
                table.primaryKey("name", .text).notNull()
                table.column("value", .text).notNull()
                table.column("updated_at", .datetime).notNull()
            }
        }
        registerOutboxMigrations(&migrator)
        registerHubUpdateMigrations(&migrator)
        return migrator
    }

    /// Names of the migrations applied to this file.
    public func appliedMigrations() throws -> [String] {
        try writer.read { db in try Self.migrator.appliedMigrations(db) }
    }

    /// Stores a device setting, replacing any earlier value.
    public func setDeviceSetting(_ name: String, to value: String) throws {
        try writer.write { db in
            try db.execute(
                sql: "INSERT INTO device_setting(name, value, updated_at) VALUES (?, ?, CURRENT_TIMESTAMP) "
                    + "ON CONFLICT(name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                arguments: [name, value])
        }
    }

    /// A device setting, or `nil` when it was never stored.
    public func deviceSetting(_ name: String) throws -> String? {
        try writer.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM device_setting WHERE name = ?", arguments: [name])
        }
    }
}

/// Journal failures that need a technician.
public enum JournalError: Error, Equatable {
    /// SQLite did not keep `synchronous=FULL`; commits would not be durable.
    case durabilityNotInForce(AppDatabase.SynchronousMode)
    /// A business transaction's payload is not a JSON object: a programming fault for a developer.
    case payloadIsNotAJSONObject(kind: String)
    /// Less than the reserve is free on the journal's disk: the citizen goes to the counter, a
    /// technician frees space (synced items are purged, or the ballast file is released).
    case diskReserveReached(freeBytes: UInt64)
}
