import CQRencode

/// A QR code's modules from libqrencode, for the PDF and for receipt printers without a QR encoder.
public struct QRMatrix: Sendable {
    /// Modules per side (without the quiet zone).
    public let size: Int
    /// Row-major, true = dark.
    public let modules: [Bool]

    /// Encodes `payload` as 8-bit data at error correction level M (15 %: a thermal print may smudge).
    /// - Returns: nil if the payload is too long for any QR version (over 2,331 bytes at level M).
    public init?(_ payload: String) {
        let bytes = Array(payload.utf8)
        guard !bytes.isEmpty, let code = bytes.withUnsafeBufferPointer({ QRcode_encodeData(Int32($0.count), $0.baseAddress, 0, QR_ECLEVEL_M) }) else {
            return nil
        }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        size = width
        modules = (0..<(width * width)).map { code.pointee.data[$0] & 1 == 1 }
    }

    public func isDark(row: Int, column: Int) -> Bool { modules[row * size + column] }

    /// As a 1-bit raster for `GS v 0`: each module `scale` dots, a 4-module quiet zone, centred in
    /// `widthDots` (a multiple of 8).
    public func raster(scale: Int, widthDots: Int) -> (widthBytes: Int, height: Int, rows: [UInt8]) {
        let quiet = 4
        let side = (size + 2 * quiet) * scale
        let widthBytes = widthDots / 8
        let left = max(0, (widthDots - side) / 2)
        var rows = [UInt8](repeating: 0, count: widthBytes * side)
        for y in 0..<side {
            let moduleRow = y / scale - quiet
            guard moduleRow >= 0, moduleRow < size else { continue }
            for x in 0..<side {
                let moduleColumn = x / scale - quiet
                guard moduleColumn >= 0, moduleColumn < size, isDark(row: moduleRow, column: moduleColumn) else { continue }
                let dot = left + x
                guard dot < widthDots else { continue }
                rows[y * widthBytes + dot / 8] |= 0x80 >> UInt8(dot % 8)
            }
        }
        return (widthBytes, side, rows)
    }
}
