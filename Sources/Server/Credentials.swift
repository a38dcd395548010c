import Crypto
import Foundation
import Tracking

/// Who may call the server: HTTP basic auth against an auth file of salted PBKDF2-SHA256
/// hashes, and/or one bearer token (taken from an environment variable so it never shows in
/// `ps`). Checked on every route but /health (docs/serve.md "Authentication").
///
/// Auth file: one `user:pbkdf2-sha256$ITERATIONS$SALT_BASE64$HASH_BASE64` per line; `#`
/// comments and blank lines are ignored. `mltui serve --hash-password USER` writes a line.
public struct Credentials: Sendable {
    struct PasswordHash: Sendable {
        var iterations: Int
        var salt: [UInt8]
        var hash: [UInt8]
    }

    let users: [String: PasswordHash]
    let token: [UInt8]?
    /// PBKDF2 is slow on purpose; a credential already verified is remembered by its SHA-256
    /// so a client's every request does not pay for it again.
    private let verified = VerifiedCache()

    public init(authFileText: String?, token: String?) throws {
        var users: [String: PasswordHash] = [:]
        for (index, rawLine) in (authFileText ?? "").split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":") else {
                throw MLflowError.invalidParameter("auth file line \(index + 1): expected user:pbkdf2-sha256$iterations$salt$hash")
            }
            let user = String(line[..<colon])
            let parts = line[line.index(after: colon)...].split(separator: "$", omittingEmptySubsequences: false)
            guard parts.count == 4, parts[0] == "pbkdf2-sha256", let iterations = Int(parts[1]), iterations >= 1,
                  let salt = Data(base64Encoded: String(parts[2])), let hash = Data(base64Encoded: String(parts[3])),
                  !salt.isEmpty, hash.count >= 16 else {
                throw MLflowError.invalidParameter("auth file line \(index + 1): expected user:pbkdf2-sha256$iterations$salt$hash (base64 salt and hash)")
            }
            users[user] = PasswordHash(iterations: iterations, salt: Array(salt), hash: Array(hash))
        }
        if let token, token.isEmpty { throw MLflowError.invalidParameter("the auth token is empty") }
        self.users = users
        self.token = token.map { Array($0.utf8) }
        if users.isEmpty && token == nil {
            throw MLflowError.invalidParameter("the auth file holds no users and no token was given")
        }
    }

    /// Whether an `Authorization` header value grants access.
    func allows(authorization: String?) -> Bool {
        guard let authorization else { return false }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2 else { return false }
        let scheme = parts[0].lowercased()
        let value = String(parts[1]).trimmingCharacters(in: .whitespaces)
        if scheme == "bearer", let token {
            return constantTimeEqual(Array(value.utf8), token)
        }
        guard scheme == "basic", let decoded = Data(base64Encoded: value),
              let pair = String(data: decoded, encoding: .utf8), let colon = pair.firstIndex(of: ":") else { return false }
        let user = String(pair[..<colon]), password = String(pair[pair.index(after: colon)...])
        // A client that only knows a token can send it as the basic-auth password
        // (MLFLOW_TRACKING_PASSWORD), for tools without bearer support.
        if let token, users[user] == nil, constantTimeEqual(Array(password.utf8), token) { return true }
        guard let stored = users[user] else { return false }
        let fingerprint = Array(SHA256.hash(data: Array(pair.utf8)))
        if verified.contains(fingerprint) { return true }
        let derived = Credentials.pbkdf2SHA256(password: Array(password.utf8), salt: stored.salt,
                                               iterations: stored.iterations, length: stored.hash.count)
        guard constantTimeEqual(derived, stored.hash) else { return false }
        verified.insert(fingerprint)
        return true
    }

    /// An auth-file line for `user` with a fresh random salt.
    public static func authFileLine(user: String, password: String, iterations: Int = 600_000) -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let hash = pbkdf2SHA256(password: Array(password.utf8), salt: salt, iterations: iterations, length: 32)
        return "\(user):pbkdf2-sha256$\(iterations)$\(Data(salt).base64EncodedString())$\(Data(hash).base64EncodedString())"
    }

    /// PBKDF2 (RFC 8018) with HMAC-SHA256; the same as Python's `hashlib.pbkdf2_hmac("sha256", ...)`.
    static func pbkdf2SHA256(password: [UInt8], salt: [UInt8], iterations: Int, length: Int) -> [UInt8] {
        let key = SymmetricKey(data: password)
        var output: [UInt8] = []
        var blockIndex: UInt32 = 1
        while output.count < length {
            let indexBytes = withUnsafeBytes(of: blockIndex.bigEndian) { Array($0) }
            var u = Array(HMAC<SHA256>.authenticationCode(for: salt + indexBytes, using: key))
            var block = u
            if iterations > 1 {
                for _ in 1..<iterations {
                    u = Array(HMAC<SHA256>.authenticationCode(for: u, using: key))
                    for i in 0..<block.count { block[i] ^= u[i] }
                }
            }
            output += block
            blockIndex += 1
        }
        return Array(output.prefix(length))
    }

    private func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<a.count { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}

/// Fingerprints of credentials already verified, bounded so it cannot grow without limit.
private final class VerifiedCache: @unchecked Sendable {
    private let lock = NSLock()
    private var fingerprints = Set<[UInt8]>()

    func contains(_ fingerprint: [UInt8]) -> Bool { lock.withLock { fingerprints.contains(fingerprint) } }

    func insert(_ fingerprint: [UInt8]) {
        lock.withLock {
            if fingerprints.count >= 1024 { fingerprints.removeAll() }
            fingerprints.insert(fingerprint)
        }
    }
}
