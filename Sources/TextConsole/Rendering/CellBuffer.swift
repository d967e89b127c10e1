/// One terminal cell: what is drawn there and how.
///
/// A double-width character lives in two cells: its *lead* cell holds the grapheme with
/// `width == 2`, and the cell to its right is a *continuation* (`width == 0`, empty grapheme).
/// The renderer never writes a continuation on its own, so half a character is never drawn.
public struct Cell: Hashable, Sendable {
    /// The grapheme cluster drawn in this cell; empty for a continuation cell.
    public var grapheme: String
    /// 1 for a normal cell, 2 for the lead cell of a wide character, 0 for its continuation.
    public var width: UInt8
    public var style: Style

    public init(grapheme: String, width: UInt8, style: Style) {
        self.grapheme = grapheme
        self.width = width
        self.style = style
    }

    /// A blank cell in `style`.
    public static func blank(_ style: Style) -> Cell { Cell(grapheme: " ", width: 1, style: style) }

    /// Whether this cell is the right half of a wide character.
    public var isContinuation: Bool { width == 0 }
}

/// A position on the grid, 0-based (the terminal's own coordinates are 1-based).
public struct CellPoint: Hashable, Sendable {
    public var column: Int
    public var row: Int
    public init(column: Int, row: Int) {
        self.column = column
        self.row = row
    }
}

/// A rectangle of cells.
public struct CellRect: Hashable, Sendable, CustomStringConvertible {
    public var column: Int
    public var row: Int
    public var width: Int
    public var height: Int

    public init(column: Int, row: Int, width: Int, height: Int) {
        self.column = column
        self.row = row
        self.width = width
        self.height = height
    }

    public var right: Int { column + width }
    public var bottom: Int { row + height }

    public func contains(_ point: CellPoint) -> Bool {
        point.column >= column && point.column < right && point.row >= row && point.row < bottom
    }

    public func intersects(_ other: CellRect) -> Bool {
        column < other.right && other.column < right && row < other.bottom && other.row < bottom
    }

    /// This rectangle grown by `columns` and `rows` on every side (for spacing checks).
    public func inset(columns: Int, rows: Int) -> CellRect {
        CellRect(column: column - columns, row: row - rows, width: width + 2 * columns, height: height + 2 * rows)
    }

    public var description: String { "\(width)x\(height)+\(column)+\(row)" }
}

/// A grid of cells: what one frame looks like. Writing text keeps wide characters whole: one that
/// would straddle the right edge (or a clip edge) is not drawn, and overwriting either half of a
/// wide character blanks the other half.
public struct CellBuffer: Hashable, Sendable {
    public let columns: Int
    public let rows: Int
    public private(set) var cells: [Cell]

    public init(columns: Int, rows: Int, fill: Style) {
        self.columns = max(0, columns)
        self.rows = max(0, rows)
        self.cells = Array(repeating: .blank(fill), count: self.columns * self.rows)
    }

    public subscript(column: Int, row: Int) -> Cell {
        cells[row * columns + column]
    }

    /// Fills a rectangle (clipped to the grid) with blanks in `style`.
    public mutating func fill(_ rect: CellRect, style: Style) {
        for row in max(0, rect.row)..<min(rows, rect.bottom) {
            for column in max(0, rect.column)..<min(columns, rect.right) {
                place(.blank(style), column: column, row: row)
            }
        }
    }

    /// Writes `text` from `column` on `row`, stopping before `limit` (exclusive, default the right
    /// edge). Control characters are skipped; zero-width graphemes are dropped. Returns the column
    /// after the last cell written.
    @discardableResult
    public mutating func write(_ text: String, column: Int, row: Int, style: Style, limit: Int? = nil) -> Int {
        guard row >= 0, row < rows else { return column }
        let end = min(limit ?? columns, columns)
        var position = column
        for character in text {
            let width = DisplayWidth.of(String(character))
            guard width > 0 else { continue }
            guard position + width <= end else { break }
            if position >= 0 {
                place(Cell(grapheme: String(character), width: UInt8(width), style: style), column: position, row: row)
                if width == 2 {
                    place(Cell(grapheme: "", width: 0, style: style), column: position + 1, row: row)
                }
            }
            position += width
        }
        return position
    }

    /// Puts one cell, first blanking the other half of any wide character it overwrites.
    private mutating func place(_ cell: Cell, column: Int, row: Int) {
        let index = row * columns + column
        let old = cells[index]
        if old.width == 2, column + 1 < columns {
            cells[index + 1] = .blank(cells[index + 1].style)
        } else if old.width == 0, cell.width != 0, column > 0, cells[index - 1].width == 2 {
            cells[index - 1] = .blank(cells[index - 1].style)
        }
        cells[index] = cell
    }

    /// The grid as plain text, one line per row, continuation cells omitted (what
    /// `tmux capture-pane -p` shows). Trailing spaces are kept so widths can be checked.
    public var text: [String] {
        (0..<rows).map { row in
            var line = ""
            for column in 0..<columns where !self[column, row].isContinuation {
                line += self[column, row].grapheme
            }
            return line
        }
    }
}
