/// A colour as a theme names it; the terminal adapter maps it to what the terminal supports
/// (truecolor, 256 or 8 colours, or none under NO_COLOR).
public enum Color: Hashable, Sendable {
    case `default`
    /// 0-15: the terminal's own palette (black, red, green, yellow, blue, magenta, cyan, white, then bright).
    case ansi(UInt8)
    /// 16-255 of the xterm 256-colour palette.
    case indexed(UInt8)
    case rgb(UInt8, UInt8, UInt8)
}

public struct Attributes: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let bold = Attributes(rawValue: 1)
    public static let dim = Attributes(rawValue: 2)
    public static let underline = Attributes(rawValue: 4)
    public static let reverse = Attributes(rawValue: 8)
    public static let italic = Attributes(rawValue: 16)
}

public struct Style: Hashable, Sendable {
    public var fg: Color
    public var bg: Color
    public var attributes: Attributes
    public init(fg: Color = .default, bg: Color = .default, attributes: Attributes = []) {
        self.fg = fg
        self.bg = bg
        self.attributes = attributes
    }
    public static let plain = Style()
}

/// One terminal cell: a grapheme cluster and its display width. The cell after a wide
/// grapheme is a continuation (empty text, width 0) that the flush skips.
public struct Cell: Hashable, Sendable {
    public var text: String
    public var width: UInt8
    public var style: Style
    public init(_ text: String = " ", width: UInt8 = 1, style: Style = .plain) {
        self.text = text
        self.width = width
        self.style = style
    }
    public var isContinuation: Bool { width == 0 }
}

public struct Size: Hashable, Sendable {
    public var width: Int
    public var height: Int
    public init(width: Int, height: Int) { self.width = width; self.height = height }
}

/// An in-memory screen: what a render produces and what the adapter diffs and flushes.
public struct Buffer: Equatable, Sendable {
    public let size: Size
    public private(set) var cells: [Cell]
    /// Images a graphics protocol draws over cells the frame leaves blank (`TerminalGraphics`).
    public var images: [ImagePlacement] = []

    public init(size: Size, style: Style = .plain) {
        self.size = size
        cells = Array(repeating: Cell(style: style), count: max(0, size.width) * max(0, size.height))
    }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * size.width + x] }
        set { cells[y * size.width + x] = newValue }
    }

    /// Fills a rectangle with blanks of `style`.
    public mutating func fill(x: Int, y: Int, width: Int, height: Int, style: Style) {
        let x0 = max(0, x), y0 = max(0, y)
        let x1 = min(size.width, x + width), y1 = min(size.height, y + height)
        guard x0 < x1, y0 < y1 else { return }
        for row in y0..<y1 { for col in x0..<x1 { self[col, row] = Cell(style: style) } }
    }

    /// Draws `text` at (x, y) clipped to `maxWidth` columns (and the screen); returns the
    /// columns used. A wide grapheme that would straddle the clip edge becomes a space.
    @discardableResult
    public mutating func write(_ text: String, x: Int, y: Int, maxWidth: Int? = nil, style: Style) -> Int {
        guard y >= 0, y < size.height, x < size.width else { return 0 }
        let limit = min(size.width, x + (maxWidth ?? size.width))
        var col = x
        for c in DisplayWidth.sanitized(text) {
            let w = DisplayWidth.of(c)
            if w == 0 {
                // A stray combining mark attaches to the previous cell so it still renders.
                if col > x, col - 1 >= 0, col - 1 < size.width, !self[col - 1, y].isContinuation {
                    self[col - 1, y].text.append(c)
                }
                continue
            }
            if col + w > limit {
                if col < limit && w == 2 { self[col, y] = Cell(" ", style: style); col += 1 }
                break
            }
            if col >= 0 {
                // Overwriting half of an earlier wide glyph blanks its other half.
                if self[col, y].isContinuation, col > 0 { self[col - 1, y] = Cell(" ", style: self[col - 1, y].style) }
                if w == 1, col + 1 < size.width, self[col + 1, y].isContinuation { self[col + 1, y] = Cell(" ", style: style) }
                self[col, y] = Cell(String(c), width: UInt8(w), style: style)
                if w == 2 { self[col + 1, y] = Cell("", width: 0, style: style) }
            }
            col += w
        }
        return col - x
    }

    /// Changes the style of existing cells (for highlighting a row).
    public mutating func restyle(x: Int, y: Int, width: Int, _ change: (inout Style) -> Void) {
        guard y >= 0, y < size.height else { return }
        for col in max(0, x)..<min(size.width, x + width) { change(&self[col, y].style) }
    }

    /// The screen as plain text lines (trailing spaces kept), as tests and capture-pane see it.
    public var lines: [String] {
        (0..<size.height).map { row in
            var line = ""
            for col in 0..<size.width where !self[col, row].isContinuation { line += self[col, row].text }
            return line
        }
    }

    public var text: String {
        lines.map { line in
            var l = line
            while l.last == " " { l.removeLast() }
            return l
        }.joined(separator: "\n")
    }
}

/// A horizontal run of cells to write: one style, `text` covering `width` columns from (x, y).
public struct CellRun: Equatable, Sendable {
    public var x: Int
    public var y: Int
    public var text: String
    public var width: Int
    public var style: Style
    public init(x: Int, y: Int, text: String, width: Int, style: Style) {
        self.x = x; self.y = y; self.text = text; self.width = width; self.style = style
    }
}

/// What must be written to turn one screen into another, like ratatui's `Buffer::diff`.
public struct BufferDiff: Equatable, Sendable {
    /// The screen must be cleared and every run written (first frame, or a new size).
    public var fullRedraw: Bool
    public var runs: [CellRun]
}

extension Buffer {
    /// The runs of cells of `next` that differ from `previous` (every cell when there is no
    /// previous screen of the same size). A wide glyph is written whole, with its continuation;
    /// adjacent changed cells of one style share a run, so the adapter writes each run once.
    public static func diff(from previous: Buffer?, to next: Buffer) -> BufferDiff {
        let old = previous.flatMap { $0.size == next.size ? $0.cells : nil }
        let cells = next.cells, width = next.size.width
        var runs: [CellRun] = []
        // The open run, kept in locals so its text grows in place.
        var open = false, runX = 0, runY = 0, runWidth = 0, runStyle = Style.plain, runText = ""
        func close() {
            if open { runs.append(CellRun(x: runX, y: runY, text: runText, width: runWidth, style: runStyle)) }
            open = false
        }
        for y in 0..<next.size.height {
            let row = y * width
            var x = 0
            while x < width {
                let cell = cells[row + x]
                if cell.isContinuation { x += 1; continue }  // written with its wide glyph
                let span = cell.width == 2 && x + 1 < width ? 2 : 1
                var changed = true
                if let old { changed = old[row + x] != cell || (span == 2 && old[row + x + 1] != cells[row + x + 1]) }
                if !changed {
                    close()
                } else if open && runStyle == cell.style && runX + runWidth == x {
                    runText += cell.text.isEmpty ? " " : cell.text
                    runWidth += span
                } else {
                    close()
                    open = true
                    (runX, runY, runWidth, runStyle, runText) = (x, y, span, cell.style, cell.text.isEmpty ? " " : cell.text)
                }
                x += span
            }
            close()
        }
        return BufferDiff(fullRedraw: old == nil, runs: runs)
    }
}
