import Foundation

/// MLflow's page token: base64 of `{"offset": N}` in both stores (`SearchUtils.create_page_token`,
/// `parse_start_offset_from_page_token`). We emit the same bytes so tokens can be compared with
/// `mlflow server` and handed back to it.
public enum PageToken {
    public static func encode(offset: Int) -> String {
        Data("{\"offset\": \(offset)}".utf8).base64EncodedString()
    }

    /// The offset a token stands for; nil or "" means the first page.
    public static func offset(_ token: String?) throws -> Int {
        guard let token, !token.isEmpty else { return 0 }
        // Python's b64decode drops characters outside the alphabet before decoding.
        let alphabet = token.filter { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "+" || $0 == "/" || $0 == "=") }
        guard let data = Data(base64Encoded: alphabet) else {
            throw MLflowError.invalidParameter("Invalid page token, could not base64-decode")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw MLflowError.invalidParameter("Invalid page token, decoded value=\(pythonBytes(data))")
        }
        // MLflow rejects a falsy offset (0) as well as a missing one.
        guard let offset = object["offset"] as? Int, offset > 0 else {
            throw MLflowError.invalidParameter("Invalid page token, parsed value=\(String(decoding: data, as: UTF8.self))")
        }
        return offset
    }

    /// The slice of `count` items for a page and the token of the next page, if any.
    public static func window(total: Int, offset: Int, maxResults: Int) -> (range: Range<Int>, next: String?) {
        let start = min(offset, total)
        let end = min(start + maxResults, total)
        return (start..<end, end < total ? encode(offset: end) : nil)
    }

    /// Python's repr of a bytes value (`b'...'`), as MLflow's message shows it.
    static func pythonBytes(_ data: Data) -> String {
        var text = "b'"
        for byte in data {
            switch byte {
            case UInt8(ascii: "\\"): text += "\\\\"
            case UInt8(ascii: "'"): text += "\\'"
            case UInt8(ascii: "\n"): text += "\\n"
            case UInt8(ascii: "\t"): text += "\\t"
            case UInt8(ascii: "\r"): text += "\\r"
            case 0x20..<0x7F: text += String(UnicodeScalar(byte))
            default: text += "\\x" + String(byte, radix: 16).leftPadded(2)
            }
        }
        return text + "'"
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
