import Crypto
import Foundation

/// One-time enrollment codes: short enough to type on a kiosk's keyboard, random enough that
/// guessing one within its lifetime is hopeless (10 symbols of 31, about 49 bits).
enum EnrollmentCodes {
    /// No 0/O, 1/I/L: an operator reads the code aloud or off a screen.
    private static let alphabet = Array("ABCDEFGHJKMNPQRSTUVWXYZ23456789")

    static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let symbols = (0..<10).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
        return String(symbols[0..<5]) + "-" + String(symbols[5...])
    }

    /// Codes are stored only as SHA-256 of their normalised form, so a copy of the database does
    /// not hand out enrollments; typing is forgiving about case, spaces and dashes.
    static func hash(_ code: String) -> String {
        let normalised = code.uppercased().filter { $0 != "-" && $0 != " " }
        return SHA256.hash(data: Data(normalised.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
