/// A 24-bit colour. The renderer always emits colours as `ESC[38;2;r;g;bm`, so what the contrast
/// test computes is what the terminal shows, whatever its own palette (accessibility A06).
public struct RGB: Hashable, Sendable, CustomStringConvertible {
    public var red: UInt8
    public var green: UInt8
    public var blue: UInt8

    public init(_ red: UInt8, _ green: UInt8, _ blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// `#RRGGBB`, as golden files show it.
    public var description: String {
        "#" + [red, green, blue].map { value in
            let hex = String(value, radix: 16, uppercase: true)
            return hex.count == 1 ? "0" + hex : hex
        }.joined()
    }

    /// WCAG 2 relative luminance from the sRGB channel values.
    public var relativeLuminance: Double {
        func linear(_ channel: UInt8) -> Double {
            let value = Double(channel) / 255
            return value <= 0.04045 ? value / 12.92 : pow((value + 0.055) / 1.055, 2.4)
        }
        return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    }

    /// WCAG 2 contrast ratio between two colours, from 1 (same) to 21 (black and white).
    public func contrastRatio(with other: RGB) -> Double {
        let (lighter, darker) = relativeLuminance > other.relativeLuminance
            ? (relativeLuminance, other.relativeLuminance)
            : (other.relativeLuminance, relativeLuminance)
        return (lighter + 0.05) / (darker + 0.05)
    }
}

/// How a cell is drawn. Bold and underline never carry meaning alone (A01, A07): they only
/// reinforce words and markers such as 【错误】 and ▶.
public struct Style: Hashable, Sendable {
    public var foreground: RGB
    public var background: RGB
    public var bold: Bool
    public var underline: Bool

    public init(foreground: RGB, background: RGB, bold: Bool = false, underline: Bool = false) {
        self.foreground = foreground
        self.background = background
        self.bold = bold
        self.underline = underline
    }

    /// The SGR sequence that selects exactly this style from any previous one.
    public var sgr: String {
        var codes = ["0"]
        if bold { codes.append("1") }
        if underline { codes.append("4") }
        codes.append("38;2;\(foreground.red);\(foreground.green);\(foreground.blue)")
        codes.append("48;2;\(background.red);\(background.green);\(background.blue)")
        return "\u{1B}[" + codes.joined(separator: ";") + "m"
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
