/// The hub's tables, written once for both engines; only the column types differ.
///
/// Times are whole milliseconds since the Unix epoch (`BIGINT`), so both engines store and
/// compare them the same way. A shipped migration is never edited; changes come as new ones.
enum HubSchema {
    enum Dialect { case sqlite, postgres }

    static let v1Name = "v1-kiosks-enrollment-transactions-heartbeats-updates"

    static func v1(_ dialect: Dialect) -> [String] {
        let bytes = dialect == .sqlite ? "BLOB" : "BYTEA"
        let flag = dialect == .sqlite ? "INTEGER NOT NULL" : "BOOLEAN NOT NULL"
        let serial = dialect == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
        return [
            """
            CREATE TABLE enrollment_codes (
              code_hash TEXT PRIMARY KEY,
              office TEXT NOT NULL,
              created_at BIGINT NOT NULL,
              expires_at BIGINT NOT NULL,
              used_at BIGINT,
              device_id TEXT)
            """,
            """
            CREATE TABLE kiosks (
              device_id TEXT PRIMARY KEY,
              office TEXT NOT NULL,
              public_key \(bytes) NOT NULL UNIQUE,
              enrolled_at BIGINT NOT NULL,
              revoked_at BIGINT,
              contiguous_through BIGINT NOT NULL DEFAULT 0,
              highest_seq BIGINT NOT NULL DEFAULT 0)
            """,
            // The primary key is the idempotency key: no engine, process or race can store an
            // item twice.
            """
            CREATE TABLE transactions (
              device_id TEXT NOT NULL REFERENCES kiosks (device_id),
              seq BIGINT NOT NULL CHECK (seq >= 1),
              kind TEXT NOT NULL,
              wall_time BIGINT NOT NULL,
              boot_id TEXT NOT NULL,
              monotonic_ns BIGINT NOT NULL,
              payload TEXT NOT NULL,
              rejection TEXT,
              clock_skew_flagged \(flag),
              received_at BIGINT NOT NULL,
              PRIMARY KEY (device_id, seq))
            """,
            """
            CREATE TABLE request_nonces (
              device_id TEXT NOT NULL REFERENCES kiosks (device_id),
              nonce TEXT NOT NULL,
              created_at BIGINT NOT NULL,
              PRIMARY KEY (device_id, nonce))
            """,
            "CREATE INDEX request_nonces_by_age ON request_nonces (device_id, created_at)",
            """
            CREATE TABLE heartbeats (
              id \(serial),
              device_id TEXT NOT NULL REFERENCES kiosks (device_id),
              received_at BIGINT NOT NULL,
              clock_skew_ms BIGINT NOT NULL,
              report TEXT NOT NULL)
            """,
            "CREATE INDEX heartbeats_by_device ON heartbeats (device_id, id)",
            """
            CREATE TABLE updates (
              cursor \(serial),
              device_id TEXT NOT NULL REFERENCES kiosks (device_id),
              kind TEXT NOT NULL,
              payload TEXT NOT NULL,
              created_at BIGINT NOT NULL)
            """,
            "CREATE INDEX updates_by_device ON updates (device_id, cursor)",
        ]
    }

    static let v2Name = "v2-certificate-registry"

    /// Printed certificates by verification code: the signed canonical bytes and the signature,
    /// from `certificate.printed` items. A reprint carries the same code and adds nothing.
    static func v2(_ dialect: Dialect) -> [String] {
        let bytes = dialect == .sqlite ? "BLOB" : "BYTEA"
        return [
            """
            CREATE TABLE certificates (
              code TEXT PRIMARY KEY,
              device_id TEXT NOT NULL REFERENCES kiosks (device_id),
              seq BIGINT NOT NULL,
              canonical_form \(bytes) NOT NULL,
              signature \(bytes) NOT NULL,
              recorded_at BIGINT NOT NULL)
            """,
        ]
    }
}
