import ArgumentParser
import Foundation
import HubStore
import ZizhuConfiguration

/// `zizhuctl hub staff …`: dashboard accounts, managed at the hub's console (whoever may open
/// the hub's database). Every change is written to the staff audit trail as actor `zizhuctl`.
struct StaffCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "staff", abstract: "Staff accounts for the hub's dashboard.",
        subcommands: [StaffAdd.self, StaffPasswd.self, StaffDisable.self, StaffEnable.self, StaffList.self])
}

/// Where a new password comes from. Never from the command line: that shows in `ps` and in
/// shell history.
struct StaffPasswordSource: ParsableArguments {
    @Option(help: "Read the password from the first line of this file ('-' for standard input). Default: standard input.")
    var passwordFile: String?

    @Flag(help: "Make up a random password and print it once.")
    var generatePassword = false

    /// The password, checked against StaffPassword's rules, and whether to print it.
    func password() throws -> (String, generated: Bool) {
        if generatePassword {
            guard passwordFile == nil else { throw ValidationError("--password-file and --generate-password exclude each other") }
            return (String(StaffToken.generate().prefix(16)), true)
        }
        let text: String?
        if let passwordFile, passwordFile != "-" {
            guard let contents = FileManager.default.contents(atPath: passwordFile) else {
                throw ValidationError("cannot read \(passwordFile)")
            }
            text = String(decoding: contents, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init)
        } else {
            FileHandle.standardError.write(Data("password: ".utf8))
            text = readLine(strippingNewline: true)
        }
        guard let password = text?.trimmingCharacters(in: CharacterSet(charactersIn: "\r")), !password.isEmpty else {
            throw ValidationError("no password given")
        }
        do {
            try StaffPassword.check(password)
        } catch {
            throw ValidationError("\(error)")
        }
        return (password, false)
    }
}

enum StaffAudit {
    static func entry(_ action: String, _ username: String, outcome: StaffAuditEntry.Outcome) -> StaffAuditEntry {
        let user = ProcessInfo.processInfo.environment["SUDO_USER"] ?? ProcessInfo.processInfo.environment["USER"] ?? "unknown"
        return StaffAuditEntry(at: Date(), actor: "zizhuctl", action: action, target: username, outcome: outcome, detail: "os user \(user)")
    }
}

struct StaffAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Add a staff account.")
    @OptionGroup var store: HubStoreOptions
    @OptionGroup var source: StaffPasswordSource
    @Argument(help: "Login name: lower-case letters, digits, '.', '_' or '-', starting with a letter.") var username: String
    @Option(help: "The name the dashboard shows (e.g. 王芳).") var name: String

    func run() async throws {
        guard NewStaffAccount.isValidUsername(username) else {
            throw ValidationError("'\(username)' is not a username: 2–32 lower-case letters, digits, '.', '_' or '-', starting with a letter")
        }
        let displayName = name.trimmingCharacters(in: .whitespaces)
        guard (1...40).contains(displayName.count) else { throw ValidationError("--name must have 1 to 40 characters") }
        let (password, generated) = try source.password()
        let account = NewStaffAccount(username: username, displayName: displayName, passwordHash: StaffPassword.hash(password, parameters: .cost(try store.settings().dashboardPasswordCost)))
        let added = try await store.withStore { store in
            let added = try await store.addStaff(account, now: Date())
            try await store.appendStaffAudit(StaffAudit.entry("staff.add", account.username, outcome: added ? .success : .failure))
            return added
        }
        guard added else {
            print("staff \(username): already exists (use 'zizhuctl hub staff passwd' to set a new password)")
            throw ExitCode(1)
        }
        print("staff \(username): added")
        if generated { print("password: \(password)") }
    }
}

struct StaffPasswd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passwd", abstract: "Set a staff account's password; ends its sessions and clears a lockout.")
    @OptionGroup var store: HubStoreOptions
    @OptionGroup var source: StaffPasswordSource
    @Argument(help: "The account's username.") var username: String

    func run() async throws {
        let (password, generated) = try source.password()
        let hash = StaffPassword.hash(password, parameters: .cost(try store.settings().dashboardPasswordCost))
        let username = self.username
        let changed = try await store.withStore { store in
            let changed = try await store.setStaffPassword(username: username, passwordHash: hash, now: Date())
            try await store.appendStaffAudit(StaffAudit.entry("staff.passwd", username, outcome: changed ? .success : .failure))
            return changed
        }
        guard changed else {
            print("no staff account \(username)")
            throw ExitCode(1)
        }
        print("staff \(username): password set")
        if generated { print("password: \(password)") }
    }
}

struct StaffDisable: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "disable", abstract: "Disable a staff account and end its sessions.")
    @OptionGroup var store: HubStoreOptions
    @Argument(help: "The account's username.") var username: String

    func run() async throws {
        try await StaffEnable.set(username, disabled: true, store: store)
    }
}

struct StaffEnable: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "enable", abstract: "Enable a disabled staff account again.")
    @OptionGroup var store: HubStoreOptions
    @Argument(help: "The account's username.") var username: String

    func run() async throws {
        try await Self.set(username, disabled: false, store: store)
    }

    static func set(_ username: String, disabled: Bool, store: HubStoreOptions) async throws {
        let changed = try await store.withStore { store in
            let changed = try await store.setStaffDisabled(username: username, disabled: disabled, now: Date())
            try await store.appendStaffAudit(StaffAudit.entry(disabled ? "staff.disable" : "staff.enable", username,
                                                               outcome: changed ? .success : .failure))
            return changed
        }
        guard changed else {
            print("no staff account \(username)")
            throw ExitCode(1)
        }
        print("staff \(username): \(disabled ? "disabled" : "enabled")")
    }
}

struct StaffList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List staff accounts.")
    @OptionGroup var store: HubStoreOptions

    func run() async throws {
        let accounts = try await store.withStore { store in try await store.staffAccounts() }
        let now = Date()
        for account in accounts {
            var state = account.disabledAt.map { "disabled \($0.ISO8601Format())" } ?? "active"
            if account.isLocked(at: now), let until = account.lockedUntil { state += ", locked until \(until.ISO8601Format())" }
            print("\(account.username)  \(account.displayName)  \(state)  password set \(account.passwordChangedAt.ISO8601Format())")
        }
    }
}
