import Glibc
import KioskCore

/// Decoders for the card's field formats (LD/T 32 and the file-structure spec):
/// `cn` is BCD, left-aligned and right-padded with `F`; `an` is text right-padded with `00`.
/// Every decoder refuses what the format does not allow instead of guessing.
enum FieldDecoding {
    /// BCD digits up to the first `F` nibble. Nibbles A–E, or digits after an `F`, are errors.
    static func bcdDigits(_ bytes: some Collection<UInt8>, field: String) throws(CardError) -> String {
        var digits = ""
        var ended = false
        for byte in bytes {
            for nibble in [byte >> 4, byte & 0x0F] {
                if nibble == 0x0F {
                    ended = true
                } else if nibble <= 9 && !ended {
                    digits.unicodeScalars.append(Unicode.Scalar(0x30 + nibble))
                } else {
                    throw .malformedRecord("\(field): not BCD")
                }
            }
        }
        return digits
    }

    /// A `YYYYMMDD` BCD date; an all-`F` or empty field is "not recorded" (`nil`).
    static func date(_ bytes: some Collection<UInt8>, field: String) throws(CardError) -> CalendarDate? {
        let digits = try bcdDigits(bytes, field: field)
        if digits.isEmpty { return nil }
        let values = digits.unicodeScalars.map { Int($0.value) - 0x30 }
        guard values.count == 8 else { throw .malformedRecord("\(field): a date needs 8 digits") }
        let year = values[0] * 1000 + values[1] * 100 + values[2] * 10 + values[3]
        let month = values[4] * 10 + values[5]
        let day = values[6] * 10 + values[7]
        guard CalendarDate.isValid(year: year, month: month, day: day) else { throw .malformedRecord("\(field): not a date") }
        return CalendarDate(year: year, month: month, day: day)
    }

    /// Printable ASCII with the zero padding removed.
    static func ascii(_ bytes: some Collection<UInt8>, field: String) throws(CardError) -> String {
        let content = bytes.prefix { $0 != 0x00 }
        guard bytes.dropFirst(content.count).allSatisfy({ $0 == 0x00 }) else { throw .malformedRecord("\(field): bytes after the padding") }
        guard content.allSatisfy({ (0x20...0x7E).contains($0) }) else { throw .malformedRecord("\(field): not ASCII text") }
        return String(decoding: content, as: UTF8.self).trimmingSpaces()
    }

    /// GB18030 text (names) with the zero padding removed. GB18030 is a superset of GBK and
    /// covers the rare characters (䶮, 𬌗) that GBK alone cannot encode.
    static func gb18030(_ bytes: some Collection<UInt8>, field: String) throws(CardError) -> String {
        let content = Array(bytes.prefix { $0 != 0x00 })
        guard let text = GB18030.decode(content) else { throw .malformedRecord("\(field): not GB18030 text") }
        return text.trimmingSpaces()
    }
}

extension String {
    func trimmingSpaces() -> String {
        var scalars = Substring(self)
        while scalars.last == " " { scalars = scalars.dropLast() }
        while scalars.first == " " { scalars = scalars.dropFirst() }
        return String(scalars)
    }
}
