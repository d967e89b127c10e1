import Crypto
import Foundation
import Synchronization
import _CryptoExtras

/// Staff passwords, hashed with scrypt (RFC 7914, BoringSSL through swift-crypto's extras).
///
/// Stored form: `scrypt$<log2 N>$<r>$<p>$<salt, base64>$<key, base64>`, so the parameters travel
/// with each hash and can be raised later without breaking old ones. The default N = 2^15, r = 8,
/// p = 3 is one of OWASP's equivalent scrypt settings (32 MiB per hash, ~0.1–0.3 s on a hub
/// core): slow enough that a stolen table costs an attacker dearly, fast enough for a login.
public enum StaffPassword {
    public struct Parameters: Sendable, Hashable {
        public var log2N: Int
        public var blockSize: Int
        public var parallelism: Int

        public init(log2N: Int, blockSize: Int, parallelism: Int) {
            self.log2N = log2N
            self.blockSize = blockSize
            self.parallelism = parallelism
        }

        public static let standard = Parameters(log2N: 15, blockSize: 8, parallelism: 3)

        /// The standard block size and parallelism with cost `log2N` (the hub's
        /// `dashboard.password_cost`; tests of login flows use a low one).
        public static func cost(_ log2N: Int) -> Parameters {
            Parameters(log2N: log2N, blockSize: standard.blockSize, parallelism: standard.parallelism)
        }
    }

    /// Why a new password is refused; the staff member (or the operator setting it) picks another.
    public enum Refusal: Error, Equatable, CustomStringConvertible {
        case tooShort(minimum: Int)
        case tooLong(maximum: Int)

        public var description: String {
            switch self {
            case .tooShort(let minimum): return "the password must have at least \(minimum) characters"
            case .tooLong(let maximum): return "the password must have at most \(maximum) characters"
            }
        }
    }

    public static let minimumLength = 10
    /// Long enough for any passphrase; short enough that nobody makes the hub hash megabytes.
    public static let maximumLength = 256

    /// Checks a new password's length (NIST SP 800-63B: length, not composition rules).
    public static func check(_ password: String) throws(Refusal) {
        guard password.count >= minimumLength else { throw .tooShort(minimum: minimumLength) }
        guard password.count <= maximumLength else { throw .tooLong(maximum: maximumLength) }
    }

    /// Hashes `password` with a fresh 16-byte salt.
    public static func hash(_ password: String, parameters: Parameters = .standard) -> String {
        var salt = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for index in salt.indices { salt[index] = generator.next() }
        let key = derive(password, salt: salt, parameters: parameters) ?? []
        return ["scrypt", String(parameters.log2N), String(parameters.blockSize), String(parameters.parallelism),
                Data(salt).base64EncodedString(), Data(key).base64EncodedString()].joined(separator: "$")
    }

    /// True if `password` matches `stored`. A malformed hash (or absurd parameters) never matches.
    public static func verify(_ password: String, against stored: String) -> Bool {
        guard password.count <= maximumLength else { return false }
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "scrypt",
              let log2N = Int(parts[1]), let blockSize = Int(parts[2]), let parallelism = Int(parts[3]),
              (10...20).contains(log2N), (1...16).contains(blockSize), (1...16).contains(parallelism),
              let salt = Data(base64Encoded: String(parts[4])), let expected = Data(base64Encoded: String(parts[5])),
              !salt.isEmpty, expected.count == 32,
              let key = derive(password, salt: Array(salt), parameters: Parameters(log2N: log2N, blockSize: blockSize, parallelism: parallelism))
        else { return false }
        // Compared through HMAC keys' constant-time equality, not `==` on bytes.
        return SymmetricKey(data: key) == SymmetricKey(data: expected)
    }

    /// A hash to check unknown usernames against, so that a login for a name that does not exist
    /// takes as long as one with a wrong password and does not reveal which names exist. Made
    /// once per cost, at the cost new hashes get (``Parameters/cost(_:)``).
    public static func decoy(_ parameters: Parameters) -> String {
        decoys.withLock { decoys in
            if let decoy = decoys[parameters] { return decoy }
            let decoy = hash("decoy password never issued", parameters: parameters)
            decoys[parameters] = decoy
            return decoy
        }
    }

    private static let decoys = Mutex<[Parameters: String]>([:])

    private static func derive(_ password: String, salt: [UInt8], parameters: Parameters) -> [UInt8]? {
        // 128 · r · N bytes for the big array, plus 128 · r · p; BoringSSL refuses beyond maxMemory.
        let memory = 128 * parameters.blockSize * ((1 << parameters.log2N) + parameters.parallelism) + (1 << 20)
        guard let key = try? KDF.Scrypt.deriveKey(
            from: Array(password.utf8), salt: salt, outputByteCount: 32,
            rounds: 1 << parameters.log2N, blockSize: parameters.blockSize, parallelism: parameters.parallelism, maxMemory: memory)
        else { return nil }
        return key.withUnsafeBytes { Array($0) }
    }
}

/// Random tokens for session cookies and CSRF fields, and the hash a session is stored under.
public enum StaffToken {
    /// 32 random bytes, base64url without padding (43 characters).
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// SHA-256 of the token, hex: what the sessions table keys on.
    public static func hash(_ token: String) -> String {
        SHA256.hash(data: Array(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Equality that takes as long whatever the first difference is (for CSRF tokens).
    public static func constantTimeEquals(_ left: String, _ right: String) -> Bool {
        let a = Array(left.utf8), b = Array(right.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
