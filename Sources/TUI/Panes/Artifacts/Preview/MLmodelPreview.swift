import Foundation
import Terminal
import Tracking

/// An MLmodel file summarised: model facts, flavors (with their versions and loader), and the
/// signature's inputs/outputs (MLflow stores them as JSON strings inside the YAML). Only the
/// simple YAML MLflow writes is read (yaml.safe_dump of a dict: two-space indents).
func renderMLmodel(_ text: String, theme: Theme) -> [PreviewLine] {
    let yaml = SimpleYAML(text)
    var lines: [PreviewLine] = [PreviewLine("MLmodel", theme[.section])]
    for key in ["model_id", "run_id", "artifact_path", "name", "utc_time_created", "mlflow_version", "model_uuid"] {
        if let value = yaml.top[key], !value.isEmpty, value != "null" {
            lines.append(PreviewLine([.init("  \(key): ", theme[.label]), .init(value, theme[.base])]))
        }
    }
    lines.append(PreviewLine("Flavors", theme[.section]))
    if yaml.flavors.isEmpty { lines.append(PreviewLine("  (none)", theme[.dim])) }
    for (name, details) in yaml.flavors {
        let shown = details.filter { $0.0.hasSuffix("version") || $0.0 == "loader_module" || $0.0 == "model_format" }
        let summary = shown.map { "\($0.0): \($0.1)" }.joined(separator: ", ")
        lines.append(PreviewLine([.init("  \(name)", theme[.ok]), .init(summary.isEmpty ? "" : "  (\(summary))", theme[.dim])]))
    }
    lines.append(PreviewLine("Signature", theme[.section]))
    var anySignature = false
    for part in ["inputs", "outputs", "params"] {
        guard let raw = yaml.signature[part], raw != "null", !raw.isEmpty else { continue }
        anySignature = true
        lines.append(PreviewLine("  \(part):", theme[.label]))
        guard let json = try? JSONValue.parse(raw), let specs = json.arrayValue else {
            lines.append(PreviewLine("    " + raw, theme[.base]))
            continue
        }
        for spec in specs { lines.append(PreviewLine("    " + describeSpec(spec), theme[.base])) }
    }
    if !anySignature { lines.append(PreviewLine("  (no signature)", theme[.dim])) }
    return lines
}

/// One column or tensor of a signature: `name: type`, `tensor float64 [-1, 4]`, `(optional)`.
private func describeSpec(_ spec: JSONValue) -> String {
    let name = spec["name"]?.stringValue
    var type = spec["type"]?.stringValue ?? "?"
    if type == "tensor", let tensor = spec["tensor-spec"] {
        let dtype = tensor["dtype"]?.stringValue ?? "?"
        let shape = tensor["shape"]?.arrayValue?.map { $0.serialized(pretty: false) }.joined(separator: ", ") ?? ""
        type = "tensor \(dtype) [\(shape)]"
    }
    if let defaultValue = spec["default"] { type += " = \(defaultValue.serialized(pretty: false))" }
    let optional = spec["required"]?.boolValue == false ? " (optional)" : ""
    return (name.map { "\($0): " } ?? "") + type + optional
}

/// The three levels of MLmodel YAML the summary needs.
struct SimpleYAML {
    var top: [String: String] = [:]
    var flavors: [(String, [(String, String)])] = []
    var signature: [String: String] = [:]

    init(_ text: String) {
        var section = ""
        for line in SimpleYAML.joinContinuations(text) {
            let indent = line.prefix { $0 == " " }.count
            let body = line.dropFirst(indent)
            guard let colon = body.firstIndex(of: ":") else { continue }
            let key = String(body[..<colon])
            let value = SimpleYAML.scalar(String(body[body.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
            switch indent {
            case 0:
                section = key
                top[key] = value
            case 2 where section == "flavors":
                flavors.append((key, []))
            case 4 where section == "flavors" && !flavors.isEmpty:
                if !value.isEmpty { flavors[flavors.count - 1].1.append((key, value)) }
            case 2 where section == "signature":
                signature[key] = value
            default:
                break
            }
        }
    }

    /// Lines with PyYAML's wrapped quoted scalars joined back (a continuation line is folded
    /// into the previous one with a single space, as YAML reads it).
    static func joinContinuations(_ text: String) -> [String] {
        var lines: [String] = []
        var open: Character? = nil
        for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = String(raw)
            if open != nil, !lines.isEmpty {
                lines[lines.count - 1] += " " + line.trimmingCharacters(in: .whitespaces)
            } else {
                lines.append(line)
            }
            open = unclosedQuote(lines[lines.count - 1])
        }
        return lines
    }

    /// The quote a `key: 'value` line leaves open, if any.
    private static func unclosedQuote(_ line: String) -> Character? {
        guard let colon = line.range(of: ": ") else { return nil }
        let value = line[colon.upperBound...].trimmingCharacters(in: .whitespaces)
        guard let quote = value.first, quote == "'" || quote == "\"" else { return nil }
        if quote == "'" {
            // '' is an escaped quote; the scalar is closed when the quotes after the first pair up.
            return value.dropFirst().filter { $0 == "'" }.count % 2 == 1 ? nil : "'"
        }
        var escaped = false, closed = false
        for c in value.dropFirst() {
            if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { closed = true }
        }
        return closed ? nil : "\""
    }

    /// A YAML scalar as written by PyYAML: plain, 'single' ('' escapes) or "double" quoted.
    static func scalar(_ text: String) -> String {
        if text.count >= 2, text.hasPrefix("'"), text.hasSuffix("'") {
            return String(text.dropFirst().dropLast()).replacingOccurrences(of: "''", with: "'")
        }
        if text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\""),
           let decoded = try? JSONValue.parse(text), let string = decoded.stringValue {
            return string
        }
        return text
    }
}
