import Foundation
import Tracking

/// A client-supplied artifact path, checked and rewritten exactly as MLflow checks it on a POSIX
/// host (mlflow/utils/uri.py `validate_path_is_safe`). The result, not the input, is what MLflow
/// goes on to join with the root and to name in its messages, so it is what callers use too.
public enum ArtifactPath {
    /// MLflow's `validate_path_is_safe`: decoded until stable (`_decode`), control characters
    /// escaped as `%xx` (`_escape_control_characters`), then refused as INVALID_PARAMETER_VALUE
    /// "Invalid path" when it holds `#`, a `..` component, or is absolute for POSIX or for
    /// Windows (`C:/x`, `C:\x`, `\\server\share\x`). A `file:` URI is reduced to its path first
    /// (`local_file_uri_to_path`), so any `file:` URI with a path is absolute and refused.
    /// A backslash is an ordinary character on POSIX (`_OS_ALT_SEPS` is empty there), and a
    /// drive without a root (`C:x`) is not absolute. The decoding round trip drops an empty
    /// fragment, query or params (`a#`, `a?`, `a;` become `a`) and lowercases a scheme (`C:x`
    /// becomes `c:x`).
    public static func validated(_ raw: String) throws -> String {
        let invalid = MLflowError.invalidParameter("Invalid path")
        guard var path = decoded(raw) else { throw invalid }
        path = escapingControlCharacters(path)
        if path.contains("#") { throw invalid }
        if PythonURL(path).scheme == "file" { path = unquote(PythonURL(path).path) }
        if path.split(separator: "/", omittingEmptySubsequences: false).contains("..")
            || path.hasPrefix("/") || isWindowsAbsolute(path) {
            throw invalid
        }
        return path
    }

    /// MLflow's `_decode`: unquote, then round-trip through `urlparse`/`urlunparse`, until the
    /// string stops changing; nil after ten rounds (MLflow raises ValueError).
    public static func decoded(_ url: String) -> String? {
        var url = url
        for _ in 0..<10 {
            let next = PythonURL(unquote(url)).joined
            if next == url { return url }
            url = next
        }
        return nil
    }

    /// Python's `urllib.parse.unquote`: `%xx` runs decoded as UTF-8 (invalid bytes become U+FFFD),
    /// malformed escapes (`%`, `%zz`) kept as they are.
    static func unquote(_ text: String) -> String {
        guard text.contains("%") else { return text }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count,
               let high = hexValue(bytes[i + 1]), let low = hexValue(bytes[i + 2]) {
                out.append(high << 4 | low)
                i += 3
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// MLflow's `_escape_control_characters`: code points 0–31 and 127 as lowercase `%xx`.
    static func escapingControlCharacters(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 32 || $0.value == 127 }) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar.value < 32 || scalar.value == 127 {
                out += "%" + (scalar.value < 16 ? "0" : "") + String(scalar.value, radix: 16)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// `pathlib.PureWindowsPath(path).is_absolute()` (Python 3.11 `_WindowsFlavour.splitroot`):
    /// a drive and a root. The drive is `X:`, a UNC `\\server\share` (which always has a root),
    /// or an extended `\\?\` prefix; `/` counts as `\`.
    static func isWindowsAbsolute(_ path: String) -> Bool {
        let sep: Character = "\\"
        var part = Array(path.replacingOccurrences(of: "/", with: "\\"))
        var prefixed = false
        if part.starts(with: Array("\\\\?\\")) {
            prefixed = true
            part.removeFirst(4)
            if part.starts(with: Array("UNC\\")) { part.removeFirst(2); part[0] = sep }
        }
        func at(_ i: Int) -> Character? { i < part.count ? part[i] : nil }
        if at(0) == sep, at(1) == sep, at(2) != sep,
           let first = part.indices.dropFirst(2).first(where: { part[$0] == sep }) {
            let second = part.indices.dropFirst(first + 1).first { part[$0] == sep }
            if second != first + 1 { return true }
        }
        var rootAt = 0
        var drive = prefixed
        if at(1) == ":", let letter = at(0), letter.isASCII, letter.isLetter {
            drive = true
            rootAt = 2
        }
        return drive && at(rootAt) == sep
    }
}

/// `urllib.parse.urlparse` and `urlunparse` of Python 3.11, as far as `_decode` and
/// `is_file_uri` need them: scheme (lowercased), netloc, path, params, query, fragment.
public struct PythonURL {
    public var scheme = ""
    public var netloc = ""
    public var path = ""
    public var params = ""
    public var query = ""
    public var fragment = ""

    /// Schemes whose URLs keep a `//` authority when joined (`uses_netloc`).
    static let usesNetloc: Set<String> = [
        "", "ftp", "http", "gopher", "nntp", "telnet", "imap", "wais", "file", "mms", "https", "shttp", "snews",
        "prospero", "rtsp", "rtsps", "rtspu", "rsync", "svn", "svn+ssh", "sftp", "nfs", "git", "git+ssh", "ws", "wss",
    ]
    /// Schemes whose last path segment may carry `;params` (`uses_params`).
    static let usesParams: Set<String> = [
        "", "ftp", "hdl", "prospero", "http", "imap", "https", "shttp", "rtsp", "rtsps", "rtspu", "sip", "sips", "mms",
        "sftp", "tel",
    ]

    public init(_ text: String) {
        // Leading C0 controls and spaces are stripped; tabs and newlines removed everywhere.
        var url = Substring(text.drop { $0.unicodeScalars.allSatisfy { $0.value <= 32 } })
        if url.unicodeScalars.contains(where: { $0 == "\t" || $0 == "\r" || $0 == "\n" }) {
            url = Substring(String(String.UnicodeScalarView(url.unicodeScalars.filter { $0 != "\t" && $0 != "\r" && $0 != "\n" })))
        }
        if let colon = url.firstIndex(of: ":"), colon > url.startIndex,
           let first = url.first, first.isASCII, first.isLetter,
           url[..<colon].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }) {
            scheme = url[..<colon].lowercased()
            url = url[url.index(after: colon)...]
        }
        if url.hasPrefix("//") {
            let rest = url.dropFirst(2)
            let end = rest.firstIndex { "/?#".contains($0) } ?? rest.endIndex
            netloc = String(rest[..<end])
            url = rest[end...]
        }
        if let hash = url.firstIndex(of: "#") {
            fragment = String(url[url.index(after: hash)...])
            url = url[..<hash]
        }
        if let question = url.firstIndex(of: "?") {
            query = String(url[url.index(after: question)...])
            url = url[..<question]
        }
        if PythonURL.usesParams.contains(scheme), url.contains(";") {
            // `_splitparams`: the `;` in the last segment only.
            let searchFrom = url.lastIndex(of: "/") ?? url.startIndex
            if let semicolon = url[searchFrom...].firstIndex(of: ";") {
                params = String(url[url.index(after: semicolon)...])
                url = url[..<semicolon]
            }
        }
        path = String(url)
    }

    /// `urlunparse`: empty params, query and fragment are dropped with their delimiters.
    var joined: String {
        var url = params.isEmpty ? path : path + ";" + params
        if !netloc.isEmpty || (!scheme.isEmpty && PythonURL.usesNetloc.contains(scheme) && !url.hasPrefix("//")) {
            if !url.isEmpty && !url.hasPrefix("/") { url = "/" + url }
            url = "//" + netloc + url
        }
        if !scheme.isEmpty { url = scheme + ":" + url }
        if !query.isEmpty { url += "?" + query }
        if !fragment.isEmpty { url += "#" + fragment }
        return url
    }
}
