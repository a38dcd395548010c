import Foundation
import Terminal
import Tracking

/// JSON pretty-printed with two-space indents; objects and arrays whose path is in `folded`
/// show as one line (`{…} 3 keys`). Each opening line carries its path so a key can fold it.
/// Paths are JSON-pointer-like: "" is the root, "/config/layers/0" a nested value.
func renderJSON(_ value: JSONValue, folded: Set<String>, theme: Theme) -> [PreviewLine] {
    var lines: [PreviewLine] = []
    appendJSON(value, key: nil, path: "", indent: 0, last: true, folded: folded, theme: theme, into: &lines)
    return lines
}

/// Parses a JSON artifact for preview; nil when it is not valid JSON (shown as text instead).
func parseJSONPreview(_ bytes: [UInt8]) -> JSONValue? { try? JSONValue.parse(bytes) }

private func appendJSON(_ value: JSONValue, key: String?, path: String, indent: Int, last: Bool,
                        folded: Set<String>, theme: Theme, into lines: inout [PreviewLine]) {
    let pad = String(repeating: "  ", count: indent)
    let comma = last ? "" : ","
    var head: [PreviewLine.Span] = [.init(pad, theme[.base])]
    if let key { head += [.init(quoted(key), theme[.label]), .init(": ", theme[.base])] }
    switch value {
    case .array, .object:
        let (open, close, children): (String, String, [(String?, JSONValue)]) = {
            if case .object(let members) = value { return ("{", "}", members.map { ($0.0, $0.1) }) }
            if case .array(let items) = value { return ("[", "]", items.map { (nil, $0) }) }
            return ("", "", [])
        }()
        if children.isEmpty {
            lines.append(PreviewLine(head + [.init(open + close + comma, theme[.base])]))
        } else if folded.contains(path) {
            let count = children.count
            let noun = open == "{" ? (count == 1 ? "key" : "keys") : (count == 1 ? "item" : "items")
            lines.append(PreviewLine(head + [.init("\(open)…\(close)\(comma)", theme[.base]),
                                             .init("  \(count) \(noun)", theme[.dim])], foldPath: path))
        } else {
            lines.append(PreviewLine(head + [.init(open, theme[.base])], foldPath: path))
            for (i, child) in children.enumerated() {
                let childPath = path + "/" + (child.0.map(escapePointer) ?? String(i))
                appendJSON(child.1, key: child.0, path: childPath, indent: indent + 1, last: i == children.count - 1,
                           folded: folded, theme: theme, into: &lines)
            }
            lines.append(PreviewLine(pad + close + comma, theme[.base]))
        }
    default:
        lines.append(PreviewLine(head + [.init(scalarText(value), scalarStyle(value, theme)), .init(comma, theme[.base])]))
    }
}

private func scalarText(_ value: JSONValue) -> String {
    switch value {
    case .string(let s): return quoted(s)
    default: return value.serialized(pretty: false)
    }
}

private func scalarStyle(_ value: JSONValue, _ theme: Theme) -> Style {
    switch value {
    case .string: return theme[.ok]
    case .null: return theme[.dim]
    default: return theme[.link]
    }
}

private func quoted(_ s: String) -> String { JSONValue.string(s).serialized(pretty: false) }
private func escapePointer(_ key: String) -> String {
    key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
}
