import Foundation

/// MLflow's page token: base64 of `{"offset": N}` in both stores (reference §4.3). We emit the
/// same bytes so tokens can be compared with `mlflow server` and handed back to it.
public enum PageToken {
    public static func encode(offset: Int) -> String {
        Data("{\"offset\": \(offset)}".utf8).base64EncodedString()
    }

    /// The offset a token stands for; nil or "" means the first page.
    public static func offset(_ token: String?) throws -> Int {
        guard let token, !token.isEmpty else { return 0 }
        guard let data = Data(base64Encoded: token) else {
            throw MLflowError.invalidParameter("Invalid page token, could not base64-decode")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw MLflowError.invalidParameter("Invalid page token, decoded value=\(String(decoding: data, as: UTF8.self))")
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
}
