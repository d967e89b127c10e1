import Foundation
import GRDB

/// ``StaffStore`` on the embedded engine. Staff writes are rare and small: they go straight to
/// the writer connection, not through the kiosks' group commit.
extension SQLiteHubStore {
    public func addStaff(_ account: NewStaffAccount, now: Date) async throws(HubStoreError) -> Bool {
        try await staffWrite { db in
            try db.execute(sql: """
                INSERT INTO staff (username, display_name, password_hash, created_at, password_changed_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (username) DO NOTHING
                """, arguments: [account.username, account.displayName, account.passwordHash, now.storedMilliseconds, now.storedMilliseconds])
            return db.changesCount == 1
        }
    }

    public func staffAccount(username: String) async throws(HubStoreError) -> StaffAccount? {
        try await staffRead { db in
            try Row.fetchOne(db, sql: "SELECT * FROM staff WHERE username = ?", arguments: [username]).map(Self.staffAccount)
        }
    }

    public func staffAccounts() async throws(HubStoreError) -> [StaffAccount] {
        try await staffRead { db in try Row.fetchAll(db, sql: "SELECT * FROM staff ORDER BY username").map(Self.staffAccount) }
    }

    private static func staffAccount(_ row: Row) -> StaffAccount {
        StaffAccount(username: row["username"], displayName: row["display_name"], passwordHash: row["password_hash"],
                     createdAt: Date(storedMilliseconds: row["created_at"]), passwordChangedAt: Date(storedMilliseconds: row["password_changed_at"]),
                     disabledAt: (row["disabled_at"] as Int64?).map(Date.init(storedMilliseconds:)), failedLogins: row["failed_logins"],
                     lockedUntil: (row["locked_until"] as Int64?).map(Date.init(storedMilliseconds:)))
    }

    public func setStaffPassword(username: String, passwordHash: String, now: Date) async throws(HubStoreError) -> Bool {
        try await staffWrite { db in
            try db.execute(sql: """
                UPDATE staff SET password_hash = ?, password_changed_at = ?, failed_logins = 0, locked_until = NULL WHERE username = ?
                """, arguments: [passwordHash, now.storedMilliseconds, username])
            guard db.changesCount == 1 else { return false }
            try db.execute(sql: "DELETE FROM staff_sessions WHERE username = ?", arguments: [username])
            return true
        }
    }

    public func setStaffDisabled(username: String, disabled: Bool, now: Date) async throws(HubStoreError) -> Bool {
        try await staffWrite { db in
            try db.execute(sql: "UPDATE staff SET disabled_at = ? WHERE username = ?",
                           arguments: [disabled ? now.storedMilliseconds : nil, username])
            guard db.changesCount == 1 else { return false }
            if disabled { try db.execute(sql: "DELETE FROM staff_sessions WHERE username = ?", arguments: [username]) }
            return true
        }
    }

    public func recordStaffLoginFailure(username: String, now: Date, policy: StaffLoginPolicy) async throws(HubStoreError) -> Date? {
        try await staffWrite { db in
            guard let failures = try Int.fetchOne(db, sql: "UPDATE staff SET failed_logins = failed_logins + 1 WHERE username = ? RETURNING failed_logins",
                                                  arguments: [username]) else { return nil }
            guard failures >= policy.maxFailures else { return nil }
            let until = now.addingTimeInterval(policy.lockout.seconds)
            try db.execute(sql: "UPDATE staff SET failed_logins = 0, locked_until = ? WHERE username = ?",
                           arguments: [until.storedMilliseconds, username])
            return Date(storedMilliseconds: until.storedMilliseconds)
        }
    }

    public func startStaffSession(_ session: NewStaffSession, now: Date, policy: StaffSessionPolicy) async throws(HubStoreError) {
        let (idleBefore, startedBefore) = policy.expiredBefore(now)
        try await staffWrite { db in
            // Sessions nobody came back to are forgotten here, at the next login.
            try db.execute(sql: "DELETE FROM staff_sessions WHERE last_seen_at <= ? OR created_at <= ?", arguments: [idleBefore, startedBefore])
            try db.execute(sql: "UPDATE staff SET failed_logins = 0, locked_until = NULL WHERE username = ?", arguments: [session.username])
            try db.execute(sql: """
                INSERT INTO staff_sessions (token_hash, username, csrf_token, created_at, last_seen_at, client_address) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [session.tokenHash, session.username, session.csrfToken, now.storedMilliseconds, now.storedMilliseconds, session.clientAddress])
        }
    }

    public func useStaffSession(tokenHash: String, now: Date, policy: StaffSessionPolicy) async throws(HubStoreError) -> StaffSessionLookup {
        try await staffWrite { db -> StaffSessionLookup in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT s.username, s.csrf_token, s.created_at, s.last_seen_at, a.display_name, a.disabled_at
                FROM staff_sessions s JOIN staff a ON a.username = s.username WHERE s.token_hash = ?
                """, arguments: [tokenHash]) else { return .unknown }
            let created = Date(storedMilliseconds: row["created_at"])
            let lastSeen = Date(storedMilliseconds: row["last_seen_at"])
            guard (row["disabled_at"] as Int64?) == nil, policy.isLive(created: created, lastSeen: lastSeen, now: now) else {
                try db.execute(sql: "DELETE FROM staff_sessions WHERE token_hash = ?", arguments: [tokenHash])
                return .expired(username: row["username"])
            }
            try db.execute(sql: "UPDATE staff_sessions SET last_seen_at = ? WHERE token_hash = ?", arguments: [now.storedMilliseconds, tokenHash])
            return .live(StaffSession(username: row["username"], displayName: row["display_name"], csrfToken: row["csrf_token"], createdAt: created))
        }
    }

    public func endStaffSession(tokenHash: String) async throws(HubStoreError) -> Bool {
        try await staffWrite { db in
            try db.execute(sql: "DELETE FROM staff_sessions WHERE token_hash = ?", arguments: [tokenHash])
            return db.changesCount == 1
        }
    }

    public func appendStaffAudit(_ entry: StaffAuditEntry) async throws(HubStoreError) {
        try await staffWrite { db in
            try db.execute(sql: """
                INSERT INTO staff_audit (at, actor, action, target, outcome, client_address, detail) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [entry.at.storedMilliseconds, entry.actor, entry.action, entry.target, entry.outcome.rawValue, entry.clientAddress, entry.detail])
        }
    }

    public func staffAudit(limit: Int) async throws(HubStoreError) -> [StaffAuditEntry] {
        try await staffRead { db in
            try Row.fetchAll(db, sql: "SELECT * FROM staff_audit ORDER BY id DESC LIMIT ?", arguments: [limit]).map { row in
                StaffAuditEntry(at: Date(storedMilliseconds: row["at"]), actor: row["actor"], action: row["action"], target: row["target"],
                                outcome: StaffAuditEntry.Outcome(rawValue: row["outcome"]) ?? .failure,
                                clientAddress: row["client_address"], detail: row["detail"])
            }
        }
    }

    public func fleetOverview(office: String?, transactionsFrom: Date, transactionsUntil: Date) async throws(HubStoreError) -> [FleetKioskRow] {
        try await staffRead { db in
            let officeFilter = office == nil ? "" : "WHERE k.office = ?"
            var kioskArguments: StatementArguments = []
            if let office { kioskArguments += [office] }
            // The latest heartbeat through heartbeats_by_device (one index probe per kiosk); the
            // items stored above the contiguous mark through the primary key (usually none).
            let rows = try Row.fetchAll(db, sql: """
                SELECT k.device_id, k.office, k.enrolled_at, k.revoked_at, k.contiguous_through, k.highest_seq,
                  (SELECT COUNT(*) FROM transactions t WHERE t.device_id = k.device_id AND t.seq > k.contiguous_through) AS above,
                  h.received_at, h.clock_skew_ms, h.report
                FROM kiosks k
                LEFT JOIN heartbeats h ON h.id = (SELECT MAX(id) FROM heartbeats WHERE device_id = k.device_id)
                \(officeFilter)
                ORDER BY k.office, k.enrolled_at, k.device_id
                """, arguments: kioskArguments)
            var counts: [String: [String: Int]] = [:]
            var countArguments: StatementArguments = [transactionsFrom.storedMilliseconds, transactionsUntil.storedMilliseconds]
            if let office { countArguments += [office] }
            // From the kiosks to their day's items through transactions_by_device_wall_time.
            let countRows = try Row.fetchCursor(db, sql: """
                SELECT t.device_id, t.kind, COUNT(*) AS n FROM kiosks k CROSS JOIN transactions t
                  ON t.device_id = k.device_id AND t.wall_time >= ? AND t.wall_time < ?
                WHERE t.rejection IS NULL \(office == nil ? "" : "AND k.office = ?")
                GROUP BY t.device_id, t.kind
                """, arguments: countArguments)
            while let row = try countRows.next() {
                counts[row["device_id"], default: [:]][row["kind"]] = row["n"]
            }
            return rows.map { row in
                let deviceID: String = row["device_id"]
                return FleetKioskRow(
                    deviceID: deviceID, office: row["office"], enrolledAt: Date(storedMilliseconds: row["enrolled_at"]),
                    revokedAt: (row["revoked_at"] as Int64?).map(Date.init(storedMilliseconds:)),
                    contiguousThrough: row["contiguous_through"], highestSeq: row["highest_seq"], storedAboveContiguous: row["above"],
                    lastHeartbeatAt: (row["received_at"] as Int64?).map(Date.init(storedMilliseconds:)),
                    lastClockSkewMilliseconds: row["clock_skew_ms"], lastReportJSON: row["report"],
                    transactionsByKind: counts[deviceID] ?? [:])
            }
        }
    }

    public func kioskOffices() async throws(HubStoreError) -> [String] {
        try await staffRead { db in try String.fetchAll(db, sql: "SELECT DISTINCT office FROM kiosks ORDER BY office") }
    }

    // MARK: Errors as values

    private func staffWrite<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(HubStoreError) -> T {
        do {
            return try await database.write(body)
        } catch {
            throw .database(String(describing: error))
        }
    }

    private func staffRead<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(HubStoreError) -> T {
        do {
            return try await database.read(body)
        } catch {
            throw .database(String(describing: error))
        }
    }
}
