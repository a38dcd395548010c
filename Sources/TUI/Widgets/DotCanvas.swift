import Foundation
import Terminal

/// How plotted points become characters: Braille gives 2×4 dots per cell; half blocks
/// (▀ ▄ █) give 1×2 and also render on consoles without a Braille font.
public enum ChartGlyphs: String, Sendable, CaseIterable {
    case braille, blocks

    var dotsPerCell: (x: Int, y: Int) { self == .braille ? (2, 4) : (1, 2) }

    /// Braille needs a UTF-8 locale and a font that has it; the Linux console has neither
    /// reliably, so it gets blocks. MLTUI_CHART=braille|blocks overrides the guess.
    public static func detect(_ environment: [String: String]) -> ChartGlyphs {
        if let forced = environment["MLTUI_CHART"].flatMap(ChartGlyphs.init(rawValue:)) { return forced }
        let locale = environment["LC_ALL"].flatMap { $0.isEmpty ? nil : $0 }
            ?? environment["LC_CTYPE"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["LANG"] ?? ""
        let utf8 = locale.uppercased().contains("UTF-8") || locale.uppercased().contains("UTF8")
        return utf8 && environment["TERM"] != "linux" ? .braille : .blocks
    }
}

/// A grid of dots over a rectangle of cells. Each cell remembers the series that set a dot
/// in it last, which gives the cell its colour (a cell has one colour).
public struct DotCanvas {
    public let width: Int, height: Int
    public let glyphs: ChartGlyphs
    public let dotsX: Int, dotsY: Int
    private var bits: [UInt8]
    private var owner: [Int]

    public init(width: Int, height: Int, glyphs: ChartGlyphs) {
        self.width = max(0, width)
        self.height = max(0, height)
        self.glyphs = glyphs
        dotsX = self.width * glyphs.dotsPerCell.x
        dotsY = self.height * glyphs.dotsPerCell.y
        bits = Array(repeating: 0, count: self.width * self.height)
        owner = Array(repeating: -1, count: self.width * self.height)
    }

    /// Braille dot bits by (column, row) inside a cell (Unicode's dot numbering 1-8).
    private static let brailleBit: [[UInt8]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]

    /// Sets dot (x, y), y = 0 at the top; out-of-range dots are ignored.
    public mutating func set(_ x: Int, _ y: Int, series: Int) {
        guard x >= 0, y >= 0, x < dotsX, y < dotsY else { return }
        let (px, py) = glyphs.dotsPerCell
        let cell = (y / py) * width + x / px
        bits[cell] |= glyphs == .braille ? Self.brailleBit[x % px][y % py] : (y % py == 0 ? 1 : 2)
        owner[cell] = series
    }

    /// A vertical run of dots in column x from y0 to y1 (either order).
    public mutating func vertical(_ x: Int, _ y0: Int, _ y1: Int, series: Int) {
        for y in min(y0, y1)...max(y0, y1) { set(x, y, series: series) }
    }

    /// A straight line (Bresenham) between two dots.
    public mutating func line(_ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int, series: Int) {
        var x = x0, y = y0
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var err = dx + dy
        var guardCount = dx - dy + 2
        while guardCount > 0 {
            set(x, y, series: series)
            if x == x1 && y == y1 { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
            guardCount -= 1
        }
    }

    public func isEmpty(cellX: Int, cellY: Int) -> Bool { bits[cellY * width + cellX] == 0 }

    public func character(cellX: Int, cellY: Int) -> String? {
        let b = bits[cellY * width + cellX]
        guard b != 0 else { return nil }
        switch glyphs {
        case .braille: return String(UnicodeScalar(0x2800 + UInt32(b))!)
        case .blocks: return b == 1 ? "▀" : b == 2 ? "▄" : "█"
        }
    }

    /// Copies the non-empty cells into `buffer` at (x, y), each in its series' style.
    public func draw(into buffer: inout Buffer, x: Int, y: Int, styles: [Style]) {
        for row in 0..<height {
            for col in 0..<width {
                guard let text = character(cellX: col, cellY: row) else { continue }
                let series = owner[row * width + col]
                let style = styles.isEmpty ? Style.plain : styles[max(0, series) % styles.count]
                buffer.write(text, x: x + col, y: y + row, maxWidth: 1, style: style)
            }
        }
    }
}
