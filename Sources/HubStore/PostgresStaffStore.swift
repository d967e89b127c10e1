import Foundation
import Logging
import PostgresNIO

/// ``StaffStore`` on PostgreSQL: the same statements as SQLiteStaffStore.swift, in one
/// transaction each where they read and then write.
extension PostgresHubStore {
    private static let staffColumns = "username, display_name, password_hash, created_at, password_changed_at, disabled_at, failed_logins, locked_until"

    public func addStaff(_ account: NewStaffAccount, now: Date) async throws(HubStoreError) -> Bool {
        try await staffPerform {
            let rows = try await self.client.query("""
                INSERT INTO staff (username, display_name, password_hash, created_at, password_changed_at)
                VALUES (\(account.username), \(account.displayName), \(account.passwordHash), \(now.storedMilliseconds), \(now.storedMilliseconds))
                ON CONFLICT (username) DO NOTHING RETURNING 1
                """, logger: self.logger)
            return try await rows.collect().count == 1
        }
    }

    public func staffAccount(username: String) async throws(HubStoreError) -> StaffAccount? {
        try await fetchStaff(PostgresQuery(unsafeSQL: "SELECT \(Self.staffColumns) FROM staff WHERE username = $1", binds: binds(username))).first
    }

    public func staffAccounts() async throws(HubStoreError) -> [StaffAccount] {
        try await fetchStaff(PostgresQuery(unsafeSQL: "SELECT \(Self.staffColumns) FROM staff ORDER BY username"))
    }

    private func binds(_ text: String) -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(text)
        return bindings
    }

    private func fetchStaff(_ query: PostgresQuery) async throws(HubStoreError) -> [StaffAccount] {
        try await staffPerform {
            var accounts: [StaffAccount] = []
            let rows = try await self.client.query(query, logger: self.logger)
            for try await (username, name, hash, created, changed, disabled, failed, locked)
                in rows.decode((String, String, String, Int64, Int64, Int64?, Int32, Int64?).self) {
                accounts.append(StaffAccount(
                    username: username, displayName: name, passwordHash: hash, createdAt: Date(storedMilliseconds: created),
                    passwordChangedAt: Date(storedMilliseconds: changed), disabledAt: disabled.map(Date.init(storedMilliseconds:)),
                    failedLogins: Int(failed), lockedUntil: locked.map(Date.init(storedMilliseconds:))))
            }
            return accounts
        }
    }

    public func setStaffPassword(username: String, passwordHash: String, now: Date) async throws(HubStoreError) -> Bool {
        let logger = self.logger
        return try await staffTransaction { connection in
            let updated = try await connection.query("""
                UPDATE staff SET password_hash = \(passwordHash), password_changed_at = \(now.storedMilliseconds), failed_logins = 0, locked_until = NULL
                WHERE username = \(username) RETURNING 1
                """, logger: logger).collect().count == 1
            if updated { try await connection.query("DELETE FROM staff_sessions WHERE username = \(username)", logger: logger) }
            return updated
        }
    }

    public func setStaffDisabled(username: String, disabled: Bool, now: Date) async throws(HubStoreError) -> Bool {
        let logger = self.logger
        let disabledAt: Int64? = disabled ? now.storedMilliseconds : nil
        return try await staffTransaction { connection in
            let updated = try await connection.query(
                "UPDATE staff SET disabled_at = \(disabledAt) WHERE username = \(username) RETURNING 1", logger: logger).collect().count == 1
            if updated && disabled { try await connection.query("DELETE FROM staff_sessions WHERE username = \(username)", logger: logger) }
            return updated
        }
    }

    public func recordStaffLoginFailure(username: String, now: Date, policy: StaffLoginPolicy) async throws(HubStoreError) -> Date? {
        let logger = self.logger
        let until = now.addingTimeInterval(policy.lockout.seconds).storedMilliseconds
        let maxFailures = Int32(clamping: policy.maxFailures)
        // One statement: count the failure, and at the limit lock and start counting again.
        return try await staffPerform {
            let rows = try await self.client.query("""
                UPDATE staff SET
                  locked_until = CASE WHEN failed_logins + 1 >= \(maxFailures) THEN \(until) ELSE locked_until END,
                  failed_logins = CASE WHEN failed_logins + 1 >= \(maxFailures) THEN 0 ELSE failed_logins + 1 END
                WHERE username = \(username) RETURNING failed_logins, locked_until
                """, logger: logger)
            for try await (failures, locked) in rows.decode((Int32, Int64?).self) where failures == 0 && locked == until {
                return Date(storedMilliseconds: until)
            }
            return nil
        }
    }

    public func startStaffSession(_ session: NewStaffSession, now: Date, policy: StaffSessionPolicy) async throws(HubStoreError) {
        let logger = self.logger
        let (idleBefore, startedBefore) = policy.expiredBefore(now)
        try await staffTransaction { connection in
            // Sessions nobody came back to are forgotten here, at the next login.
            try await connection.query("DELETE FROM staff_sessions WHERE last_seen_at <= \(idleBefore) OR created_at <= \(startedBefore)", logger: logger)
            try await connection.query("UPDATE staff SET failed_logins = 0, locked_until = NULL WHERE username = \(session.username)", logger: logger)
            try await connection.query("""
                INSERT INTO staff_sessions (token_hash, username, csrf_token, created_at, last_seen_at, client_address)
                VALUES (\(session.tokenHash), \(session.username), \(session.csrfToken), \(now.storedMilliseconds), \(now.storedMilliseconds), \(session.clientAddress))
                """, logger: logger)
        }
    }

    public func useStaffSession(tokenHash: String, now: Date, policy: StaffSessionPolicy) async throws(HubStoreError) -> StaffSessionLookup {
        let logger = self.logger
        return try await staffTransaction { connection -> StaffSessionLookup in
            var found: (String, String, Int64, Int64, String, Int64?)?
            for try await row in try await connection.query("""
                SELECT s.username, s.csrf_token, s.created_at, s.last_seen_at, a.display_name, a.disabled_at
                FROM staff_sessions s JOIN staff a ON a.username = s.username WHERE s.token_hash = \(tokenHash) FOR UPDATE OF s
                """, logger: logger).decode((String, String, Int64, Int64, String, Int64?).self) {
                found = row
            }
            guard let (username, csrf, created, lastSeen, displayName, disabledAt) = found else { return .unknown }
            let createdAt = Date(storedMilliseconds: created)
            guard disabledAt == nil, policy.isLive(created: createdAt, lastSeen: Date(storedMilliseconds: lastSeen), now: now) else {
                try await connection.query("DELETE FROM staff_sessions WHERE token_hash = \(tokenHash)", logger: logger)
                return .expired(username: username)
            }
            try await connection.query("UPDATE staff_sessions SET last_seen_at = \(now.storedMilliseconds) WHERE token_hash = \(tokenHash)", logger: logger)
            return .live(StaffSession(username: username, displayName: displayName, csrfToken: csrf, createdAt: createdAt))
        }
    }

    public func endStaffSession(tokenHash: String) async throws(HubStoreError) -> Bool {
        try await staffPerform {
            try await self.client.query("DELETE FROM staff_sessions WHERE token_hash = \(tokenHash) RETURNING 1", logger: self.logger).collect().count == 1
        }
    }

    public func appendStaffAudit(_ entry: StaffAuditEntry) async throws(HubStoreError) {
        _ = try await staffPerform {
            try await self.client.query("""
                INSERT INTO staff_audit (at, actor, action, target, outcome, client_address, detail)
                VALUES (\(entry.at.storedMilliseconds), \(entry.actor), \(entry.action), \(entry.target), \(entry.outcome.rawValue), \(entry.clientAddress), \(entry.detail))
                """, logger: self.logger)
        }
    }

    public func staffAudit(limit: Int) async throws(HubStoreError) -> [StaffAuditEntry] {
        try await staffPerform {
            var entries: [StaffAuditEntry] = []
            let rows = try await self.client.query("""
                SELECT at, actor, action, target, outcome, client_address, detail FROM staff_audit ORDER BY id DESC LIMIT \(limit)
                """, logger: self.logger)
            for try await (at, actor, action, target, outcome, address, detail) in rows.decode((Int64, String, String, String?, String, String?, String?).self) {
                entries.append(StaffAuditEntry(at: Date(storedMilliseconds: at), actor: actor, action: action, target: target,
                                               outcome: StaffAuditEntry.Outcome(rawValue: outcome) ?? .failure, clientAddress: address, detail: detail))
            }
            return entries
        }
    }

    public func fleetOverview(office: String?, transactionsFrom: Date, transactionsUntil: Date) async throws(HubStoreError) -> [FleetKioskRow] {
        try await staffPerform {
            var counts: [String: [String: Int]] = [:]
            let from = transactionsFrom.storedMilliseconds, until = transactionsUntil.storedMilliseconds
            let countQuery: PostgresQuery = office.map { office in """
                SELECT t.device_id, t.kind, COUNT(*) FROM kiosks k JOIN transactions t
                  ON t.device_id = k.device_id AND t.wall_time >= \(from) AND t.wall_time < \(until)
                WHERE t.rejection IS NULL AND k.office = \(office)
                GROUP BY t.device_id, t.kind
                """ } ?? """
                SELECT t.device_id, t.kind, COUNT(*) FROM kiosks k JOIN transactions t
                  ON t.device_id = k.device_id AND t.wall_time >= \(from) AND t.wall_time < \(until)
                WHERE t.rejection IS NULL
                GROUP BY t.device_id, t.kind
                """
            for try await (deviceID, kind, count) in try await self.client.query(countQuery, logger: self.logger).decode((String, String, Int64).self) {
                counts[deviceID, default: [:]][kind] = Int(count)
            }
            let select = """
                SELECT k.device_id, k.office, k.enrolled_at, k.revoked_at, k.contiguous_through, k.highest_seq,
                  (SELECT COUNT(*) FROM transactions t WHERE t.device_id = k.device_id AND t.seq > k.contiguous_through),
                  h.received_at, h.clock_skew_ms, h.report
                FROM kiosks k
                LEFT JOIN LATERAL (SELECT received_at, clock_skew_ms, report FROM heartbeats
                                   WHERE device_id = k.device_id ORDER BY id DESC LIMIT 1) h ON TRUE
                """
            let order = "ORDER BY k.office COLLATE \"C\", k.enrolled_at, k.device_id COLLATE \"C\""
            let kioskQuery = office.map { PostgresQuery(unsafeSQL: "\(select) WHERE k.office = $1 \(order)", binds: binds($0)) }
                ?? PostgresQuery(unsafeSQL: "\(select) \(order)")
            var kiosks: [FleetKioskRow] = []
            let rows = try await self.client.query(kioskQuery, logger: self.logger)
            for try await (deviceID, office, enrolled, revoked, contiguous, highest, above, received, skew, report)
                in rows.decode((String, String, Int64, Int64?, Int64, Int64, Int64, Int64?, Int64?, String?).self) {
                kiosks.append(FleetKioskRow(
                    deviceID: deviceID, office: office, enrolledAt: Date(storedMilliseconds: enrolled), revokedAt: revoked.map(Date.init(storedMilliseconds:)),
                    contiguousThrough: contiguous, highestSeq: highest, storedAboveContiguous: above,
                    lastHeartbeatAt: received.map(Date.init(storedMilliseconds:)), lastClockSkewMilliseconds: skew, lastReportJSON: report,
                    transactionsByKind: counts[deviceID] ?? [:]))
            }
            return kiosks
        }
    }

    public func kioskOffices() async throws(HubStoreError) -> [String] {
        try await staffPerform {
            var offices: [String] = []
            for try await office in try await self.client.query("SELECT DISTINCT office COLLATE \"C\" FROM kiosks ORDER BY 1", logger: self.logger).decode(String.self) {
                offices.append(office)
            }
            return offices
        }
    }

    // MARK: Errors as values

    private func staffPerform<T: Sendable>(_ body: @Sendable () async throws -> T) async throws(HubStoreError) -> T {
        do {
            return try await body()
        } catch let error as HubStoreError {
            throw error
        } catch {
            throw .database(String(reflecting: error))
        }
    }

    private func staffTransaction<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws(HubStoreError) -> T {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch let error as PostgresTransactionError {
            if let inner = error.closureError as? HubStoreError { throw inner }
            throw .database(String(reflecting: error))
        } catch {
            throw .database(String(reflecting: error))
        }
    }
}
