import KioskCore

/// Builds ESC/POS byte streams (Epson's command set, which Chinese receipt printers follow).
///
/// Only commands Zizhu needs are here; each carries its bytes as the Epson reference gives them.
public struct ESCPOSCommands: Sendable {
    public private(set) var bytes: [UInt8] = []

    public init() {}

    /// `ESC @`: clear the print buffer's modes back to power-on defaults.
    public mutating func initialize() { bytes += [0x1B, 0x40] }

    /// `FS &` / `FS .`: Chinese character mode on or off. In it, multi-byte GB18030 codes print
    /// as Chinese characters; off, each byte is a character of the code page.
    public mutating func chineseMode(_ on: Bool) { bytes += on ? [0x1C, 0x26] : [0x1C, 0x2E] }

    /// `GS ! n`: character size, 1–8 times in each direction.
    public mutating func characterSize(width: Int, height: Int) {
        let w = UInt8(clamping: max(1, min(8, width)) - 1)
        let h = UInt8(clamping: max(1, min(8, height)) - 1)
        bytes += [0x1D, 0x21, w << 4 | h]
    }

    /// `ESC E n`: emphasised (bold) on or off.
    public mutating func emphasis(_ on: Bool) { bytes += [0x1B, 0x45, on ? 1 : 0] }

    /// `ESC a n`: justification of what follows (0 left, 1 centre, 2 right).
    public mutating func justification(_ alignment: PrinterColumns.Alignment) {
        let n: UInt8 = switch alignment { case .leading: 0; case .center: 1; case .trailing: 2 }
        bytes += [0x1B, 0x61, n]
    }

    /// Text in GB18030, then `LF`. Text that iconv cannot encode (it can encode every Unicode
    /// scalar) would be replaced by `?` rather than dropped.
    public mutating func line(_ text: String) {
        bytes += GB18030.encode(text) ?? Array(text.map { $0.isASCII ? $0 : "?" }.map { $0.asciiValue ?? 0x3F })
        bytes.append(0x0A)
    }

    /// `ESC d n`: print and feed n lines.
    public mutating func feed(lines: Int) { bytes += [0x1B, 0x64, UInt8(clamping: lines)] }

    /// `GS V 66 n`: feed n dots (to bring the last line past the cutter), then cut partially,
    /// leaving a hinge so the slip does not fall.
    public mutating func partialCut(feedDots: Int = 48) { bytes += [0x1D, 0x56, 0x42, UInt8(clamping: feedDots)] }

    /// A QR code by the printer's own encoder (`GS ( k`, function 165/167/169/180/181).
    /// - Parameters:
    ///   - moduleDots: dots per module (1–16).
    ///   - errorCorrection: 48 L, 49 M, 50 Q, 51 H.
    public mutating func nativeQR(_ payload: [UInt8], moduleDots: Int, errorCorrection: UInt8 = 49) {
        bytes += [0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00]                 // model 2
        bytes += [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, UInt8(clamping: moduleDots)] // module size
        bytes += [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, errorCorrection]           // error correction
        let length = payload.count + 3
        bytes += [0x1D, 0x28, 0x6B, UInt8(length & 0xFF), UInt8(length >> 8), 0x31, 0x50, 0x30] + payload // store
        bytes += [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30]                      // print
    }

    /// `GS v 0`: a raster bit image, rows of `widthBytes` bytes, most significant bit leftmost,
    /// 1 = black. For printers without a QR encoder.
    public mutating func rasterImage(widthBytes: Int, height: Int, rows: [UInt8]) {
        precondition(rows.count == widthBytes * height, "raster data must be widthBytes × height")
        bytes += [0x1D, 0x76, 0x30, 0x00, UInt8(widthBytes & 0xFF), UInt8(widthBytes >> 8), UInt8(height & 0xFF), UInt8(height >> 8)]
        bytes += rows
    }

    /// `DLE EOT n`: ask for real-time status n (1 printer, 2 offline cause, 3 error cause, 4 paper).
    public mutating func realTimeStatus(_ n: UInt8) { bytes += [0x10, 0x04, n] }

    /// `GS ( H` function 48: ask the printer to send `37 22 d1 d2 d3 d4 00` once everything
    /// before it has been printed. This is how a sender learns that a job is on paper.
    public mutating func processIDRequest(_ id: [UInt8]) {
        precondition(id.count == 4 && id.allSatisfy { (0x30...0x39).contains($0) }, "a process ID is four ASCII digits")
        bytes += [0x1D, 0x28, 0x48, 0x06, 0x00, 0x30, 0x30] + id
    }

    /// `DLE DC4 8`: clear the receive and print buffers (a job cancelled before it was printed).
    public static let clearBuffers: [UInt8] = [0x10, 0x14, 0x08, 0x01, 0x03, 0x14, 0x01, 0x06, 0x02, 0x08]

    public mutating func append(_ raw: [UInt8]) { bytes += raw }
}
