import CCairo

/// Why a PDF could not be made. Only a broken installation causes these: a technician acts.
public enum PDFRenderingError: Error, Equatable, Sendable {
    /// cairo reported an error status (out of memory, a font it could not load …).
    case cairo(String)
}

/// Lays a document out on A4 pages with cairo: Noto Sans CJK SC (found through fontconfig), the
/// QR code from libqrencode drawn as squares, a box for the office's seal, and page numbers
/// (第 1 页 / 共 2 页) with the table header repeated when a periods table runs over a page.
public struct PDFRenderer: Sendable {
    public let fontFamily: String

    public init(fontFamily: String = "Noto Sans CJK SC") {
        self.fontFamily = fontFamily
    }

    // A4 in points, 20 mm margins; the footer sits in the bottom margin.
    static let pageWidth = 595.276, pageHeight = 841.890
    static let margin = 56.7, bottomLimit = 841.890 - 72.0
    static let bodySize = 10.5, lineHeight = 15.5

    public func render(_ document: some PrintableDocument) throws(PDFRenderingError) -> [UInt8] {
        try render(document.layout, title: document.jobTitle)
    }

    public func render(_ blocks: [LayoutBlock], title: String) throws(PDFRenderingError) -> [UInt8] {
        let sink = PDFSink()
        let context = Unmanaged.passUnretained(sink).toOpaque()
        guard let surface = cairo_pdf_surface_create_for_stream({ closure, data, length in
            guard let closure, let data else { return CAIRO_STATUS_WRITE_ERROR }
            Unmanaged<PDFSink>.fromOpaque(closure).takeUnretainedValue().bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(length)))
            return CAIRO_STATUS_SUCCESS
        }, context, Self.pageWidth, Self.pageHeight) else { throw .cairo("no surface") }
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title)
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "Zizhu")
        guard let cr = cairo_create(surface) else { cairo_surface_destroy(surface); throw .cairo("no context") }

        var layout = PageLayout(cr: cr, fontFamily: fontFamily)
        for block in blocks { layout.place(block) }
        let pages = layout.finish()
        for (index, page) in pages.enumerated() {
            for operation in page { layout.draw(operation) }
            layout.draw(.text("第 \(index + 1) 页 / 共 \(pages.count) 页", x: Self.pageWidth / 2, y: Self.pageHeight - 40,
                              size: 9, bold: false, centred: true))
            cairo_show_page(cr)
        }
        let status = cairo_status(cr)
        cairo_destroy(cr)
        cairo_surface_finish(surface)
        let surfaceStatus = cairo_surface_status(surface)
        cairo_surface_destroy(surface)
        for failure in [status, surfaceStatus] where failure != CAIRO_STATUS_SUCCESS {
            throw .cairo(String(cString: cairo_status_to_string(failure)))
        }
        return withExtendedLifetime(sink) { sink.bytes }
    }
}

/// Collects cairo's output; the stream callback reaches it through an unretained pointer while
/// ``PDFRenderer/render(_:title:)`` keeps it alive.
private final class PDFSink {
    var bytes: [UInt8] = []
}

/// What is drawn on one page.
enum PDFOperation {
    case text(String, x: Double, y: Double, size: Double, bold: Bool, centred: Bool)
    case line(x1: Double, y1: Double, x2: Double, y2: Double, width: Double)
    case box(x: Double, y: Double, width: Double, height: Double, dashed: Bool)
    case qr(QRMatrix, x: Double, y: Double, module: Double)
}

/// The first pass: measures text with cairo and breaks the blocks into pages.
struct PageLayout {
    let cr: OpaquePointer
    let fontFamily: String
    var pages: [[PDFOperation]] = [[]]
    var y = PDFRenderer.margin
    /// Where the verification block sits, so the seal box can stand beside it.
    var verificationRow: (page: Int, y: Double)?
    let left = PDFRenderer.margin
    let right = PDFRenderer.pageWidth - PDFRenderer.margin

    init(cr: OpaquePointer, fontFamily: String) {
        self.cr = cr
        self.fontFamily = fontFamily
    }

    mutating func finish() -> [[PDFOperation]] { pages }

    func width(_ text: String, size: Double, bold: Bool) -> Double {
        setFont(size: size, bold: bold)
        var extents = cairo_text_extents_t()
        cairo_text_extents(cr, text, &extents)
        return extents.x_advance
    }

    func setFont(size: Double, bold: Bool) {
        cairo_select_font_face(cr, fontFamily, CAIRO_FONT_SLANT_NORMAL, bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL)
        cairo_set_font_size(cr, size)
    }

    /// Breaks text into lines no wider than `maxWidth`, between any two characters (Chinese has
    /// no spaces; the URLs and codes here have none either).
    func wrap(_ text: String, maxWidth: Double, size: Double, bold: Bool = false) -> [String] {
        var lines: [String] = []
        var current = ""
        for character in text {
            let candidate = current + String(character)
            if !current.isEmpty && width(candidate, size: size, bold: bold) > maxWidth {
                lines.append(current)
                current = String(character)
            } else {
                current = candidate
            }
        }
        lines.append(current)
        return lines
    }

    mutating func newPage() {
        pages.append([])
        y = PDFRenderer.margin
    }

    /// Starts a new page unless `height` more points fit on this one.
    mutating func ensure(_ height: Double) {
        if y + height > PDFRenderer.bottomLimit { newPage() }
    }

    mutating func emit(_ operation: PDFOperation) { pages[pages.count - 1].append(operation) }

    mutating func place(_ block: LayoutBlock) {
        let size = PDFRenderer.bodySize, lineHeight = PDFRenderer.lineHeight
        switch block {
        case .title(let text):
            ensure(48)
            emit(.text(text, x: PDFRenderer.pageWidth / 2, y: y + 24, size: 22, bold: true, centred: true))
            y += 48
        case .heading(let text):
            ensure(lineHeight * 3)
            y += 6
            emit(.text(text, x: left, y: y + 13, size: 12.5, bold: true, centred: false))
            y += lineHeight + 4
        case .field(let label, let value):
            let labelWidth = 84.0
            let lines = wrap(value, maxWidth: right - left - labelWidth, size: size)
            ensure(lineHeight * Double(lines.count))
            emit(.text(label + "：", x: left, y: y + 12, size: size, bold: false, centred: false))
            for line in lines {
                emit(.text(line, x: left + labelWidth, y: y + 12, size: size, bold: false, centred: false))
                y += lineHeight
            }
        case .paragraph(let text):
            for line in wrap(text, maxWidth: right - left, size: size) {
                ensure(lineHeight)
                emit(.text(line, x: left, y: y + 12, size: size, bold: false, centred: false))
                y += lineHeight
            }
        case .rule:
            ensure(12)
            emit(.line(x1: left, y1: y + 5, x2: right, y2: y + 5, width: 0.6))
            y += 12
        case .table(let table):
            placeTable(table)
        case .verification(let code, let url):
            guard let matrix = QRMatrix(url) else {
                place(.field(label: "验证码", value: code))
                return
            }
            let module = 2.4
            let side = Double(matrix.size + 8) * module
            ensure(side + 8)
            verificationRow = (pages.count - 1, y)
            emit(.qr(matrix, x: left, y: y, module: module))
            let textLeft = left + side + 12
            var textY = y + side / 2 - lineHeight
            emit(.text("验证码：\(code)", x: textLeft, y: textY, size: 12.5, bold: true, centred: false))
            textY += lineHeight + 2
            for line in wrap(url, maxWidth: right - textLeft, size: 9) {
                emit(.text(line, x: textLeft, y: textY, size: 9, bold: false, centred: false))
                textY += 13
            }
            y += side + 8
        case .sealBox(let office):
            let side = 118.0
            let x = right - side
            // Beside the QR code when it is on this page (its text column leaves the right free),
            // which keeps a short certificate on one page; otherwise below.
            let top: Double
            if let row = verificationRow, row.page == pages.count - 1, row.y + side + 24 <= PDFRenderer.bottomLimit {
                top = row.y - 4
            } else {
                ensure(side + 24)
                top = y
            }
            emit(.box(x: x, y: top + 4, width: side, height: side, dashed: true))
            emit(.text("（盖章）", x: x + side / 2, y: top + 4 + side / 2 + 4, size: 10, bold: false, centred: true))
            emit(.text(office, x: x + side / 2, y: top + 4 + side + 14, size: 9, bold: false, centred: true))
            y = max(y, top + side + 24)
        }
    }

    mutating func placeTable(_ table: LayoutTable) {
        let size = PDFRenderer.bodySize, rowHeight = PDFRenderer.lineHeight
        let columnWidth = (right - left - 20) / Double(table.columns.count)
        func header() {
            emit(.line(x1: left + 10, y1: y, x2: right - 10, y2: y, width: 0.5))
            for (index, column) in table.columns.enumerated() {
                emit(cell(column.title, column: index, alignment: column.alignment, bold: true))
            }
            y += rowHeight
            emit(.line(x1: left + 10, y1: y, x2: right - 10, y2: y, width: 0.5))
        }
        func cell(_ text: String, column: Int, alignment: LayoutTable.Alignment, bold: Bool) -> PDFOperation {
            let x0 = left + 10 + Double(column) * columnWidth
            let x = alignment == .trailing ? x0 + columnWidth - 6 - width(text, size: size, bold: bold) : x0 + 6
            return .text(text, x: x, y: y + 12.5, size: size, bold: bold, centred: false)
        }
        ensure(rowHeight * 2)
        header()
        for row in table.rows {
            if y + rowHeight > PDFRenderer.bottomLimit {
                emit(.line(x1: left + 10, y1: y, x2: right - 10, y2: y, width: 0.5))
                newPage()
                header()
            }
            for (index, text) in row.enumerated() {
                emit(cell(text, column: index, alignment: table.columns[index].alignment, bold: false))
            }
            y += rowHeight
        }
        emit(.line(x1: left + 10, y1: y, x2: right - 10, y2: y, width: 0.5))
        y += 6
    }

    func draw(_ operation: PDFOperation) {
        cairo_set_source_rgb(cr, 0, 0, 0)
        switch operation {
        case .text(let text, let x, let y, let size, let bold, let centred):
            let start = centred ? x - width(text, size: size, bold: bold) / 2 : x
            setFont(size: size, bold: bold)
            cairo_move_to(cr, start, y)
            cairo_show_text(cr, text)
        case .line(let x1, let y1, let x2, let y2, let lineWidth):
            cairo_set_line_width(cr, lineWidth)
            cairo_move_to(cr, x1, y1)
            cairo_line_to(cr, x2, y2)
            cairo_stroke(cr)
        case .box(let x, let y, let width, let height, let dashed):
            cairo_set_line_width(cr, 0.8)
            if dashed {
                var dashes: [Double] = [4, 3]
                cairo_set_dash(cr, &dashes, 2, 0)
            }
            cairo_rectangle(cr, x, y, width, height)
            cairo_stroke(cr)
            cairo_set_dash(cr, nil, 0, 0)
        case .qr(let matrix, let x, let y, let module):
            // Quiet zone of four modules on each side is left white.
            for row in 0..<matrix.size {
                for column in 0..<matrix.size where matrix.isDark(row: row, column: column) {
                    cairo_rectangle(cr, x + Double(column + 4) * module, y + Double(row + 4) * module, module, module)
                }
            }
            cairo_fill(cr)
        }
    }
}
