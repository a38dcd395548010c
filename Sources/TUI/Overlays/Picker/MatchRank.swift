/// How a query matches a text, best first. Every picker and the experiment jump rank by it,
/// so typing `f1` puts `f1` above `best_f1` and `f1_macro`.
enum MatchTier: Int, Comparable, Sendable {
    case exact, prefix, substring, subsequence

    static func < (a: MatchTier, b: MatchTier) -> Bool { a.rawValue < b.rawValue }

    /// The tier of `query` in `text`, case-insensitively; nil when it does not match at all.
    init?(_ query: String, in text: String) {
        let q = query.lowercased(), t = text.lowercased()
        if t == q { self = .exact }
        else if t.hasPrefix(q) { self = .prefix }
        else if t.contains(q) { self = .substring }
        else if fuzzyMatch(q, t) { self = .subsequence }
        else { return nil }
    }
}

/// `items` matching `query`, best first: exact, prefix, substring, then subsequence match of any
/// of an item's `texts`; ties go to the shorter label, then the alphabetically first. An empty
/// query keeps every item in its own order.
func rankMatches<Item>(_ query: String, _ items: [Item], label: (Item) -> String,
                       texts: (Item) -> [String]) -> [Item] {
    guard !query.isEmpty else { return items }
    let ranked = items.compactMap { item -> (tier: MatchTier, label: String, item: Item)? in
        guard let tier = texts(item).compactMap({ MatchTier(query, in: $0) }).min() else { return nil }
        return (tier, label(item), item)
    }
    return ranked.sorted { a, b in
        if a.tier != b.tier { return a.tier < b.tier }
        if a.label.count != b.label.count { return a.label.count < b.label.count }
        return a.label < b.label
    }.map(\.item)
}
