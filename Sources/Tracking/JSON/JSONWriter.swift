/// A streaming JSON writer producing the bytes `mlflow server` produces: Python's
/// `json.dumps(indent=2)` layout with non-ASCII escaped as `\uXXXX` (`proto_json_utils.py`
/// `message_to_json`), or compact one-line JSON as MLflow uses for error bodies. Streaming because
/// a 10,000-run answer must not build a tree of a million nodes first.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    public let pretty: Bool
    /// One entry per open container: whether it already holds a member.
    private var open: [Bool] = []
    private var afterKey = false
    /// How deep in an enclosing document this writer's output will be placed (see `raw`).
    private var baseDepth = 0

    public init(pretty: Bool = true, reserve: Int = 4096) {
        self.pretty = pretty
        bytes.reserveCapacity(reserve)
    }

    /// A writer for one value that another writer will take with `raw` at `depth` containers
    /// deep, laid out as if written there: large answers are encoded in parts on all cores.
    public init(pretty: Bool = true, nestedAt depth: Int, reserve: Int = 4096) {
        self.init(pretty: pretty, reserve: reserve)
        baseDepth = depth
    }

    public var string: String { String(decoding: bytes, as: UTF8.self) }

    public mutating func beginObject() { beginValue(); bytes.append(UInt8(ascii: "{")); open.append(false) }
    public mutating func endObject() { end(UInt8(ascii: "}")) }
    public mutating func beginArray() { beginValue(); bytes.append(UInt8(ascii: "[")); open.append(false) }
    public mutating func endArray() { end(UInt8(ascii: "]")) }

    public mutating func key(_ name: String) {
        beginValue()
        appendQuoted(name)
        bytes.append(UInt8(ascii: ":"))
        if pretty { bytes.append(UInt8(ascii: " ")) }
        afterKey = true
    }

    public mutating func value(_ text: String) { beginValue(); appendQuoted(text) }
    public mutating func value(_ number: Int64) { beginValue(); appendASCII(String(number)) }
    public mutating func value(_ number: Int) { value(Int64(number)) }
    public mutating func value(_ flag: Bool) { beginValue(); appendASCII(flag ? "true" : "false") }
    public mutating func null() { beginValue(); appendASCII("null") }

    /// Doubles as MLflow's proto JSON writes them: NaN and infinities as strings.
    public mutating func value(_ number: Double) {
        if number.isNaN { value("NaN"); return }
        if number.isInfinite { value(number > 0 ? "Infinity" : "-Infinity"); return }
        beginValue()
        appendASCII(JSONWriter.pythonRepr(number))
    }

    /// A finished JSON document (e.g. one produced by another writer) as the next value.
    public mutating func raw(_ json: [UInt8]) { beginValue(); bytes += json }

    public mutating func field(_ name: String, _ text: String) { key(name); value(text) }
    public mutating func field(_ name: String, _ number: Int64) { key(name); value(number) }
    public mutating func field(_ name: String, _ number: Double) { key(name); value(number) }
    public mutating func field(_ name: String, _ flag: Bool) { key(name); value(flag) }
    /// Omitted when nil, as proto JSON omits unset fields.
    public mutating func field(_ name: String, _ text: String?) { if let text { field(name, text) } }
    public mutating func field(_ name: String, _ number: Int64?) { if let number { field(name, number) } }

    /// Python's float repr, which MLflow's JSON uses: shortest round-trip digits, `1e-05`, `1e+16`.
    /// Swift's description agrees except for the exponent's sign and padding.
    public static func pythonRepr(_ number: Double) -> String {
        var text = number.description
        // Most numbers have no exponent: look at bytes before searching Characters.
        guard text.utf8.contains(UInt8(ascii: "e")), let e = text.firstIndex(of: "e") else { return text }
        var exponent = text[text.index(after: e)...]
        var sign = "+"
        if exponent.first == "-" { sign = "-"; exponent = exponent.dropFirst() } else if exponent.first == "+" { exponent = exponent.dropFirst() }
        let digits = exponent.count < 2 ? "0" + exponent : String(exponent)
        text = String(text[..<e]) + "e" + sign + digits
        return text
    }

    private mutating func beginValue() {
        if afterKey { afterKey = false; return }
        guard let hasMembers = open.last else { return }
        if hasMembers { bytes.append(UInt8(ascii: ",")) }
        open[open.count - 1] = true
        newline(depth: open.count + baseDepth)
    }

    private mutating func end(_ closer: UInt8) {
        let hadMembers = open.removeLast()
        if hadMembers { newline(depth: open.count + baseDepth) }
        bytes.append(closer)
    }

    private mutating func newline(depth: Int) {
        guard pretty else { return }
        bytes.append(UInt8(ascii: "\n"))
        for _ in 0..<(depth * 2) { bytes.append(UInt8(ascii: " ")) }
    }

    private mutating func appendASCII(_ text: String) { bytes += text.utf8 }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    private mutating func appendQuoted(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": bytes += [0x5C, 0x22]
            case "\\": bytes += [0x5C, 0x5C]
            case "\n": bytes += [0x5C, UInt8(ascii: "n")]
            case "\r": bytes += [0x5C, UInt8(ascii: "r")]
            case "\t": bytes += [0x5C, UInt8(ascii: "t")]
            case "\u{08}": bytes += [0x5C, UInt8(ascii: "b")]
            case "\u{0C}": bytes += [0x5C, UInt8(ascii: "f")]
            default:
                if scalar.value >= 0x20 && scalar.value < 0x7F {
                    bytes.append(UInt8(scalar.value))
                } else if scalar.value < 0x10000 {
                    appendEscape(UInt16(scalar.value))
                } else {
                    let v = scalar.value - 0x10000
                    appendEscape(UInt16(0xD800 + (v >> 10)))
                    appendEscape(UInt16(0xDC00 + (v & 0x3FF)))
                }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func appendEscape(_ unit: UInt16) {
        bytes += [0x5C, UInt8(ascii: "u"),
                  JSONWriter.hex[Int(unit >> 12)], JSONWriter.hex[Int((unit >> 8) & 0xF)],
                  JSONWriter.hex[Int((unit >> 4) & 0xF)], JSONWriter.hex[Int(unit & 0xF)]]
    }
}
