import Crypto
import Foundation
import GRDB
import Logging

/// The kiosk's on-device journal: one SQLite file in WAL mode with `synchronous=FULL`, so a
/// committed transaction survives a power cut as far as the storage honours fsync.
public struct AppDatabase: Sendable {
    /// Readers and the single writer, as GRDB's `DatabasePool` provides them.
    public let writer: any DatabaseWriter
    /// The journal file.
    public let path: String
    /// Free space that must remain for a new business transaction to be accepted.
    public let diskReserve: DiskReserve
    /// Space held back for an emergency: released so a transaction under way can finish.
    public let ballast: Ballast?
    /// Seals citizen IDs, names and face evidence with the device key.
    let sealer: PersonalDataSealer
    let logger: Logger

    /// Opens (creating if needed) the journal at `path`, applies pending migrations and checks
    /// the durability settings.
    /// - Parameters:
    ///   - keyStore: the device key's store; `nil` means ``FileDeviceKeyStore`` at
    ///     ``defaultKeyPath(journalPath:)`` (created on first start, mode 0600).
    ///   - ballast: the emergency file, created here if missing and the disk has room.
    /// - Throws: GRDB's `DatabaseError` for an unusable file, ``JournalError/durabilityNotInForce``,
    ///   or a device-key error (``JournalError/deviceKey(_:)``, ``JournalError/deviceKeyMissing(location:)``,
    ///   ``JournalError/wrongDeviceKey(location:)``).
    public init(path: String, diskReserve: DiskReserve = .standard, keyStore: (any DeviceKeyStore)? = nil,
                ballast: Ballast? = nil, logger: Logger = Logger(label: "zizhu.journal")) throws {
        self.path = path
        self.diskReserve = diskReserve
        self.ballast = ballast
        self.logger = logger
        let pool = try DatabasePool(path: path, configuration: Self.configuration)
        // DatabasePool switches WAL connections to synchronous=NORMAL after running
        // prepareDatabase (GRDB's setUpWALMode), so FULL must be set again on the writer here.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        try Self.migrator.migrate(pool)
        writer = pool
        sealer = PersonalDataSealer(key: try Self.bindDeviceKey(pool, store: keyStore ?? FileDeviceKeyStore(path: Self.defaultKeyPath(journalPath: path))))
        let mode = try synchronousMode()
        guard mode == .full else { throw JournalError.durabilityNotInForce(mode) }
        // After a recovery from a damaged file, an outbox row may have lost its business row: it
        // can never be sent, so it is parked for staff instead of waiting for ever.
        let orphans = try pool.write { db in
            try db.execute(sql: """
                UPDATE outbox SET state = 'parked', park_reason = 'lost_in_recovery'
                WHERE state = 'pending' AND NOT EXISTS (SELECT 1 FROM business_transaction b WHERE b.seq = outbox.seq)
                """)
            return db.changesCount
        }
        if orphans > 0 {
            logger.critical("journal items lost with a damaged page; parked for staff", metadata: ["items": "\(orphans)"])
        }
        if let ballast, !ballast.isInPlace, !ballast.create(reserve: diskReserve) {
            logger.warning("ballast file not created: too little free space", metadata: ["ballast": "\(ballast.path)"])
        }
    }

    /// The device key file's default place: beside the journal, in the state directory.
    public static func defaultKeyPath(journalPath: String) -> String {
        let directory = (journalPath as NSString).deletingLastPathComponent
        return (directory.isEmpty ? "." : directory) + "/journal-data.key"
    }

    /// The device setting holding a check value of the key this journal's data is sealed with.
    static let deviceKeyCheckSetting = "journal.device_key_check"

    /// Loads (or on first start creates) the device key and binds the journal to it: the first
    /// start stores a keyed check value; later starts refuse a missing or different key instead
    /// of writing data nobody could read together with data sealed under the old key.
    static func bindDeviceKey(_ writer: any DatabaseWriter, store: any DeviceKeyStore) throws -> SymmetricKey {
        let stored = try writer.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM device_setting WHERE name = ?", arguments: [deviceKeyCheckSetting])
        }
        let key: SymmetricKey
        do {
            if let existing = try store.existingKey() {
                key = existing
            } else if stored != nil {
                throw JournalError.deviceKeyMissing(location: store.location)
            } else {
                do { key = try store.createKey() } catch .keyAlreadyExists {
                    // Another process's first start created it a moment ago.
                    guard let raced = try store.existingKey() else { throw JournalError.deviceKeyMissing(location: store.location) }
                    key = raced
                }
            }
        } catch let error as DeviceKeyError {
            throw JournalError.deviceKey(error)
        }
        let check = PersonalDataSealer(key: key).keyCheck
        let bound = try writer.write { db in
            try db.execute(sql: "INSERT OR IGNORE INTO device_setting(name, value, updated_at) VALUES (?, ?, CURRENT_TIMESTAMP)",
                           arguments: [deviceKeyCheckSetting, check])
            return try String.fetchOne(db, sql: "SELECT value FROM device_setting WHERE name = ?", arguments: [deviceKeyCheckSetting])
        }
        guard bound == check else { throw JournalError.wrongDeviceKey(location: store.location) }
        return key
    }

    private static var configuration: Configuration {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(5)
        // Statement arguments can hold personal data: never log them.
        configuration.publicStatementArguments = false
        configuration.prepareDatabase { db in
            // Deleted face evidence and sealed fields are overwritten, not left in free pages
            // (Debian's build has this on by default; it is set here so it never depends on that).
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
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
        registerAuditMigrations(&migrator)
        registerFaceEvidenceMigrations(&migrator)
        registerPrintIntentMigrations(&migrator)
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
    /// The device key cannot be used (mode, owner, damage): a technician fixes the key file.
    case deviceKey(DeviceKeyError)
    /// The journal holds data sealed with a device key that is gone: a technician restores the
    /// key file from the kiosk's backup (or, if it is lost, moves the journal aside after the
    /// hub has everything and starts afresh). The kiosk does not start until then.
    case deviceKeyMissing(location: String)
    /// The device key is not the one this journal's data is sealed with: a technician restores
    /// the right key file.
    case wrongDeviceKey(location: String)
    /// A sealed field of this transaction does not open (damaged bytes, another key): the item is
    /// parked for a technician; the rest of the journal is unaffected.
    case personalDataUnreadable(seq: Int64)
    /// The payload uses the journal's reserved key `$sealed`: a programming fault for a developer.
    case payloadUsesReservedKey(kind: String)
    /// A face-evidence bundle is larger than the hub takes in one item: the camera flow must send
    /// fewer or smaller frames (a developer's fault, not the citizen's).
    case faceEvidenceTooLarge(bytes: Int, limit: Int)
    /// A face-evidence bundle the hub would refuse (frame count, not JPEG): a developer's fault.
    case faceEvidenceMalformed(String)
    /// An audit entry's action, actor or detail is not a plain code (it could hold a name or an ID
    /// number): a programming fault for a developer; nothing is written.
    case auditEntryMayHoldPersonalData(field: String)
}

extension JournalError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .durabilityNotInForce(let mode): return "SQLite did not keep synchronous=FULL (it is \(mode)); a technician must check the SQLite build"
        case .payloadIsNotAJSONObject(let kind): return "the \(kind) payload is not a JSON object (a developer's fault)"
        case .diskReserveReached(let free): return "only \(free) bytes free on the journal's disk; a technician must free space"
        case .deviceKey(let error): return error.description
        case .deviceKeyMissing(let location):
            return "the device key \(location) is missing but the journal holds data sealed with it; a technician restores it from backup"
        case .wrongDeviceKey(let location):
            return "the device key \(location) is not the key this journal was sealed with; a technician restores the right key file"
        case .personalDataUnreadable(let seq): return "journal seq \(seq): sealed personal data does not open (damaged or another key)"
        case .payloadUsesReservedKey(let kind): return "the \(kind) payload uses the reserved key $sealed (a developer's fault)"
        case .faceEvidenceTooLarge(let bytes, let limit): return "face evidence of \(bytes) bytes exceeds \(limit) bytes (a developer's fault)"
        case .faceEvidenceMalformed(let why): return "face evidence refused: \(why) (a developer's fault)"
        case .auditEntryMayHoldPersonalData(let field): return "audit entry field \(field) is not a plain code; it may hold personal data (a developer's fault)"
        }
    }
}
