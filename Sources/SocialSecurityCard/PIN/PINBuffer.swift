import Glibc

/// A PIN as the citizen types it: six digits in memory the buffer owns and wipes.
///
/// It is never a `String` (strings are copied and cannot be wiped), never `Equatable`, never
/// printed (its description is `******`), and it is zeroed by ``wipe()`` and on deinit.
public final class PINBuffer: @unchecked Sendable, CustomStringConvertible {
    // @unchecked: the digits are mutated only by the UI task that owns the buffer; the card
    // layer only reads them inside withBCD on that same task.
    public static let length = 6
    private let storage: UnsafeMutableBufferPointer<UInt8>
    public private(set) var count = 0

    public init() {
        storage = .allocate(capacity: Self.length)
        storage.initialize(repeating: 0)
    }

    /// A filled buffer, for keypads that deliver all digits at once. Digits are 0–9 values.
    public convenience init(digits: some Sequence<UInt8>) throws(CardError) {
        self.init()
        for digit in digits {
            guard append(digit) else {
                wipe()
                throw .pinFormat
            }
        }
    }

    deinit {
        wipe()
        storage.deallocate()
    }

    public var isComplete: Bool { count == Self.length }

    /// Adds one digit (0–9); `false` when full or not a digit.
    @discardableResult
    public func append(_ digit: UInt8) -> Bool {
        guard digit <= 9, count < Self.length else { return false }
        storage[count] = digit
        count += 1
        return true
    }

    /// Removes the last digit (the keypad's backspace).
    public func removeLast() {
        guard count > 0 else { return }
        count -= 1
        storage[count] = 0
    }

    /// Zeroes every digit with explicit_bzero, which the compiler may not optimise away.
    public func wipe() {
        if let base = storage.baseAddress { explicit_bzero(base, Self.length) }
        count = 0
    }

    /// Lends the PIN as three bytes of packed BCD (`123456` → `12 34 56`); the temporary bytes
    /// are wiped when `body` returns.
    func withBCD<T>(_ body: ([UInt8]) throws(CardError) -> T) throws(CardError) -> T {
        guard isComplete else { throw .pinFormat }
        var bcd = [UInt8](repeating: 0, count: Self.length / 2)
        defer { bcd.withUnsafeMutableBytes { if let base = $0.baseAddress { explicit_bzero(base, $0.count) } } }
        for index in 0..<(Self.length / 2) {
            bcd[index] = storage[2 * index] << 4 | storage[2 * index + 1]
        }
        return try body(bcd)
    }

    public var description: String { String(repeating: "*", count: count) }
}
