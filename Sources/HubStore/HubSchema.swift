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

extension HubSchema {
    static let v3Name = "v3-service-data"

    /// The services' data: people and their insurance periods (seeded by `zizhu-hub seed-demo`
    /// or loaded from the agency), the qualification cycle and its review queue, health-check
    /// hospitals, slots and bookings, ratings, and the audit of every personal query.
    ///
    /// Dates of the domain (birthdays, due dates, slot days) are `YYYY-MM-DD` text, months are
    /// `YYYYMM` integers: both sort and compare the same in both engines.
    static func v3(_ dialect: Dialect) -> [String] {
        let bytes = dialect == .sqlite ? "BLOB" : "BYTEA"
        let flag = dialect == .sqlite ? "INTEGER NOT NULL" : "BOOLEAN NOT NULL"
        let serial = dialect == .sqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT" : "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
        return [
            // `retired`: receives a pension, so the yearly qualification applies.
            """
            CREATE TABLE people (
              citizen_id TEXT PRIMARY KEY,
              card_number TEXT NOT NULL UNIQUE,
              name TEXT NOT NULL,
              sex TEXT NOT NULL,
              birth_date TEXT NOT NULL,
              office TEXT NOT NULL,
              retired \(flag),
              qualification_status TEXT NOT NULL,
              qualification_window_opens TEXT,
              qualification_due_by TEXT,
              qualification_last_passed TEXT,
              health_last_check TEXT)
            """,
            """
            CREATE TABLE insurance_periods (
              id \(serial),
              citizen_id TEXT NOT NULL REFERENCES people (citizen_id),
              insurance_type TEXT NOT NULL,
              employer TEXT,
              from_month INTEGER NOT NULL,
              through_month INTEGER,
              months INTEGER NOT NULL,
              status TEXT NOT NULL)
            """,
            "CREATE INDEX insurance_periods_by_person ON insurance_periods (citizen_id, insurance_type, from_month)",
            // One row per `qualification.submitted` item; the evidence is AES-GCM sealed and set
            // to NULL when the retention after the decision ends.
            """
            CREATE TABLE qualification_reviews (
              id \(serial),
              device_id TEXT NOT NULL REFERENCES kiosks (device_id),
              seq BIGINT NOT NULL,
              submission_id TEXT NOT NULL,
              citizen_id TEXT NOT NULL,
              submitted_at BIGINT NOT NULL,
              facts TEXT NOT NULL,
              evidence \(bytes),
              evidence_frames INTEGER NOT NULL,
              status TEXT NOT NULL,
              decided_by TEXT,
              decided_at BIGINT,
              reason TEXT,
              evidence_deleted_at BIGINT,
              UNIQUE (device_id, seq))
            """,
            "CREATE INDEX qualification_reviews_by_status ON qualification_reviews (status, id)",
            "CREATE INDEX qualification_reviews_by_decision ON qualification_reviews (decided_at) WHERE evidence IS NOT NULL",
            """
            CREATE TABLE hospitals (
              id TEXT PRIMARY KEY,
              name TEXT NOT NULL,
              address TEXT NOT NULL,
              office TEXT NOT NULL)
            """,
            // `remaining` never goes below zero: a booking takes a place with
            // `UPDATE … SET remaining = remaining - 1 WHERE id = ? AND remaining > 0`.
            """
            CREATE TABLE health_slots (
              id \(serial),
              hospital_id TEXT NOT NULL REFERENCES hospitals (id),
              day TEXT NOT NULL,
              starts TEXT NOT NULL,
              ends TEXT NOT NULL,
              capacity INTEGER NOT NULL CHECK (capacity >= 0),
              remaining INTEGER NOT NULL CHECK (remaining >= 0 AND remaining <= capacity))
            """,
            "CREATE INDEX health_slots_by_hospital ON health_slots (hospital_id, day, starts)",
            """
            CREATE TABLE health_bookings (
              reference TEXT PRIMARY KEY,
              citizen_id TEXT NOT NULL REFERENCES people (citizen_id),
              slot_id BIGINT NOT NULL REFERENCES health_slots (id),
              cohort_year INTEGER NOT NULL,
              status TEXT NOT NULL,
              device_id TEXT NOT NULL,
              booked_at BIGINT NOT NULL,
              cancelled_at BIGINT)
            """,
            // One live booking per person and cohort year, whatever the races.
            "CREATE UNIQUE INDEX health_bookings_one_per_year ON health_bookings (citizen_id, cohort_year) WHERE status = 'booked'",
            """
            CREATE TABLE ratings (
              device_id TEXT NOT NULL REFERENCES kiosks (device_id),
              seq BIGINT NOT NULL,
              office TEXT NOT NULL,
              service TEXT NOT NULL,
              level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
              reason TEXT,
              rated_at BIGINT NOT NULL,
              PRIMARY KEY (device_id, seq))
            """,
            "CREATE INDEX ratings_by_office ON ratings (office, service, rated_at)",
            // Who asked about whom, when, and what came of it; the subject is a masked ID.
            """
            CREATE TABLE service_audit (
              id \(serial),
              at BIGINT NOT NULL,
              actor TEXT NOT NULL,
              action TEXT NOT NULL,
              subject TEXT NOT NULL,
              outcome TEXT NOT NULL)
            """,
        ]
    }
}
