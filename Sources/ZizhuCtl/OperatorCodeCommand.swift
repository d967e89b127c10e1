import ArgumentParser
import Foundation
import StaffAccess
import ZizhuConfiguration

/// `zizhuctl operator-code`: the code that opens staff mode on a kiosk's touchscreen (工作人员专用 on
/// the attract screen). It changes every five minutes and opens staff mode once.
struct OperatorCodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "operator-code",
        abstract: "Print the current code for the kiosk's staff mode (changes every 5 minutes).",
        discussion: """
            The code comes from the kiosk's operator key, <storage.state_directory>/operator.key.
            --init makes the key when the kiosk has none (kiosk/install.sh does this); --rotate makes
            a new one, after which old codes stop working. Codes are for staff only: say them to
            nobody, and type them where nobody watches.
            """)

    @OptionGroup var options: KioskConfigOption
    @Option(help: "The operator key file (default: operator.key in the kiosk's state directory).")
    var keyFile: String?
    @Flag(help: "Create the key if there is none.")
    var `init` = false
    @Flag(help: "Replace the key with a new one.")
    var rotate = false

    func run() throws {
        let path = try keyFile ?? OperatorKey.path(stateDirectory: options.load().stateDirectory)
        let manager = FileManager.default
        if rotate || (self.`init` && !manager.fileExists(atPath: path)) {
            try Self.writeKey(OperatorKey.generate(), to: path)
            print("new operator key in \(path)")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ValidationError("no operator key at \(path): create one with `zizhuctl operator-code --init` (as root)")
        }
        guard let key = OperatorKey(hex: text) else {
            throw ValidationError("\(path) is not an operator key (64 hex digits): replace it with `zizhuctl operator-code --rotate`")
        }
        let now = Int64(Date().timeIntervalSince1970)
        let code = OperatorCode.code(key: key, at: now).map(String.init).joined()
        let validUntil = (OperatorCode.counter(at: now) + 1) * OperatorCode.step
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss"
        print("\(code)  (new code at \(formatter.string(from: Date(timeIntervalSince1970: Double(validUntil)))); each code opens staff mode once)")
    }

    /// Writes the key readable by its owner and group only, owned like the state directory it is
    /// in (the kiosk's user), so the kiosk reads it and other users do not.
    static func writeKey(_ key: OperatorKey, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = path + ".new"
        guard FileManager.default.createFile(atPath: temporary, contents: Data((key.hex + "\n").utf8), attributes: [.posixPermissions: 0o640]) else {
            throw ValidationError("cannot write \(temporary): run as root, or check the folder")
        }
        if let owner = try? FileManager.default.attributesOfItem(atPath: directory),
           let uid = owner[.ownerAccountID] as? NSNumber, let gid = owner[.groupOwnerAccountID] as? NSNumber {
            _ = chown(temporary, uid_t(uid.uint32Value), gid_t(gid.uint32Value))
        }
        guard rename(temporary, path) == 0 else { throw ValidationError("cannot replace \(path): \(String(cString: strerror(errno)))") }
    }
}
