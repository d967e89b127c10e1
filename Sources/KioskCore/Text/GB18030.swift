import Glibc

/// GB18030 ↔ UTF-8 through glibc's iconv: names on social security cards, text for Chinese
/// receipt printers. GB18030 is a superset of GBK and covers the rare characters (䶮, 𬌗) GBK lacks.
public enum GB18030 {
    /// Decodes GB18030 bytes; `nil` for an invalid or truncated sequence.
    public static func decode(_ bytes: [UInt8]) -> String? {
        guard let utf8 = convert(bytes, from: "GB18030", to: "UTF-8") else { return nil }
        return String(validating: utf8, as: UTF8.self)
    }

    /// Encodes text as GB18030 (every Unicode character has a GB18030 code).
    public static func encode(_ text: String) -> [UInt8]? {
        convert(Array(text.utf8), from: "UTF-8", to: "GB18030")
    }

    private static func convert(_ input: [UInt8], from source: String, to target: String) -> [UInt8]? {
        if input.isEmpty { return [] }
        let descriptor = iconv_open(target, source)
        guard descriptor != iconv_t(bitPattern: -1) else { return nil }
        defer { iconv_close(descriptor) }
        var inputCopy = input
        var output = [UInt8](repeating: 0, count: input.count * 4 + 8)
        let outputCapacity = output.count
        let produced: Int? = inputCopy.withUnsafeMutableBytes { inBuffer in
            output.withUnsafeMutableBytes { outBuffer -> Int? in
                var inPointer: UnsafeMutablePointer<CChar>? = inBuffer.baseAddress?.assumingMemoryBound(to: CChar.self)
                var inLeft = inBuffer.count
                var outPointer: UnsafeMutablePointer<CChar>? = outBuffer.baseAddress?.assumingMemoryBound(to: CChar.self)
                var outLeft = outputCapacity
                // Strict: an invalid (EILSEQ) or incomplete (EINVAL) sequence fails the whole field.
                let result = iconv(descriptor, &inPointer, &inLeft, &outPointer, &outLeft)
                guard result != -1, inLeft == 0 else { return nil }
                return outputCapacity - outLeft
            }
        }
        guard let produced else { return nil }
        return Array(output.prefix(produced))
    }
}
