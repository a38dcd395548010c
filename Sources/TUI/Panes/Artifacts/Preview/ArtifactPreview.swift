import Foundation
import Terminal
import Tracking

/// The preview of one artifact file, loaded from its first page and re-rendered as the pane
/// scrolls: text-like kinds keep a `PagedText` so only visible lines are read; JSON, tables and
/// MLmodel read at most `wholeFileLimit` bytes; images at most `imageLimit`; binaries show the
/// hex dump of the window scrolled to.
struct ArtifactPreview: Sendable {
    static let wholeFileLimit = 4 << 20
    static let imageLimit = 64 << 20
    static let hexPage = 64 * 1024

    let name: String
    let kind: PreviewKind
    let size: Int64?
    let content: any ArtifactContent
    let text: PagedText
    /// Names this preview's image to the terminal: another run's file of the same path and size
    /// is another picture.
    let instance = UUID().uuidString

    /// Sniffs the first bytes to choose the kind.
    static func open(name: String, content: any ArtifactContent) async throws -> ArtifactPreview {
        let head = try await content.read(offset: 0, count: PreviewKind.sniffLength)
        let kind = PreviewKind.detect(name: name, head: head, size: content.size)
        return ArtifactPreview(name: name, kind: kind, size: content.size, content: content, text: PagedText(content: content))
    }

    /// Lines for a pane of `width` × `height` scrolled to `top` (a line for text, a row of as
    /// many bytes as `width` fits for hex), with `search` highlighted and JSON nodes in `folded` closed. Errors (a
    /// corrupt image, invalid JSON) fall back to a readable form with the reason on top.
    func lines(top: Int, width: Int, height: Int, search: String? = nil, folded: Set<String> = [],
                      theme: Theme) async throws -> [PreviewLine] {
        switch kind {
        case .empty:
            return [PreviewLine("(empty file)", theme[.dim])]
        case .binary:
            let perRow = hexBytesPerRow(width: width)
            let offset = Int64(max(top, 0)) * Int64(perRow)
            let bytes = try await content.read(offset: offset, count: min(height, 4096) * perRow)
            return renderHexDump(bytes, offset: offset, bytesPerRow: perRow, theme: theme)
        case .png, .jpeg:
            if let size, size > Int64(ArtifactPreview.imageLimit) {
                return [PreviewLine("image of \(size) bytes is too large to preview", theme[.warning])]
            }
            let file = try await content.readWhole(limit: ArtifactPreview.imageLimit)
            switch RGBAImage.decode(file, kind: kind) {
            case .success(let image):
                var caption = PreviewLine("\(image.width)×\(image.height) \(kind == .png ? "PNG" : "JPEG")", theme[.dim])
                caption.image = PreviewImage(id: instance, pixels: image.scaled(toFit: PreviewImage.side),
                                             file: file.count <= GridPicture.fileLimit ? file : [])
                return [caption] + renderImage(image, width: width, height: max(height - 1, 1))
            case .failure(let error):
                let perRow = hexBytesPerRow(width: width)
                let bytes = try await content.read(offset: 0, count: min(height, 256) * perRow)
                return [PreviewLine(error.description, theme[.error])]
                    + renderHexDump(bytes, offset: 0, bytesPerRow: perRow, theme: theme)
            }
        case .json, .table, .mlmodel:
            if let all = try await wholeRendering(folded: folded, theme: theme) {
                return Array(all.dropFirst(max(top, 0)).prefix(height)).map { line in
                    guard let search, !search.isEmpty else { return line }
                    var lit = PreviewLine(line.spans.flatMap { highlight($0.text, search: search, base: $0.style, match: theme[.marked]) })
                    lit.foldPath = line.foldPath
                    return lit
                }
            }
            return try await textLines(top: top, height: height, search: search, theme: theme)
        case .text:
            return try await textLines(top: top, height: height, search: search, theme: theme)
        }
    }

    /// JSON, tables and MLmodel files small enough to render whole; nil: shown as plain text.
    private func wholeRendering(folded: Set<String>, theme: Theme) async throws -> [PreviewLine]? {
        guard let size, size <= Int64(ArtifactPreview.wholeFileLimit) else { return nil }
        let bytes = try await content.readWhole(limit: ArtifactPreview.wholeFileLimit)
        switch kind {
        case .json: return parseJSONPreview(bytes).map { renderJSON($0, folded: folded, theme: theme) }
        case .table(let separator): return renderTable(String(decoding: bytes, as: UTF8.self), separator: separator, theme: theme)
        case .mlmodel: return renderMLmodel(String(decoding: bytes, as: UTF8.self), theme: theme)
        default: return nil
        }
    }

    /// The next (previous) line after `line` holding `query`, in the lines `lines(top:...)`
    /// shows: rendered lines for JSON/tables/MLmodel, the file's lines (read in pages) for text.
    func find(_ query: String, after line: Int, backward: Bool, folded: Set<String> = [],
                     theme: Theme) async throws -> PreviewMatch {
        switch kind {
        case .text:
            return try await text.find(query, after: line, backward: backward)
        case .json, .table, .mlmodel:
            guard let all = try await wholeRendering(folded: folded, theme: theme) else {
                return try await text.find(query, after: line, backward: backward)
            }
            let matches = all.indices.filter { all[$0].text.range(of: query, options: .caseInsensitive) != nil }
            let found = backward ? (matches.last { $0 < line } ?? matches.last) : (matches.first { $0 > line } ?? matches.first)
            return PreviewMatch(line: found, ordinal: found.flatMap { matches.firstIndex(of: $0) }.map { $0 + 1 } ?? 0,
                                count: matches.count, complete: true)
        case .empty, .binary, .png, .jpeg:
            throw MLflowError(.invalidParameterValue, "search works in text previews only")
        }
    }

    private func textLines(top: Int, height: Int, search: String?, theme: Theme) async throws -> [PreviewLine] {
        let start = max(top, 0)
        let bytes = try await text.lines(start..<start + max(height, 0))
        let extent = await text.extent
        return renderTextLines(bytes, firstLineNumber: start + 1, totalLines: extent.lines, search: search, theme: theme)
    }

    /// Lines of a text file known so far and whether the index has reached the end.
    func textExtent() async -> (lines: Int, complete: Bool) { await text.extent }
}

extension ArtifactContent {
    /// The file from its start, at most `limit` bytes, read a megabyte at a time.
    func readWhole(limit: Int) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        while bytes.count < limit {
            let chunk = try await read(offset: Int64(bytes.count), count: min(1 << 20, limit - bytes.count))
            if chunk.isEmpty { break }
            bytes += chunk
        }
        return bytes
    }
}
