/// How many terminal cells text takes, as xterm and tmux draw it.
public enum DisplayWidth {
    /// Cells for one Unicode scalar: 2 for East Asian Wide/Fullwidth, 0 for combining marks,
    /// format and control characters, 1 for everything else (Ambiguous included: keep such
    /// characters out of screen texts).
    public static func of(_ scalar: Unicode.Scalar) -> Int {
        let value = scalar.value
        if value < 0x20 || (0x7F..<0xA0).contains(value) { return 0 }
        if value < 0x1100 {
            // Nothing below U+1100 is wide; only combining marks need a look.
            return isZeroWidth(scalar) ? 0 : 1
        }
        if isWide(value) { return 2 }
        return isZeroWidth(scalar) ? 0 : 1
    }

    /// Cells for a string: the sum over its grapheme clusters, each as wide as its first scalar
    /// (a base character with combining marks takes the base's width).
    public static func of(_ text: some StringProtocol) -> Int {
        var total = 0
        for character in text {
            guard let first = character.unicodeScalars.first else { continue }
            total += of(first)
        }
        return total
    }

    static func isWide(_ value: UInt32) -> Bool {
        var low = 0
        var high = eastAsianWideRanges.count - 1
        while low <= high {
            let middle = (low + high) / 2
            let range = eastAsianWideRanges[middle]
            if value < range.lowerBound {
                high = middle - 1
            } else if value > range.upperBound {
                low = middle + 1
            } else {
                return true
            }
        }
        return false
    }

    private static func isZeroWidth(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return true
        default: return false
        }
    }
}

extension DisplayWidth {
    /// The longest prefix of `text` that fits in `columns` cells; a double-width character that
    /// would straddle the edge is left out rather than cut in half.
    public static func truncate(_ text: String, toColumns columns: Int) -> String {
        var used = 0
        var result = ""
        for character in text {
            let width = character.unicodeScalars.first.map { of($0) } ?? 0
            guard used + width <= columns else { break }
            used += width
            result.append(character)
        }
        return result
    }
}
