import Foundation

/// The dashboard accounts `zizhu-hub seed-demo` makes, so that a new user can log in to the
/// demo hub's dashboard at once. Their passwords are random, printed once by seed-demo (a demo
/// database copied to a real hub keeps no well-known password).
public enum DemoStaff {
    public static let accounts = [("wangfang", "王芳"), ("lijun", "李军")]

    /// Adds the demo accounts that do not exist yet, audited as made by `seed-demo`.
    /// - Returns: the usernames added, with their new passwords.
    public static func seed(into store: any HubStore, now: Date, passwordParameters: StaffPassword.Parameters = .standard)
        async throws(HubStoreError) -> [(username: String, password: String)] {
        var added: [(username: String, password: String)] = []
        for (username, name) in accounts {
            let password = String(StaffToken.generate().prefix(12))
            guard try await store.addStaff(NewStaffAccount(username: username, displayName: name, passwordHash: StaffPassword.hash(password, parameters: passwordParameters)), now: now)
            else { continue }
            try await store.appendStaffAudit(StaffAuditEntry(at: now, actor: "seed-demo", action: "staff.add", target: username, outcome: .success))
            added.append((username, password))
        }
        return added
    }
}
