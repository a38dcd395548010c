/// The few S3 XML answers mltui reads, taken apart by a tiny scanner: S3's documents are flat,
/// element text never contains `<` (it is escaped), and only five entities plus numeric ones occur.
struct S3ListPage {
    struct Object { var key: String; var size: Int64 }
    var contents: [Object] = []
    var commonPrefixes: [String] = []
    var isTruncated = false
    var nextContinuationToken: String?

    init(xml: [UInt8]) {
        let text = String(decoding: xml, as: UTF8.self)
        for block in XMLScan.elements("Contents", in: text) {
            guard let key = XMLScan.first("Key", in: block) else { continue }
            contents.append(Object(key: key, size: XMLScan.first("Size", in: block).flatMap { Int64($0) } ?? 0))
        }
        for block in XMLScan.elements("CommonPrefixes", in: text) {
            if let prefix = XMLScan.first("Prefix", in: block) { commonPrefixes.append(prefix) }
        }
        isTruncated = XMLScan.first("IsTruncated", in: text) == "true"
        nextContinuationToken = XMLScan.first("NextContinuationToken", in: text)
    }
}

struct S3ErrorBody {
    var code: String?
    var message: String?
    init(xml: [UInt8]) {
        let text = String(decoding: xml, as: UTF8.self)
        code = XMLScan.first("Code", in: text)
        message = XMLScan.first("Message", in: text)
    }
}

enum XMLScan {
    /// The raw inner text of every `<name>...</name>` (no nesting of the same name in S3 answers).
    static func elements(_ name: String, in text: String) -> [Substring] {
        var found: [Substring] = []
        var rest = text[...]
        let open = "<\(name)>", close = "</\(name)>"
        while let start = rest.range(of: open), let end = rest[start.upperBound...].range(of: close) {
            found.append(rest[start.upperBound..<end.lowerBound])
            rest = rest[end.upperBound...]
        }
        return found
    }

    /// The decoded text of the first `<name>` element, or nil.
    static func first<S: StringProtocol>(_ name: String, in text: S) -> String? {
        let open = "<\(name)>", close = "</\(name)>"
        guard let start = text.range(of: open), let end = text[start.upperBound...].range(of: close) else { return nil }
        return decodeEntities(text[start.upperBound..<end.lowerBound])
    }

    static func decodeEntities<S: StringProtocol>(_ raw: S) -> String {
        guard raw.contains("&") else { return String(raw) }
        var out = ""
        var rest = raw[...]
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";"), rest.distance(from: amp, to: semi) <= 10 else {
                out += "&"; rest = rest[rest.index(after: amp)...]; continue
            }
            let entity = rest[rest.index(after: amp)..<semi]
            switch entity {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                let number = entity.hasPrefix("#x") ? UInt32(entity.dropFirst(2), radix: 16)
                    : entity.hasPrefix("#") ? UInt32(entity.dropFirst()) : nil
                if let number, let scalar = Unicode.Scalar(number) { out.unicodeScalars.append(scalar) } else { out += "&\(entity);" }
            }
            rest = rest[rest.index(after: semi)...]
        }
        return out + rest
    }
}
