import Foundation

/// The Host-header check MLflow 3.5+ does against DNS rebinding (mlflow/server/security_utils.py):
/// a page on evil.example that resolves its name to 127.0.0.1 sends `Host: evil.example`, which
/// matches none of the patterns and is refused with 403. /health and /version are exempt.
public struct HostAllowList: Sendable {
    public let patterns: [String]

    public init(_ patterns: [String]) { self.patterns = patterns }

    /// MLflow's default: loopback names with and without a port, and the private address ranges.
    public static let defaultPatterns: [String] = {
        let local = ["localhost", "127.0.0.1", "[::1]", "0.0.0.0"]
        let withPort = local.map { $0.hasPrefix("[") ? $0.replacingFirst("[", with: "[[]") + ":*" : $0 + ":*" }
        let private172 = (16..<32).map { "172.\($0).*" }
        return local + withPort + ["192.168.*", "10.*"] + private172 + ["fc00:*", "fd00:*"]
    }()

    public var allowsAll: Bool { patterns.contains("*") }

    public func allows(_ host: String?) -> Bool {
        guard let host, !host.isEmpty else { return false }
        if allowsAll { return true }
        return patterns.contains { pattern in
            pattern.contains("*") ? fnmatch(pattern: Array(pattern.unicodeScalars), name: Array(host.unicodeScalars)) : pattern == host
        }
    }

    /// Python's fnmatch (case-sensitive on POSIX): `*`, `?` and `[set]` / `[!set]`.
    func fnmatch(pattern: [Unicode.Scalar], name: [Unicode.Scalar]) -> Bool {
        var p = 0, n = 0
        var star: (p: Int, n: Int)?
        while n < name.count {
            if p < pattern.count {
                switch pattern[p] {
                case "*":
                    star = (p, n); p += 1; continue
                case "?":
                    p += 1; n += 1; continue
                case "[":
                    if let (matched, next) = matchSet(pattern, from: p, name[n]) {
                        if matched { p = next; n += 1; continue }
                    } else if name[n] == "[" {
                        p += 1; n += 1; continue  // an unclosed '[' is literal, as in fnmatch
                    }
                default:
                    if pattern[p] == name[n] { p += 1; n += 1; continue }
                }
            }
            guard let s = star else { return false }
            star = (s.p, s.n + 1)
            p = s.p + 1
            n = s.n + 1
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }

    /// Whether `c` is in the set starting at `pattern[start] == "["`, and the index after `]`;
    /// nil when the set is not closed.
    private func matchSet(_ pattern: [Unicode.Scalar], from start: Int, _ c: Unicode.Scalar) -> (Bool, Int)? {
        var i = start + 1
        var negate = false
        if i < pattern.count, pattern[i] == "!" { negate = true; i += 1 }
        var matched = false
        var first = true
        while i < pattern.count {
            if pattern[i] == "]" && !first { return (matched != negate, i + 1) }
            first = false
            if i + 2 < pattern.count, pattern[i + 1] == "-", pattern[i + 2] != "]" {
                if pattern[i].value <= c.value && c.value <= pattern[i + 2].value { matched = true }
                i += 3
            } else {
                if pattern[i] == c { matched = true }
                i += 1
            }
        }
        return nil
    }
}

extension String {
    fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
