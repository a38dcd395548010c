import Tracking

/// A text artifact read in pages through `ArtifactContent`: the line index grows only as far as
/// the viewer scrolls (or searches), and only the visible lines' bytes are read.
public actor PagedText {
    public static let pageSize = 1 << 20
    /// A longer line is shown cut (a minified 1 GB line must not be read whole to draw it).
    public static let maxLineBytes = 16 * 1024

    let content: any ArtifactContent
    public private(set) var index = LineIndex()

    public init(content: any ArtifactContent) { self.content = content }

    /// Lines `range` (fewer at the end of the file), each capped at `maxLineBytes`.
    public func lines(_ range: Range<Int>) async throws -> [[UInt8]] {
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
    public var extent: (lines: Int, complete: Bool) { (index.lineCount, index.complete) }
}
