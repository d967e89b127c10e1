extension HubSchema {
    static let v4Name = "v4-staff-accounts-sessions-audit"

    /// Staff accounts, their dashboard sessions and the staff audit trail; plus an index the fleet
    /// dashboard's "today's transactions" needs (without it, counting one day scans every item;
    /// by kiosk first, so one street office's count reads only its kiosks' day).
    static func v4(_ dialect: Dialect) -> [String] {
        let serial = dialect == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
        return [
            // `password_hash` is StaffPassword's scrypt form; no password is ever stored.
            """
            CREATE TABLE staff (
              username TEXT PRIMARY KEY,
              display_name TEXT NOT NULL,
              password_hash TEXT NOT NULL,
              created_at BIGINT NOT NULL,
              password_changed_at BIGINT NOT NULL,
              disabled_at BIGINT,
              failed_logins INTEGER NOT NULL DEFAULT 0,
              locked_until BIGINT)
            """,
            // Keyed by the SHA-256 of the cookie's token: the table alone lets nobody in.
            """
            CREATE TABLE staff_sessions (
              token_hash TEXT PRIMARY KEY,
              username TEXT NOT NULL REFERENCES staff (username),
              csrf_token TEXT NOT NULL,
              created_at BIGINT NOT NULL,
              last_seen_at BIGINT NOT NULL,
              client_address TEXT NOT NULL)
            """,
            "CREATE INDEX staff_sessions_by_username ON staff_sessions (username)",
            // Append-only (triggers below). `actor` is not a foreign key: failed logins name
            // accounts that may not exist.
            """
            CREATE TABLE staff_audit (
              id \(serial),
              at BIGINT NOT NULL,
              actor TEXT NOT NULL,
              action TEXT NOT NULL,
              target TEXT,
              outcome TEXT NOT NULL,
              client_address TEXT,
              detail TEXT)
            """,
            "CREATE INDEX transactions_by_device_wall_time ON transactions (device_id, wall_time)",
        ] + appendOnlyAudit(dialect)
    }

    /// The staff audit refuses UPDATE and DELETE in the database itself (等保 8.1.4.3: records
    /// protected against unexpected deletion or change), whoever connects.
    static func appendOnlyAudit(_ dialect: Dialect) -> [String] {
        switch dialect {
        case .sqlite:
            return ["UPDATE", "DELETE"].map { operation in
                """
                CREATE TRIGGER staff_audit_no_\(operation.lowercased()) BEFORE \(operation) ON staff_audit
                BEGIN SELECT RAISE(ABORT, 'staff_audit is append-only'); END
                """
            }
        case .postgres:
            return [
                """
                CREATE FUNCTION staff_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'staff_audit is append-only'; END $$
                """,
                "CREATE TRIGGER staff_audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON staff_audit FOR EACH STATEMENT EXECUTE FUNCTION staff_audit_append_only()",
            ]
        }
    }
}
