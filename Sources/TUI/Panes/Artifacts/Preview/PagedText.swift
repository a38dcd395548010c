import Tracking

/// A text artifact read in pages through `ArtifactContent`: the line index grows only as far as
/// the viewer scrolls (or searches), and only the visible lines' bytes are read.
actor PagedText {
    static let pageSize = 1 << 20
    /// A longer line is shown cut (a minified 1 GB line must not be read whole to draw it).
    static let maxLineBytes = 16 * 1024

    let content: any ArtifactContent
    private(set) var index = LineIndex()

    init(content: any ArtifactContent) { self.content = content }

    /// Lines `range` (fewer at the end of the file), each capped at `maxLineBytes`.
    func lines(_ range: Range<Int>) async throws -> [[UInt8]] {
        while index.needsMore(forLine: range.upperBound) {
            index.consume(try await content.read(offset: index.scanned, count: PagedText.pageSize))
        }
        var out: [[UInt8]] = []
        let end = min(range.upperBound, index.lineCount)
        guard range.lowerBound < end, let first = index.range(ofLine: range.lowerBound),
              let last = index.range(ofLine: end - 1) else { return [] }
        if last.upperBound - first.lowerBound <= Int64(PagedText.pageSize * 4) {
            // One read covers the whole window.
            let bytes = try await content.read(offset: first.lowerBound, count: Int(last.upperBound - first.lowerBound))
            for line in range.lowerBound..<end {
                guard let r = index.range(ofLine: line) else { break }
                let lo = Int(r.lowerBound - first.lowerBound), hi = min(Int(r.upperBound - first.lowerBound), bytes.count)
                out.append(lo < hi ? Array(bytes[lo..<min(hi, lo + PagedText.maxLineBytes)]) : [])
            }
        } else {
            for line in range.lowerBound..<end {
                guard let r = index.range(ofLine: line) else { break }
                out.append(try await content.read(offset: r.lowerBound, count: Int(min(r.upperBound - r.lowerBound, Int64(PagedText.maxLineBytes)))))
            }
        }
        return out
    }

    /// Known line count and whether the whole file has been indexed.
    var extent: (lines: Int, complete: Bool) { (index.lineCount, index.complete) }

    // Search state of the last query: matching lines among lines 0..<searchedLines, found by
    // scanning forward a chunk at a time, so `n` on a 1 GB log reads only up to the next match.
    private var searchQuery = ""
    private var matchLines: [Int] = []
    private var searchedLines = 0
    private var searchDone = false
    static let searchChunk = 4096

    /// The next (or previous) line after `line` containing `query`, case-insensitively as the
    /// highlight shows it, wrapping at the ends. Wrapping backwards (or finding nothing) scans to
    /// the end of the file; forwards stops at the first match.
    func find(_ query: String, after line: Int, backward: Bool) async throws -> PreviewMatch {
        if query != searchQuery { searchQuery = query; matchLines = []; searchedLines = 0; searchDone = false }
        func scanChunk() async throws {
            let chunk = try await lines(searchedLines..<searchedLines + PagedText.searchChunk)
            for (i, bytes) in chunk.enumerated() where displayable(bytes).range(of: query, options: .caseInsensitive) != nil {
                matchLines.append(searchedLines + i)
            }
            searchedLines += chunk.count
            // Fewer lines than asked only at the end of the file (lines(_:) reads on until then).
            if chunk.count < PagedText.searchChunk { searchDone = true }
        }
        var found: Int?
        if backward {
            found = matchLines.last(where: { $0 < line })
            if found == nil {
                while !searchDone { try await scanChunk() }
                found = matchLines.last
            }
        } else {
            while true {
                if let next = matchLines.first(where: { $0 > line }) { found = next; break }
                if searchDone { found = matchLines.first; break }
                try await scanChunk()
            }
        }
        return PreviewMatch(line: found, ordinal: found.flatMap { matchLines.firstIndex(of: $0) }.map { $0 + 1 } ?? 0,
                            count: matchLines.count, complete: searchDone)
    }
}

/// Where a preview search landed: the line (nil: no match), its 1-based position among the
/// matches found so far, and whether the whole file was scanned (so `count` is final).
struct PreviewMatch: Equatable, Sendable {
    var line: Int?
    var ordinal: Int
    var count: Int
    var complete: Bool
    init(line: Int?, ordinal: Int, count: Int, complete: Bool) {
        self.line = line
        self.ordinal = ordinal
        self.count = count
        self.complete = complete
    }

    /// "match 3/12", "match 3/12+" while the rest of the file is unscanned.
    var label: String {
        guard line != nil else { return "no match" }
        return "match \(ordinal)/\(count)\(complete ? "" : "+")"
    }
}
