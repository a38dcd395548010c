import Terminal

/// `text` in at most `width` columns, cut in the middle: "s3://bucket/…/model/MLmodel". Paths
/// keep their scheme and first folder and their last components, cut at "/" when that wastes
/// little; other text keeps its start and end. The ends of a path say the most; the middle least.
func middleElided(_ text: String, to width: Int) -> String {
    let text = DisplayWidth.sanitized(text)
    guard DisplayWidth.of(text) > width else { return text }
    guard width > 1 else { return width == 1 ? "…" : "" }
    let budget = width - 1
    // The tail (the file name) gets the larger share.
    var tail = suffix(text, fitting: budget - budget / 3)
    if let slash = tail.firstIndex(of: "/"), slash != tail.startIndex {
        let trimmed = tail[slash...]
        if DisplayWidth.of(String(trimmed)) * 2 >= DisplayWidth.of(tail) { tail = String(trimmed) }
    }
    var head = prefix(text, fitting: budget - DisplayWidth.of(tail))
    if tail.hasPrefix("/"), let slash = head.lastIndex(of: "/"), head.index(after: slash) != head.endIndex {
        let trimmed = String(head[...slash])
        // Keep "s3://bucket/" whole rather than the bare scheme.
        if DisplayWidth.of(trimmed) * 2 >= DisplayWidth.of(head), !trimmed.hasSuffix("//") { head = trimmed }
    }
    return head + "…" + tail
}

private func prefix(_ text: String, fitting width: Int) -> String {
    var out = "", used = 0
    for c in text {
        let w = DisplayWidth.of(c)
        if used + w > width { break }
        out.append(c)
        used += w
    }
    return out
}

private func suffix(_ text: String, fitting width: Int) -> String {
    var out: [Character] = [], used = 0
    for c in text.reversed() {
        let w = DisplayWidth.of(c)
        if used + w > width { break }
        out.append(c)
        used += w
    }
    return String(out.reversed())
}
