/// Turns frames into the bytes a terminal needs to show them.
public protocol FrameRenderer {
    /// The bytes that take the terminal from what it shows now to `frame`; empty when nothing changed.
    mutating func render(_ frame: CellBuffer) -> String
    /// Forgets what the terminal shows (after a resize or a terminal reset), so the next frame is
    /// painted in full.
    mutating func invalidate()
}

/// Writes only the cells that differ from the previous frame, as ratatui's buffer diff does.
///
/// Wide characters are handled as a unit: if either half changed, the lead cell is written (which
/// draws both halves), and a continuation cell is never written by itself. Each frame is wrapped
/// in a synchronized update (`CSI ?2026h … l`), so terminals that know it show no half-drawn frame
/// and the others ignore it.
public struct DiffRenderer: FrameRenderer {
    private var previous: CellBuffer?

    public init() {}

    public mutating func invalidate() { previous = nil }

    public mutating func render(_ frame: CellBuffer) -> String {
        defer { previous = frame }
        guard let previous, previous.columns == frame.columns, previous.rows == frame.rows else {
            return FullRepaintRenderer.paint(frame, clearFirst: true)
        }
        if previous == frame { return "" }
        var out = ""
        var currentStyle: Style?
        // Where the terminal's cursor is after the last write; nil when unknown.
        var cursor: CellPoint?
        for row in 0..<frame.rows {
            var column = 0
            while column < frame.columns {
                let cell = frame[column, row]
                if cell.isContinuation {
                    column += 1
                    continue
                }
                let span = Int(max(cell.width, 1))
                var changed = false
                for offset in 0..<span where column + offset < frame.columns {
                    if previous[column + offset, row] != frame[column + offset, row] { changed = true }
                }
                if changed {
                    if cursor != CellPoint(column: column, row: row) {
                        out += "\u{1B}[\(row + 1);\(column + 1)H"
                    }
                    if currentStyle != cell.style {
                        out += cell.style.sgr
                        currentStyle = cell.style
                    }
                    out += cell.grapheme
                    cursor = CellPoint(column: column + span, row: row)
                }
                column += span
            }
        }
        return "\u{1B}[?2026h" + out + "\u{1B}[?2026l"
    }
}

/// Repaints every cell of every frame: the naive renderer the benchmark and the tests compare the
/// diff renderer with.
public struct FullRepaintRenderer: FrameRenderer {
    public init() {}

    public mutating func invalidate() {}

    public mutating func render(_ frame: CellBuffer) -> String {
        Self.paint(frame, clearFirst: false)
    }

    /// Every cell, row by row, with an explicit cursor move per row so nothing depends on the
    /// terminal's auto-wrap at the right margin.
    static func paint(_ frame: CellBuffer, clearFirst: Bool) -> String {
        var out = "\u{1B}[?2026h"
        if clearFirst { out += "\u{1B}[0m\u{1B}[2J" }
        var currentStyle: Style?
        for row in 0..<frame.rows {
            out += "\u{1B}[\(row + 1);1H"
            for column in 0..<frame.columns {
                let cell = frame[column, row]
                if cell.isContinuation { continue }
                if currentStyle != cell.style {
                    out += cell.style.sgr
                    currentStyle = cell.style
                }
                out += cell.grapheme
            }
        }
        return out + "\u{1B}[?2026l"
    }
}
