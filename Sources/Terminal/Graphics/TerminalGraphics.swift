import Foundation

/// How a terminal can draw an image: kitty's graphics protocol (kitty, Ghostty, WezTerm), iTerm2's
/// inline images (iTerm2, WezTerm), sixel (xterm -ti vt340, foot, mlterm, Windows Terminal), or
/// none, where images are drawn with half blocks in the cells' colours.
public enum GraphicsProtocol: String, Sendable, CaseIterable {
    case kitty, iterm2, sixel
    case halfBlocks = "half-blocks"
}

/// kitty's graphics protocol with Unicode placeholders: the image is sent once, with a virtual
/// placement of `columns` × `rows` cells; the cells then hold U+10EEEE with two combining marks
/// (its row and column, `KittyDiacritics`) in a foreground colour that names the image. The
/// placeholders are ordinary text, so tmux keeps, scrolls and redraws them like any other; only
/// the transmission needs tmux's passthrough. Data goes inline (base64 in the escape sequence),
/// so it works over SSH.
public enum KittyGraphics {
    public static let placeholder: Character = "\u{10EEEE}"

    /// Transmits PNG bytes as image `id` and places it virtually over `columns` × `rows` cells
    /// (`a=T,U=1`), in chunks of at most `chunk` base64 bytes (the protocol's limit is 4096);
    /// `q=2` keeps the terminal from answering.
    public static func transmit(png: [UInt8], id: UInt32, columns: Int, rows: Int, chunk: Int = 4096) -> String {
        transmit(payload: Data(png).base64EncodedString(), keys: "a=T,U=1,f=100,i=\(id),c=\(columns),r=\(rows),q=2", chunk: chunk)
    }

    /// The base64 `payload` in chunks, the first with `keys`, each saying whether more follow.
    static func transmit(payload: String, keys firstKeys: String, chunk: Int) -> String {
        var out = ""
        var start = payload.startIndex
        var first = true
        repeat {
            let end = payload.index(start, offsetBy: chunk, limitedBy: payload.endIndex) ?? payload.endIndex
            let more = end < payload.endIndex ? 1 : 0
            let keys = first ? "\(firstKeys),m=\(more)" : "m=\(more)"
            out += "\u{1B}_G\(keys);\(payload[start..<end])\u{1B}\\"
            start = end
            first = false
        } while start < payload.endIndex
        return out
    }

    /// Deletes image `id` and its placements, freeing the terminal's memory.
    public static func delete(id: UInt32) -> String { "\u{1B}_Ga=d,d=I,i=\(id),q=2\u{1B}\\" }

    /// The cells of placeholder row `row`, `columns` wide: each names its row and column.
    public static func placeholderRow(_ row: Int, columns: Int) -> [String] {
        (0..<columns).map { column in
            String(placeholder) + mark(row) + mark(column)
        }
    }

    /// The combining mark that numbers row or column `n` (at most 296).
    static func mark(_ n: Int) -> String {
        String(UnicodeScalar(KittyDiacritics.codes[min(max(n, 0), KittyDiacritics.codes.count - 1)])!)
    }

    /// The most rows or columns a placement can number.
    public static var maxCells: Int { KittyDiacritics.codes.count }
}

/// iTerm2's inline images (`OSC 1337 ; File=`), also understood by WezTerm and others: the file
/// (any format the terminal decodes) inline, sized in cells.
public enum ITerm2Image {
    public static func inline(_ file: [UInt8], columns: Int, rows: Int) -> String {
        "\u{1B}]1337;File=inline=1;size=\(file.count);width=\(columns);height=\(rows);preserveAspectRatio=1:"
            + Data(file).base64EncodedString() + "\u{07}"
    }
}

/// DEC sixel graphics: bands of six pixel rows, one pass per colour, colours from a 6×6×6 cube
/// (216 registers, within the 256 most terminals offer). A pixel mostly transparent is left
/// unpainted (`P2 = 1`).
public enum Sixel {
    public static func encode(rgba: [UInt8], width: Int, height: Int) -> String {
        guard width > 0, height > 0, rgba.count >= width * height * 4 else { return "" }
        func register(_ x: Int, _ y: Int) -> Int? {
            let i = (y * width + x) * 4
            guard rgba[i + 3] >= 128 else { return nil }
            func level(_ v: UInt8) -> Int { (Int(v) * 5 + 127) / 255 }
            return level(rgba[i]) * 36 + level(rgba[i + 1]) * 6 + level(rgba[i + 2])
        }
        var used = Set<Int>()
        var cells = [Int?](repeating: nil, count: width * height)
        for y in 0..<height {
            for x in 0..<width {
                cells[y * width + x] = register(x, y)
                if let r = cells[y * width + x] { used.insert(r) }
            }
        }
        var out = "\u{1B}P0;1;0q\"1;1;\(width);\(height)"
        for r in used.sorted() {
            out += "#\(r);2;\(r / 36 * 20);\(r / 6 % 6 * 20);\(r % 6 * 20)"
        }
        for band in stride(from: 0, to: height, by: 6) {
            if band > 0 { out += "-" }
            var colours = Set<Int>()
            for y in band..<min(band + 6, height) { for x in 0..<width { if let r = cells[y * width + x] { colours.insert(r) } } }
            for r in colours.sorted() {
                var sixels: [UInt8] = (0..<width).map { x in
                    var bits: UInt8 = 0
                    for dy in 0..<min(6, height - band) where cells[(band + dy) * width + x] == r { bits |= 1 << dy }
                    return bits
                }
                while sixels.last == 0 { sixels.removeLast() }
                out += "#\(r)" + runLength(sixels) + "$"
            }
        }
        return out + "\u{1B}\\"
    }

    /// Sixel characters with runs of four or more as `!count char`.
    private static func runLength(_ sixels: [UInt8]) -> String {
        var out = ""
        var i = 0
        while i < sixels.count {
            var j = i
            while j < sixels.count && sixels[j] == sixels[i] { j += 1 }
            let char = String(UnicodeScalar(63 + sixels[i]))
            out += j - i >= 4 ? "!\(j - i)\(char)" : String(repeating: char, count: j - i)
            i = j
        }
        return out
    }
}

/// Inside tmux an escape sequence for the outer terminal goes through tmux's passthrough (DCS
/// `tmux;` with each ESC doubled; tmux 3.3+ needs `set -g allow-passthrough on`).
public enum TmuxPassthrough {
    public static func wrap(_ sequence: String) -> String {
        "\u{1B}Ptmux;" + sequence.replacingOccurrences(of: "\u{1B}", with: "\u{1B}\u{1B}") + "\u{1B}\\"
    }
}

/// Which protocol a terminal speaks, found as ratatui-image and chafa find it: by asking the
/// terminal first (a kitty graphics query, XTVERSION, then the primary device attributes, whose
/// answer ends the wait), then by its environment. `MLTUI_GRAPHICS` overrides both.
public enum GraphicsDetection {
    /// The questions, in one write: kitty answers the graphics query (`i=31` … `OK`), XTVERSION
    /// names the terminal, and every terminal answers DA1 (sixel is its attribute 4).
    public static let query = "\u{1B}_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\u{1B}\\\u{1B}[>q\u{1B}[c"

    /// What the answers to `query` say; nil when they say nothing about graphics.
    public static func fromReplies(_ reply: String) -> GraphicsProtocol? {
        if reply.contains("\u{1B}_Gi=31;OK") { return .kitty }
        if let start = reply.range(of: "\u{1B}P>|") {
            let name = reply[start.upperBound...].prefix { $0 != "\u{1B}" }.lowercased()
            if name.contains("kitty") || name.contains("ghostty") { return .kitty }
            if name.contains("iterm2") || name.contains("wezterm") { return .iterm2 }
        }
        if let start = reply.range(of: "\u{1B}[?"), let end = reply[start.upperBound...].firstIndex(of: "c") {
            let attributes = reply[start.upperBound..<end].split(separator: ";")
            if attributes.dropFirst().contains("4") { return .sixel }
        }
        return nil
    }

    /// From the environment alone: the override, then what terminals set.
    public static func fromEnvironment(_ environment: [String: String]) -> GraphicsProtocol? {
        if let forced = environment["MLTUI_GRAPHICS"]?.lowercased(), !forced.isEmpty {
            if forced == "none" || forced == "off" { return .halfBlocks }
            return GraphicsProtocol(rawValue: forced)
        }
        let term = environment["TERM"] ?? "", program = environment["TERM_PROGRAM"] ?? ""
        if environment["KITTY_WINDOW_ID"] != nil || term == "xterm-kitty" || term == "xterm-ghostty" || program == "ghostty" {
            return .kitty
        }
        if program == "iTerm.app" || program == "WezTerm" || environment["ITERM_SESSION_ID"] != nil { return .iterm2 }
        if term.contains("sixel") || term == "foot" || term.hasPrefix("foot-") || program == "mlterm" { return .sixel }
        return nil
    }

    /// The protocol to use: the override, the terminal's answers, its environment, else half blocks.
    public static func choose(environment: [String: String], replies: String?) -> GraphicsProtocol {
        if let forced = environment["MLTUI_GRAPHICS"], !forced.isEmpty { return fromEnvironment(environment) ?? .halfBlocks }
        return replies.flatMap(fromReplies) ?? fromEnvironment(environment) ?? .halfBlocks
    }
}

/// An image to draw over `columns` × `rows` cells at (`x`, `y`) with the terminal's graphics
/// protocol, the cells under it left blank in the frame. Two placements are the same when they
/// show the same image (`id`) in the same place; the pixels are not compared.
public struct ImagePlacement: Equatable, Sendable {
    public var x: Int
    public var y: Int
    public var columns: Int
    public var rows: Int
    /// Names the picture: the same id, the same pixels.
    public var id: String
    /// 8-bit RGBA rows.
    public var width: Int
    public var height: Int
    public var rgba: [UInt8]
    /// The image file as logged (PNG or JPEG), for iTerm2, which decodes it itself.
    public var file: [UInt8]

    public init(x: Int, y: Int, columns: Int, rows: Int, id: String, width: Int, height: Int, rgba: [UInt8], file: [UInt8]) {
        (self.x, self.y, self.columns, self.rows, self.id) = (x, y, columns, rows, id)
        (self.width, self.height, self.rgba, self.file) = (width, height, rgba, file)
    }

    public static func == (a: ImagePlacement, b: ImagePlacement) -> Bool {
        a.x == b.x && a.y == b.y && a.columns == b.columns && a.rows == b.rows && a.id == b.id
    }
}

extension KittyGraphics {
    /// Transmits 8-bit RGBA pixels (`f=32`) as image `id` with a virtual placement, as
    /// `transmit(png:…)` does for a PNG.
    public static func transmit(rgba: [UInt8], width: Int, height: Int, id: UInt32, columns: Int, rows: Int, chunk: Int = 4096) -> String {
        transmit(payload: Data(rgba).base64EncodedString(), keys: "a=T,U=1,f=32,s=\(width),v=\(height),i=\(id),c=\(columns),r=\(rows),q=2", chunk: chunk)
    }
}

/// What the adapter writes after a frame for the images it places: the sequences of the
/// terminal's protocol, each preceded by a cursor move to its cell. Pure, so tests read it.
public struct GraphicsWriter: Sendable {
    public let graphics: GraphicsProtocol
    /// Inside tmux: kitty's transmissions go through its passthrough.
    public let inTmux: Bool
    /// Direct colour: kitty's placeholders name their image by a 24-bit foreground.
    public let directColor: Bool
    /// The pixels of one cell, for sixel (which is sized in pixels): what the terminal reports
    /// (`NcursesTerminal` reads TIOCGWINSZ), else 6 × 13, the smallest common cell, so that an
    /// image never overflows its cells (it may fall short of them).
    public var cellPixels = (width: 6, height: 13)
    /// kitty image numbers given to placement ids, 1-255 (a 256-colour foreground names them).
    private var numbers: [String: UInt32] = [:]
    private var next: UInt32 = 1

    public init(graphics: GraphicsProtocol, inTmux: Bool, directColor: Bool) {
        self.graphics = graphics
        self.inTmux = inTmux
        self.directColor = directColor
    }

    /// The bytes that draw `placements` (after a frame whose cells under them are blank), and
    /// forget the images of `removed` (kitty keeps transmitted images until deleted).
    public mutating func sequences(drawing placements: [ImagePlacement], removed: [ImagePlacement]) -> String {
        var out = ""
        if graphics == .kitty {
            for gone in removed {
                guard let number = numbers.removeValue(forKey: gone.id) else { continue }
                out += wrap(KittyGraphics.delete(id: number))
            }
        }
        for p in placements where p.columns > 0 && p.rows > 0 {
            switch graphics {
            case .kitty:
                // Sent once; a redraw only writes the placeholders again.
                let known = numbers[p.id]
                let number = known ?? assign(p.id)
                let columns = min(p.columns, KittyGraphics.maxCells), rows = min(p.rows, KittyGraphics.maxCells)
                if known == nil {
                    // A PNG goes as it is (kitty decodes it, at full resolution); else the pixels.
                    let png = p.file.starts(with: [0x89, 0x50, 0x4E, 0x47])
                    out += wrapChunks(png ? KittyGraphics.transmit(png: p.file, id: number, columns: columns, rows: rows)
                                          : KittyGraphics.transmit(rgba: p.rgba, width: p.width, height: p.height, id: number, columns: columns, rows: rows))
                }
                let colour = directColor ? "\u{1B}[38;2;0;0;\(number)m" : "\u{1B}[38;5;\(number)m"
                for row in 0..<rows {
                    out += "\u{1B}[\(p.y + row + 1);\(p.x + 1)H" + colour + KittyGraphics.placeholderRow(row, columns: columns).joined() + "\u{1B}[39m"
                }
            case .iterm2:
                guard !p.file.isEmpty else { continue }
                out += "\u{1B}[\(p.y + 1);\(p.x + 1)H" + wrap(ITerm2Image.inline(p.file, columns: p.columns, rows: p.rows))
            case .sixel:
                let fitted = Self.fit(p, into: (p.columns * cellPixels.width, p.rows * cellPixels.height))
                out += "\u{1B}[\(p.y + 1);\(p.x + 1)H" + Sixel.encode(rgba: fitted.rgba, width: fitted.width, height: fitted.height)
            case .halfBlocks:
                break
            }
        }
        return out
    }

    private mutating func assign(_ id: String) -> UInt32 {
        let number = next
        next = next % 255 + 1
        if let stale = numbers.first(where: { $0.value == number })?.key { numbers[stale] = nil }
        numbers[id] = number
        return number
    }

    private func wrap(_ sequence: String) -> String { inTmux ? TmuxPassthrough.wrap(sequence) : sequence }

    /// Each of kitty's chunks in a passthrough of its own: tmux drops a sequence longer than
    /// its input buffer, and one image can be megabytes.
    private func wrapChunks(_ chunks: String) -> String {
        guard inTmux else { return chunks }
        return chunks.components(separatedBy: "\u{1B}_G").dropFirst().map { TmuxPassthrough.wrap("\u{1B}_G" + $0) }.joined()
    }

    /// The pixels scaled (nearest neighbour) to fit `box`, keeping the aspect ratio.
    static func fit(_ p: ImagePlacement, into box: (Int, Int)) -> (rgba: [UInt8], width: Int, height: Int) {
        guard p.width > 0, p.height > 0 else { return ([], 0, 0) }
        let scale = min(Double(box.0) / Double(p.width), Double(box.1) / Double(p.height))
        let w = max(1, Int(Double(p.width) * scale)), h = max(1, Int(Double(p.height) * scale))
        var out = [UInt8](repeating: 0, count: w * h * 4)
        for y in 0..<h {
            let sy = min(p.height - 1, y * p.height / h)
            for x in 0..<w {
                let sx = min(p.width - 1, x * p.width / w)
                let i = (sy * p.width + sx) * 4, o = (y * w + x) * 4
                out[o] = p.rgba[i]; out[o + 1] = p.rgba[i + 1]; out[o + 2] = p.rgba[i + 2]; out[o + 3] = p.rgba[i + 3]
            }
        }
        return (out, w, h)
    }
}
