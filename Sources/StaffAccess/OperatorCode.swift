import Crypto
import Foundation

/// The secret a kiosk shares with its operators: 32 random bytes, stored as 64 hex digits in a
/// file only root and the kiosk's user can read (`<state directory>/operator.key`).
public struct OperatorKey: Sendable, Equatable {
    public let bytes: [UInt8]

    public init?(hex: String) {
        let text = hex.trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.count == 64 else { return nil }
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self.bytes = bytes
    }

    public static func generate() -> OperatorKey {
        var generator = SystemRandomNumberGenerator()
        return OperatorKey(bytes: (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    public var hex: String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// Names the key without revealing it (the first 8 bytes of its SHA-256, hex).
    public var fingerprint: String { SHA256.hash(data: bytes).prefix(8).map { String(format: "%02x", $0) }.joined() }

    /// The key's file under a kiosk's state directory.
    public static func path(stateDirectory: String) -> String { stateDirectory + "/operator.key" }
}

/// Staff codes that change every five minutes (RFC 6238 TOTP with HMAC-SHA256, 8 digits): staff
/// read one with `zizhuctl operator-code` and type it on the kiosk's pad to open staff mode.
public enum OperatorCode {
    public static let digits = 8
    /// Seconds each code lasts.
    public static let step: Int64 = 300

    /// The time step a moment falls in.
    public static func counter(at secondsSinceEpoch: Int64) -> Int64 { secondsSinceEpoch / step }

    /// The code of one time step (RFC 4226 dynamic truncation).
    public static func code(key: OperatorKey, counter: Int64) -> [Int] {
        var message = [UInt8](repeating: 0, count: 8)
        for index in 0..<8 { message[7 - index] = UInt8(truncatingIfNeeded: counter >> (8 * index)) }
        let mac = Array(HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: key.bytes)))
        let offset = Int(mac[mac.count - 1] & 0x0F)
        let value = (UInt32(mac[offset] & 0x7F) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        var number = Int(value % 100_000_000)
        var result = [Int](repeating: 0, count: digits)
        for index in (0..<digits).reversed() {
            result[index] = number % 10
            number /= 10
        }
        return result
    }

    public static func code(key: OperatorKey, at secondsSinceEpoch: Int64) -> [Int] {
        code(key: key, counter: counter(at: secondsSinceEpoch))
    }
}

/// The kiosk's side of operator codes: which codes it takes, how often one may guess, and that a
/// code opens staff mode once. Pure: the caller passes the time.
public struct OperatorCodeGate: Sendable, Equatable {
    public enum Verdict: Equatable, Sendable {
        case accepted
        /// Wrong; this many tries are left before the pad locks.
        case wrong(triesLeft: Int)
        /// The code was right but has opened staff mode already (a code seen over a shoulder).
        case alreadyUsed
        /// Too many wrong codes: no code is taken for this many more seconds.
        case locked(secondsLeft: Int64)
    }

    public static let maxFailures = 5
    public static let lockoutSeconds: Int64 = 15 * 60

    private var failures: [Int64] = []
    private var lockedUntil: Int64?
    private var lastAcceptedCounter: Int64?
    /// The key `lastAcceptedCounter` belongs to: a new key's codes are new codes.
    private var lastAcceptedKey: String?

    public init() {}

    /// The last time step whose code opened staff mode (kept on disk, so a restart does not make
    /// a used code good again).
    public var lastAccepted: Int64? { lastAcceptedCounter }

    /// Remembers a step whose code (of the key with this fingerprint) was used before this gate existed.
    public mutating func remember(used counter: Int64, keyFingerprint: String) {
        if lastAcceptedKey != keyFingerprint { lastAcceptedCounter = nil }
        lastAcceptedKey = keyFingerprint
        lastAcceptedCounter = max(lastAcceptedCounter ?? counter, counter)
    }

    /// Checks a typed code. The code of the current step and of the one before count (a code read
    /// just before its step ended); each step's code is taken once.
    public mutating func check(_ typed: [Int], key: OperatorKey, now: Int64) -> Verdict {
        if let until = lockedUntil {
            if now < until { return .locked(secondsLeft: until - now) }
            lockedUntil = nil
            failures = []
        }
        let current = OperatorCode.counter(at: now)
        for counter in [current, current - 1] where Self.equal(typed, OperatorCode.code(key: key, counter: counter)) {
            if let last = lastAcceptedCounter, lastAcceptedKey == key.fingerprint, counter <= last { return .alreadyUsed }
            lastAcceptedCounter = counter
            lastAcceptedKey = key.fingerprint
            failures = []
            return .accepted
        }
        // Failures count within the lockout window only.
        failures = failures.filter { now - $0 < Self.lockoutSeconds } + [now]
        if failures.count >= Self.maxFailures {
            lockedUntil = now + Self.lockoutSeconds
            return .locked(secondsLeft: Self.lockoutSeconds)
        }
        return .wrong(triesLeft: Self.maxFailures - failures.count)
    }

    /// Compares every digit whatever the first difference (no timing hint).
    private static func equal(_ a: [Int], _ b: [Int]) -> Bool {
        guard a.count == b.count else { return false }
        var difference = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
