import Terminal

/// One line of a preview: styled spans, drawn left to right. Previews are pure functions from
/// bytes (read in pages) to lines; the browser pane draws the visible window of them.
struct PreviewLine: Equatable, Sendable {
    struct Span: Equatable, Sendable {
        var text: String
        var style: Style
        init(_ text: String, _ style: Style) { self.text = text; self.style = style }
    }
    var spans: [Span]
    /// For foldable previews (JSON): the node this line opens, so a key can fold it.
    var foldPath: String?
    /// On an image preview's caption: the image, for a terminal that draws images itself.
    var image: PreviewImage?

    init(_ spans: [Span], foldPath: String? = nil) {
        self.spans = spans
        self.foldPath = foldPath
    }

    init(_ text: String, _ style: Style) { self.init([Span(text, style)]) }

    static func == (a: PreviewLine, b: PreviewLine) -> Bool {
        a.spans == b.spans && a.foldPath == b.foldPath && a.image?.id == b.image?.id
    }

    /// The text without styles (tests, search, yank).
    var text: String { spans.map(\.text).joined() }
}

extension Buffer {
    /// Draws `lines[top...]` into the rectangle, clipped; rows past the end are left blank.
    mutating func drawPreview(_ lines: [PreviewLine], top: Int, x: Int, y: Int, width: Int, height: Int) {
        guard width > 0, height > 0 else { return }
        for row in 0..<height {
            let index = top + row
            guard index >= 0, index < lines.count else { break }
            var column = x
            for span in lines[index].spans {
                let remaining = x + width - column
                guard remaining > 0 else { break }
                column += write(span.text, x: column, y: y + row, maxWidth: remaining, style: span.style)
            }
        }
    }
}

/// An image an artifact preview shows: its pixels (scaled to at most `side`) and the file.
struct PreviewImage: Sendable {
    static let side = 1024
    var id: String
    var pixels: RGBAImage
    var file: [UInt8]
}

/// What the preview of one artifact shows, chosen from its name and first bytes.
enum PreviewKind: Equatable, Sendable {
    case empty, text, json, table(separator: Character), mlmodel, png, jpeg, binary

    /// Bytes sniffed before choosing (images and binaries are told by content, not name).
    static let sniffLength = 8192

    static func detect(name: String, head: [UInt8], size: Int64?) -> PreviewKind {
        if size == 0 || (size == nil && head.isEmpty) { return .empty }
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if looksBinary(head) { return .binary }
        let lower = name.lowercased()
        let base = lower.split(separator: "/").last.map(String.init) ?? lower
        if base == "mlmodel" { return .mlmodel }
        if base.hasSuffix(".json") || base.hasSuffix(".ipynb") { return .json }
        if base.hasSuffix(".csv") { return .table(separator: ",") }
        if base.hasSuffix(".tsv") || base.hasSuffix(".tab") { return .table(separator: "\t") }
        return .text   // YAML, Markdown, logs and any other UTF-8 text
    }

    /// NUL bytes or invalid UTF-8 (a cut multi-byte sequence at the very end is fine).
    static func looksBinary(_ head: [UInt8]) -> Bool {
        if head.contains(0) { return true }
        var bytes = head[...]
        // Drop a possibly cut UTF-8 sequence at the end of the sniffed window.
        var back = 0
        while back < 3, let last = bytes.last, last & 0xC0 == 0x80 { bytes = bytes.dropLast(); back += 1 }
        if let last = bytes.last, last & 0xC0 == 0xC0 { bytes = bytes.dropLast() } else if back > 0 { bytes = head[...] }
        return String(validating: Array(bytes), as: UTF8.self) == nil
    }
}
