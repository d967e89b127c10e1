import Foundation

/// The staff side of the hub: accounts, dashboard sessions, the staff audit trail, and the fleet
/// overview the dashboard shows. Both engines implement it (SQLiteStaffStore.swift,
/// PostgresStaffStore.swift); every method is one transaction.
public protocol StaffStore: Sendable {
    /// Adds an account; false if the username is taken.
    func addStaff(_ account: NewStaffAccount, now: Date) async throws(HubStoreError) -> Bool

    /// The account with this username, disabled or not.
    func staffAccount(username: String) async throws(HubStoreError) -> StaffAccount?

    /// Every account, by username.
    func staffAccounts() async throws(HubStoreError) -> [StaffAccount]

    /// Replaces the password hash, clears any lockout and ends the account's sessions (whoever
    /// knew the old password is logged out). False if no such account.
    func setStaffPassword(username: String, passwordHash: String, now: Date) async throws(HubStoreError) -> Bool

    /// Disables (ending its sessions) or re-enables an account. False if no such account.
    func setStaffDisabled(username: String, disabled: Bool, now: Date) async throws(HubStoreError) -> Bool

    /// Counts a wrong password; at `policy.maxFailures` in a row the account locks for
    /// `policy.lockout` and the count starts again. Returns the lock's end if it is now locked.
    func recordStaffLoginFailure(username: String, now: Date, policy: StaffLoginPolicy) async throws(HubStoreError) -> Date?

    /// Starts a session after a correct password: clears the failure count, stores the session,
    /// and deletes sessions that expired under `policy` without being used again.
    func startStaffSession(_ session: NewStaffSession, now: Date, policy: StaffSessionPolicy) async throws(HubStoreError)

    /// Looks a session up by its token's hash and, if it is live under `policy` and its account
    /// is enabled, marks it used now. An expired session is deleted.
    func useStaffSession(tokenHash: String, now: Date, policy: StaffSessionPolicy) async throws(HubStoreError) -> StaffSessionLookup

    /// Ends a session (logout). False if there was none.
    func endStaffSession(tokenHash: String) async throws(HubStoreError) -> Bool

    /// Appends to the staff audit trail. Nothing updates or deletes these rows.
    func appendStaffAudit(_ entry: StaffAuditEntry) async throws(HubStoreError)

    /// The newest `limit` audit rows, newest first.
    func staffAudit(limit: Int) async throws(HubStoreError) -> [StaffAuditEntry]

    /// Every kiosk (of `office`, or all) with its latest heartbeat, its seq state and its
    /// transactions stamped within `transactionsFrom..<transactionsUntil`, by kind.
    func fleetOverview(office: String?, transactionsFrom: Date, transactionsUntil: Date) async throws(HubStoreError) -> [FleetKioskRow]

    /// The street offices that have kiosks, sorted.
    func kioskOffices() async throws(HubStoreError) -> [String]
}

/// A staff account as stored. The password is only ever a KDF hash (``StaffPassword``).
public struct StaffAccount: Sendable, Equatable {
    public var username: String
    public var displayName: String
    public var passwordHash: String
    public var createdAt: Date
    public var passwordChangedAt: Date
    public var disabledAt: Date?
    /// Wrong passwords in a row since the last success or lock.
    public var failedLogins: Int
    public var lockedUntil: Date?

    public init(username: String, displayName: String, passwordHash: String, createdAt: Date, passwordChangedAt: Date,
                disabledAt: Date?, failedLogins: Int, lockedUntil: Date?) {
        self.username = username
        self.displayName = displayName
        self.passwordHash = passwordHash
        self.createdAt = createdAt
        self.passwordChangedAt = passwordChangedAt
        self.disabledAt = disabledAt
        self.failedLogins = failedLogins
        self.lockedUntil = lockedUntil
    }

    public func isLocked(at now: Date) -> Bool { lockedUntil.map { $0 > now } ?? false }
}

public struct NewStaffAccount: Sendable, Equatable {
    public var username: String
    public var displayName: String
    public var passwordHash: String

    public init(username: String, displayName: String, passwordHash: String) {
        self.username = username
        self.displayName = displayName
        self.passwordHash = passwordHash
    }

    /// Lower-case letters, digits, `.`, `_` and `-`, 2 to 32 long, starting with a letter: names
    /// that read the same in an audit row, a log line and a shell.
    public static func isValidUsername(_ name: String) -> Bool {
        guard (2...32).contains(name.count), let first = name.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
        return name.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "_" || $0 == "-" }
    }
}

/// A session about to start. Only the hash of its cookie token is stored, so a copy of the
/// database does not let anyone in; the CSRF token is a second secret, shown in forms.
public struct NewStaffSession: Sendable, Equatable {
    public var tokenHash: String
    public var username: String
    public var csrfToken: String
    public var clientAddress: String

    public init(tokenHash: String, username: String, csrfToken: String, clientAddress: String) {
        self.tokenHash = tokenHash
        self.username = username
        self.csrfToken = csrfToken
        self.clientAddress = clientAddress
    }
}

/// A live session, as a request sees it.
public struct StaffSession: Sendable, Equatable {
    public var username: String
    public var displayName: String
    public var csrfToken: String
    public var createdAt: Date

    public init(username: String, displayName: String, csrfToken: String, createdAt: Date) {
        self.username = username
        self.displayName = displayName
        self.csrfToken = csrfToken
        self.createdAt = createdAt
    }
}

public enum StaffSessionLookup: Sendable, Equatable {
    case live(StaffSession)
    /// The session existed but ran past its idle or absolute limit (now deleted), or its account
    /// was disabled.
    case expired(username: String)
    case unknown
}

/// How long a dashboard session lasts: it ends after `idle` without a request (等保 "登录连接超时
/// 自动退出"), and after `absolute` whatever happens, so a stolen cookie does not live forever.
public struct StaffSessionPolicy: Sendable, Equatable {
    public var idle: Duration
    public var absolute: Duration

    public init(idle: Duration = .seconds(15 * 60), absolute: Duration = .seconds(8 * 3600)) {
        self.idle = idle
        self.absolute = absolute
    }

    /// Stored times (ms) at or before which a session is idle too long, or too old.
    func expiredBefore(_ now: Date) -> (lastSeen: Int64, created: Int64) {
        (now.addingTimeInterval(-idle.seconds).storedMilliseconds, now.addingTimeInterval(-absolute.seconds).storedMilliseconds)
    }

    /// Whether a session created at `created` and last used at `lastSeen` may still be used.
    public func isLive(created: Date, lastSeen: Date, now: Date) -> Bool {
        now.timeIntervalSince(lastSeen) < idle.seconds && now.timeIntervalSince(created) < absolute.seconds
    }
}

/// Login failures tolerated before an account locks, and for how long (等保 "限制非法登录次数").
public struct StaffLoginPolicy: Sendable, Equatable {
    public var maxFailures: Int
    public var lockout: Duration

    public init(maxFailures: Int = 5, lockout: Duration = .seconds(15 * 60)) {
        self.maxFailures = maxFailures
        self.lockout = lockout
    }
}

/// One row of the staff audit trail: when, who, what, on what, and whether it succeeded (the
/// fields 等保 8.1.4.3 asks for), plus the client's address.
public struct StaffAuditEntry: Sendable, Equatable {
    public enum Outcome: String, Sendable, Equatable {
        case success, failure, refused
    }

    public var at: Date
    /// The staff username, or `zizhuctl` for an operator at the hub's console, or the name
    /// typed at a failed login.
    public var actor: String
    /// A dotted name: `login`, `logout`, `fleet.view`, `staff.add`, `review.decide`…
    public var action: String
    public var target: String?
    public var outcome: Outcome
    public var clientAddress: String?
    /// Short free text with no personal data (a reason code, a filter).
    public var detail: String?

    public init(at: Date, actor: String, action: String, target: String? = nil, outcome: Outcome,
                clientAddress: String? = nil, detail: String? = nil) {
        self.at = Date(storedMilliseconds: at.storedMilliseconds)
        self.actor = actor
        self.action = action
        self.target = target
        self.outcome = outcome
        self.clientAddress = clientAddress
        self.detail = detail
    }
}

/// One kiosk as the fleet dashboard needs it, straight from the database; HubServer reads the
/// heartbeat's report.
public struct FleetKioskRow: Sendable, Equatable {
    public var deviceID: String
    public var office: String
    public var enrolledAt: Date
    public var revokedAt: Date?
    /// Every seq up to this one is stored.
    public var contiguousThrough: Int64
    public var highestSeq: Int64
    /// Items stored above `contiguousThrough`; the seqs missing are
    /// `highestSeq - contiguousThrough - storedAboveContiguous`.
    public var storedAboveContiguous: Int64
    public var lastHeartbeatAt: Date?
    public var lastClockSkewMilliseconds: Int64?
    /// The latest heartbeat's report (JSON), if the kiosk ever sent one.
    public var lastReportJSON: String?
    /// Transactions in the asked window, by kind.
    public var transactionsByKind: [String: Int]

    public init(deviceID: String, office: String, enrolledAt: Date, revokedAt: Date?, contiguousThrough: Int64, highestSeq: Int64,
                storedAboveContiguous: Int64, lastHeartbeatAt: Date?, lastClockSkewMilliseconds: Int64?, lastReportJSON: String?,
                transactionsByKind: [String: Int]) {
        self.deviceID = deviceID
        self.office = office
        self.enrolledAt = enrolledAt
        self.revokedAt = revokedAt
        self.contiguousThrough = contiguousThrough
        self.highestSeq = highestSeq
        self.storedAboveContiguous = storedAboveContiguous
        self.lastHeartbeatAt = lastHeartbeatAt
        self.lastClockSkewMilliseconds = lastClockSkewMilliseconds
        self.lastReportJSON = lastReportJSON
        self.transactionsByKind = transactionsByKind
    }

    /// How many seqs below the highest are not stored.
    public var missingSeqCount: Int64 { max(0, highestSeq - contiguousThrough - storedAboveContiguous) }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
