/// A metric history as one line of block glyphs (▁▂▃▄▅▆▇█), for a runs-table cell.
public enum Sparkline {
    static let levels: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    /// At most `width` glyphs: one per point when they fit, else one per bucket of points.
    /// A bucket shows its min or its max, whichever lies further from the previous glyph, so a
    /// single spike (up or down) survives. Buckets with no finite value are spaces (gaps).
    /// A constant series draws mid-height. `scale` is the range the glyphs span (shared by the
    /// cells of a column so runs compare by height); nil spans the series' own min and max.
    public static func render(_ values: [Double], width: Int, scale: ClosedRange<Double>? = nil) -> String {
        guard width > 0, !values.isEmpty else { return "" }
        var lo = Double.infinity, hi = -Double.infinity
        for v in values where v.isFinite { lo = min(lo, v); hi = max(hi, v) }
        if let scale, lo <= hi { lo = scale.lowerBound; hi = scale.upperBound }
        guard lo <= hi else { return String(repeating: " ", count: min(width, values.count)) }
        let columns = min(width, values.count)
        var out = ""
        out.reserveCapacity(columns * 3)
        var previous: Double?
        for c in 0..<columns {
            // Bucket c covers values[start..<end], spread evenly over the whole history.
            let start = c * values.count / columns, end = (c + 1) * values.count / columns
            var bmin = Double.infinity, bmax = -Double.infinity
            for i in start..<end where values[i].isFinite { bmin = min(bmin, values[i]); bmax = max(bmax, values[i]) }
            guard bmin <= bmax else { out.append(" "); continue }
            let value: Double
            if let p = previous { value = abs(bmax - p) >= abs(bmin - p) ? bmax : bmin }
            else { value = values[start..<end].first { $0.isFinite }! }
            previous = value
            out.append(glyph(value, lo: lo, hi: hi))
        }
        return out
    }

    static func glyph(_ v: Double, lo: Double, hi: Double) -> Character {
        guard hi > lo else { return levels[3] }
        let level = Int(((v - lo) / (hi - lo) * Double(levels.count - 1)).rounded())
        return levels[max(0, min(levels.count - 1, level))]
    }
}
