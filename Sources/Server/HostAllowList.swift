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

    /// Whether a Host header value may be answered. It must be a well-formed host (a name, an
    /// IPv4 address or a bracketed IPv6 address, then an optional numeric port) and match a
    /// pattern; a pattern written for addresses (`10.*`, `fd00:*`) matches address literals
    /// only, so `10.evil.example` is not in `10.*` (MLflow's fnmatch alone lets it through).
    public func allows(_ host: String?) -> Bool {
        guard let host, let parsed = HostHeader(host) else { return false }
        if allowsAll { return true }
        return patterns.contains { pattern in
            let matched = pattern.contains("*")
                ? fnmatch(pattern: Array(pattern.unicodeScalars), name: Array(host.unicodeScalars)) : pattern == host
            return matched && (!HostHeader.isAddressPattern(pattern) || parsed.isAddress)
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

/// A Host header value taken apart: `name[:port]`, `IPv4[:port]`, `[IPv6][:port]` or a bare IPv6
/// address; nil for anything else (spaces, slashes, an empty label, a port that is not a number).
struct HostHeader {
    var isAddress: Bool

    init?(_ text: String) {
        guard !text.isEmpty, text.utf8.count <= 300 else { return nil }
        if HostHeader.isIPv6(text) {
            isAddress = true
            return
        }
        var name = Substring(text)
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), HostHeader.isIPv6(String(text[text.index(after: text.startIndex)..<close])) else { return nil }
            let rest = text[text.index(after: close)...]
            guard rest.isEmpty || (rest.hasPrefix(":") && HostHeader.isPort(rest.dropFirst())) else { return nil }
            isAddress = true
            return
        }
        if let colon = text.lastIndex(of: ":") {
            guard HostHeader.isPort(text[text.index(after: colon)...]) else { return nil }
            name = text[..<colon]
        }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        let nameLabels = name.hasSuffix(".") ? labels.dropLast() : labels[...]
        guard !nameLabels.isEmpty, nameLabels.allSatisfy({ label in
            !label.isEmpty && label.utf8.count <= 63 && label.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }
        }) else { return nil }
        let numeric = nameLabels.allSatisfy { $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
        if numeric {
            // All-digit labels are an IPv4 address or nothing (no "10.1", no "999.1.1.1").
            guard nameLabels.count == 4, nameLabels.allSatisfy({ $0.count <= 3 && (Int($0) ?? 256) <= 255 }) else { return nil }
        }
        isAddress = numeric
    }

    static func isPort(_ text: Substring) -> Bool {
        !text.isEmpty && text.count <= 5 && text.allSatisfy { $0.isASCII && $0.isNumber } && (Int(text) ?? 70000) <= 65535
    }

    static func isIPv6(_ text: String) -> Bool {
        var address = in6_addr()
        return text.contains(":") && inet_pton(AF_INET6, text, &address) == 1
    }

    /// A pattern that names addresses: it starts (after an optional `[`) with a digit, or with
    /// hex digits and a colon as in `fc00:*`.
    static func isAddressPattern(_ pattern: String) -> Bool {
        let body = pattern.hasPrefix("[") ? pattern.dropFirst() : Substring(pattern)
        guard let first = body.first else { return false }
        if first.isASCII && first.isNumber { return true }
        let hex = body.prefix { $0.isHexDigit }
        return body.dropFirst(hex.count).first == ":" || first == ":"
    }
}

extension String {
    fileprivate func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = range(of: target) else { return self }
        return replacingCharacters(in: range, with: replacement)
    }
}
