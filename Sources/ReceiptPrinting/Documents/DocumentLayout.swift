/// A document as blocks both renderers understand: the ESC/POS renderer lays them out in
/// columns of a receipt, the PDF renderer on A4 pages. Documents build these; renderers never
/// see a document's type.
public enum LayoutBlock: Equatable, Sendable {
    /// The document's name, printed large.
    case title(String)
    /// A smaller heading inside the document (one per insurance type, say).
    case heading(String)
    /// `label：value`; long values wrap under themselves.
    case field(label: String, value: String)
    /// Running text.
    case paragraph(String)
    /// A table; the PDF repeats the header on each page it runs onto.
    case table(LayoutTable)
    /// The verification block: QR code with the URL, and the code in groups.
    case verification(code: String, url: String)
    /// A box where the office stamps its seal (A4 only; a receipt prints the office's name).
    case sealBox(office: String)
    /// A thin line between sections.
    case rule
}

public struct LayoutTable: Equatable, Sendable {
    public struct Column: Equatable, Sendable {
        public let title: String
        /// Numbers right-aligned, text left.
        public let alignment: Alignment
        public init(_ title: String, alignment: Alignment = .leading) {
            self.title = title
            self.alignment = alignment
        }
    }

    public enum Alignment: Equatable, Sendable { case leading, trailing }

    public let columns: [Column]
    public let rows: [[String]]

    public init(columns: [Column], rows: [[String]]) {
        precondition(rows.allSatisfy { $0.count == columns.count }, "every row has a cell per column")
        self.columns = columns
        self.rows = rows
    }
}

/// Something the kiosk prints.
public protocol PrintableDocument: Sendable {
    /// A short job title for CUPS (no personal data: it appears in CUPS's logs and queue listings).
    var jobTitle: String { get }
    var layout: [LayoutBlock] { get }
}
