import ESCPOS

/// Receipt paper: how many columns of font A and dots a line holds.
public struct ReceiptPaper: Equatable, Sendable {
    public let columns: Int
    public let widthDots: Int

    /// 58 mm paper: 32 columns, 384 dots (48 mm printable at 203 dpi).
    public static let mm58 = ReceiptPaper(columns: 32, widthDots: 384)
    /// 80 mm paper: 48 columns, 576 dots (72 mm printable).
    public static let mm80 = ReceiptPaper(columns: 48, widthDots: 576)
}

/// Lays a document out for an ESC/POS thermal printer: GB18030 text in Chinese mode, every line
/// padded by the renderer itself (so the printed widths are exactly what was computed, whatever the
/// printer's justification defaults), double-size titles, and a QR code by the printer's own
/// encoder or, for printers without one, as a raster image.
public struct ESCPOSRenderer: Sendable {
    public let paper: ReceiptPaper
    /// Whether the printer understands `GS ( k` QR commands.
    public let nativeQR: Bool

    public init(paper: ReceiptPaper, nativeQR: Bool = true) {
        self.paper = paper
        self.nativeQR = nativeQR
    }

    public func render(_ document: some PrintableDocument) -> [UInt8] {
        render(document.layout)
    }

    public func render(_ blocks: [LayoutBlock]) -> [UInt8] {
        var out = ESCPOSCommands()
        out.initialize()
        out.chineseMode(true)
        for block in blocks {
            switch block {
            case .title(let text):
                // Double width and height when the title fits on one line; otherwise double
                // height only, so that a long title is not broken before its last character.
                let widthScale = PrinterColumns.width(of: text) * 2 <= paper.columns ? 2 : 1
                out.characterSize(width: widthScale, height: 2)
                for line in PrinterColumns.wrap(text, columns: paper.columns / widthScale) {
                    out.line(trimmed(PrinterColumns.pad(line, to: paper.columns / widthScale, alignment: .center)))
                }
                out.characterSize(width: 1, height: 1)
                out.feed(lines: 1)
            case .heading(let text):
                out.emphasis(true)
                for line in PrinterColumns.wrap(text, columns: paper.columns) { out.line(line) }
                out.emphasis(false)
            case .field(let label, let value):
                for line in field(label: label, value: value) { out.line(line) }
            case .paragraph(let text):
                for line in PrinterColumns.wrap(text, columns: paper.columns) { out.line(line) }
            case .table(let table):
                for line in self.table(table) { out.line(line) }
            case .verification(let code, let url):
                out.feed(lines: 1)
                qr(url, into: &out)
                out.line(trimmed(PrinterColumns.pad("验证码 \(code)", to: paper.columns, alignment: .center)))
                for line in PrinterColumns.wrap(url, columns: paper.columns) { out.line(line) }
            case .sealBox(let office):
                // No seal on a receipt: the office is named instead.
                out.line(trimmed(PrinterColumns.pad("（\(office)）", to: paper.columns, alignment: .trailing)))
            case .rule:
                out.line(String(repeating: "-", count: paper.columns))
            }
        }
        out.feed(lines: 3)
        out.partialCut()
        return out.bytes
    }

    /// `label：value`, the value wrapped in the columns left of the label, continuation lines
    /// indented under the value. A label wider than half the line puts the value on its own lines.
    func field(label: String, value: String) -> [String] {
        let prefix = label + "："
        let prefixWidth = PrinterColumns.width(of: prefix)
        if prefixWidth > paper.columns / 2 {
            return PrinterColumns.wrap(prefix, columns: paper.columns) + PrinterColumns.wrap("  " + value, columns: paper.columns)
        }
        let valueLines = PrinterColumns.wrap(value, columns: paper.columns - prefixWidth)
        return valueLines.enumerated().map { index, line in
            (index == 0 ? prefix : String(repeating: " ", count: prefixWidth)) + line
        }
    }

    /// Columns sized to their widest cell; the first column gives way (wraps) if the line is too narrow.
    func table(_ table: LayoutTable) -> [String] {
        let gap = 2
        var widths = table.columns.indices.map { column in
            ([table.columns[column].title] + table.rows.map { $0[column] }).map { PrinterColumns.width(of: $0) }.max() ?? 0
        }
        let total = widths.reduce(0, +) + gap * (widths.count - 1)
        if total > paper.columns { widths[0] = max(4, widths[0] - (total - paper.columns)) }
        // The last column takes what is left, so right-aligned numbers end at the paper's edge.
        widths[widths.count - 1] = max(widths[widths.count - 1], paper.columns - (widths.dropLast().reduce(0, +) + gap * (widths.count - 1)))
        func row(_ cells: [String]) -> [String] {
            let wrapped = cells.enumerated().map { PrinterColumns.wrap($0.element, columns: widths[$0.offset]) }
            let height = wrapped.map(\.count).max() ?? 1
            return (0..<height).map { lineIndex in
                let parts = wrapped.enumerated().map { column, lines in
                    PrinterColumns.pad(lineIndex < lines.count ? lines[lineIndex] : "", to: widths[column],
                                       alignment: table.columns[column].alignment == .trailing ? .trailing : .leading)
                }
                return trimmed(parts.joined(separator: String(repeating: " ", count: gap)))
            }
        }
        return row(table.columns.map(\.title)) + table.rows.flatMap(row)
    }

    private func qr(_ payload: String, into out: inout ESCPOSCommands) {
        out.justification(.center)
        if nativeQR {
            // 6 dots a module keeps a 33-module URL code about 25 mm wide, easy for a phone.
            out.nativeQR(Array(payload.utf8), moduleDots: paper.widthDots >= 576 ? 7 : 6)
        } else if let matrix = QRMatrix(payload) {
            let scale = max(2, min(8, paper.widthDots / (matrix.size + 8)))
            let image = matrix.raster(scale: scale, widthDots: paper.widthDots)
            out.rasterImage(widthBytes: image.widthBytes, height: image.height, rows: image.rows)
        }
        out.justification(.leading)
    }

    private func trimmed(_ line: String) -> String {
        var line = line
        while line.last == " " { line.removeLast() }
        return line
    }
}
