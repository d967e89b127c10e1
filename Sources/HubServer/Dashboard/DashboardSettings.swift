import HubStore

/// The staff dashboard's limits, from `HubConfiguration`'s `dashboard.*` keys.
public struct DashboardSettings: Sendable {
    /// Idle and absolute session lifetimes.
    public var sessions: StaffSessionPolicy
    /// Wrong passwords before an account locks, and for how long.
    public var logins: StaffLoginPolicy
    /// Login attempts one client address may make at once, and per minute after that (429 beyond).
    public var loginBurst: Int
    public var loginPerMinute: Int
    /// A kiosk whose last heartbeat is older than this shows as offline (kiosks beat every 60 s).
    public var offlineAfter: Duration
    /// The scrypt parameters new password hashes get; a login for an unknown name costs as much.
    public var passwordParameters: StaffPassword.Parameters

    public init(sessions: StaffSessionPolicy = StaffSessionPolicy(), logins: StaffLoginPolicy = StaffLoginPolicy(),
                loginBurst: Int = 10, loginPerMinute: Int = 10, offlineAfter: Duration = .seconds(300),
                passwordParameters: StaffPassword.Parameters = .standard) {
        self.passwordParameters = passwordParameters
        self.sessions = sessions
        self.logins = logins
        self.loginBurst = loginBurst
        self.loginPerMinute = loginPerMinute
        self.offlineAfter = offlineAfter
    }
}
