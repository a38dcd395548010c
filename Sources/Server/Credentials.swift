import Hashing
import Foundation
import Tracking

/// Who may call the server: HTTP basic auth against an auth file of salted PBKDF2-SHA256
/// hashes, and/or one bearer token (taken from an environment variable so it never shows in
/// `ps`). Checked on every route but /health (docs/serve.md "Authentication").
///
/// Auth file: one `user:pbkdf2-sha256$ITERATIONS$SALT_BASE64$HASH_BASE64 [ro|rw]` per line; `#`
/// comments and blank lines are ignored. The last field says whether the user may only read
/// (`ro`) or also write (`rw`); a line without it is read-only, as every user was before the
/// server took writes, so an existing auth file grants no more than it did.
/// `mltui serve --hash-password USER` writes a line.
public struct Credentials: Sendable {
    /// What a caller may do: read, or read and write (MLflow basic-auth's READ and EDIT).
    public enum Access: String, Sendable, Equatable {
        case read = "ro"
        case write = "rw"
    }

    struct PasswordHash: Sendable {
        var iterations: Int
        var salt: [UInt8]
        var hash: [UInt8]
        var access = Access.read
    }

    let users: [String: PasswordHash]
    let token: [UInt8]?
    let tokenAccess: Access
    /// What an unknown user name is checked against, so that it costs what a wrong password
    /// costs and the answer's timing does not tell which users exist.
    private let decoy: PasswordHash
    /// PBKDF2 is slow on purpose; a credential already verified is remembered by its SHA-256
    /// so a client's every request does not pay for it again.
    private let verified = Locked(Set<[UInt8]>())
    private let verifier: PasswordVerifier
    private let throttle: LoginThrottle

    public init(authFileText: String?, token: String?, tokenAccess: Access = .read,
                verifierThreads: Int = PasswordVerifier.defaultThreads,
                throttle: LoginThrottle = LoginThrottle()) throws {
        var users: [String: PasswordHash] = [:]
        for (index, rawLine) in (authFileText ?? "").split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":") else {
                throw MLflowError.invalidParameter("auth file line \(index + 1): expected user:pbkdf2-sha256$iterations$salt$hash")
            }
            let user = String(line[..<colon])
            var fields = line[line.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\t" })
            var access = Access.read
            if fields.count == 2, let given = Access(rawValue: String(fields[1])) {
                access = given
                fields.removeLast()
            }
            guard fields.count == 1 else {
                throw MLflowError.invalidParameter("auth file line \(index + 1): expected user:pbkdf2-sha256$iterations$salt$hash, then ro or rw")
            }
            let parts = fields[0].split(separator: "$", omittingEmptySubsequences: false)
            guard parts.count == 4, parts[0] == "pbkdf2-sha256", let iterations = Int(parts[1]), iterations >= 1,
                  let salt = Data(base64Encoded: String(parts[2])), let hash = Data(base64Encoded: String(parts[3])),
                  !salt.isEmpty, hash.count >= 16 else {
                throw MLflowError.invalidParameter("auth file line \(index + 1): expected user:pbkdf2-sha256$iterations$salt$hash (base64 salt and hash)")
            }
            users[user] = PasswordHash(iterations: iterations, salt: Array(salt), hash: Array(hash), access: access)
        }
        if let token, token.isEmpty { throw MLflowError.invalidParameter("the auth token is empty") }
        self.users = users
        self.token = token.map { Array($0.utf8) }
        self.tokenAccess = tokenAccess
        if users.isEmpty && token == nil {
            throw MLflowError.invalidParameter("the auth file holds no users and no token was given")
        }
        // The decoy has the iteration count most users have, and a hash no password gives.
        let counts = Dictionary(grouping: users.values, by: \.iterations).mapValues(\.count)
        let iterations = counts.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key ?? 600_000
        var generator = SystemRandomNumberGenerator()
        decoy = PasswordHash(iterations: iterations, salt: (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) },
                             hash: (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
        verifier = PasswordVerifier(threads: verifierThreads)
        self.throttle = throttle
    }

    /// What an `Authorization` header gets.
    public enum Outcome: Equatable, Sendable {
        case granted(Access)
        case denied
        /// Too many recent failures from this client: try again after so many seconds.
        case throttled(retryAfter: Int)
        /// Every verifier is busy and the queue is full: try again shortly.
        case busy
    }

    /// Whether an `Authorization` header value grants access. Tokens and credentials verified
    /// before are checked at once; a new password is hashed on the verifier's own threads, never
    /// on the thread that serves requests, and a client with many recent failures is not heard.
    func authorize(_ authorization: String?, client: String) async -> Outcome {
        guard let authorization else { return .denied }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2 else { return .denied }
        let scheme = parts[0].lowercased()
        let value = String(parts[1]).trimmingCharacters(in: .whitespaces)
        if scheme == "bearer", let token {
            return constantTimeEqual(Array(value.utf8), token) ? .granted(tokenAccess) : .denied
        }
        guard scheme == "basic", let decoded = Data(base64Encoded: value),
              let pair = String(data: decoded, encoding: .utf8), let colon = pair.firstIndex(of: ":") else { return .denied }
        let user = String(pair[..<colon]), password = String(pair[pair.index(after: colon)...])
        // A client that only knows a token can send it as the basic-auth password
        // (MLFLOW_TRACKING_PASSWORD), for tools without bearer support.
        if let token, users[user] == nil, constantTimeEqual(Array(password.utf8), token) { return .granted(tokenAccess) }
        let fingerprint = Digest.sha256(Array(pair.utf8))
        if let stored = users[user], verified.withLock({ $0.contains(fingerprint) }) { return .granted(stored.access) }
        if let wait = throttle.retryAfter(client) { return .throttled(retryAfter: wait) }
        let stored = users[user] ?? decoy
        guard let derived = await verifier.pbkdf2SHA256(password: Array(password.utf8), salt: stored.salt,
                                                        iterations: stored.iterations, length: stored.hash.count) else {
            return .busy
        }
        guard users[user] != nil, constantTimeEqual(derived, stored.hash) else {
            throttle.failed(client)
            return .denied
        }
        verified.withLock {
            if $0.count >= 1024 { $0.removeAll() }
            $0.insert(fingerprint)
        }
        throttle.succeeded(client)
        return .granted(stored.access)
    }

    /// An auth-file line for `user` with a fresh random salt, read-only unless `access` says otherwise.
    public static func authFileLine(user: String, password: String, iterations: Int = 600_000, access: Access = .read) -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let hash = pbkdf2SHA256(password: Array(password.utf8), salt: salt, iterations: iterations, length: 32)
        return "\(user):pbkdf2-sha256$\(iterations)$\(Data(salt).base64EncodedString())$\(Data(hash).base64EncodedString()) \(access.rawValue)"
    }

    /// PBKDF2 (RFC 8018) with HMAC-SHA256; the same as Python's `hashlib.pbkdf2_hmac("sha256", ...)`.
    static func pbkdf2SHA256(password: [UInt8], salt: [UInt8], iterations: Int, length: Int) -> [UInt8] {
        Digest.pbkdf2SHA256(password: password, salt: salt, iterations: iterations, length: length)
    }

    private func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<a.count { difference |= a[i] ^ b[i] }
        return difference == 0
    }
}

/// PBKDF2 on threads of its own, a bounded number at a time: a burst of logins with new or
/// wrong passwords costs those threads, not the ones that answer every other request.
public final class PasswordVerifier: Sendable {
    private let queues: [DispatchQueue]
    private let pending = Locked((next: 0, waiting: 0))
    /// Hashes queued or running at most; a login beyond that is answered "busy" at once.
    let capacity: Int

    /// Half the cores, at least one: the rest keep serving while hashes run.
    public static var defaultThreads: Int { max(1, ProcessInfo.processInfo.activeProcessorCount / 2) }

    init(threads: Int) {
        queues = (0..<max(1, threads)).map { DispatchQueue(label: "mltui.serve.pbkdf2.\($0)", qos: .utility) }
        capacity = 4 * queues.count
    }

    /// The derived key, or nil when `capacity` hashes are already queued.
    func pbkdf2SHA256(password: [UInt8], salt: [UInt8], iterations: Int, length: Int) async -> [UInt8]? {
        let slot: Int? = pending.withLock { state in
            guard state.waiting < capacity else { return nil }
            state.waiting += 1
            state.next = (state.next + 1) % queues.count
            return state.next
        }
        guard let slot else { return nil }
        let derived = await withCheckedContinuation { (continuation: CheckedContinuation<[UInt8], Never>) in
            queues[slot].async {
                continuation.resume(returning: Credentials.pbkdf2SHA256(password: password, salt: salt, iterations: iterations, length: length))
            }
        }
        pending.withLock { $0.waiting -= 1 }
        return derived
    }
}

/// A per-client back-off after failed logins, as fail2ban or nginx's `limit_req` would give:
/// the first `freeFailures` cost nothing more; each later one doubles how long the client must
/// wait (1 s, 2 s, … up to `maxWait`) before a new password of theirs is checked. Quiet for
/// `forgetAfter`, or a success, forgets the client. Requests with credentials already verified
/// are never held back.
public final class LoginThrottle: Sendable {
    private struct Record {
        var failures: Int
        var lastFailure: UInt64
        var blockedUntil: UInt64
    }

    let freeFailures: Int
    let maxWait: Int
    let forgetAfter: Int
    private let records = Locked([String: Record]())

    public init(freeFailures: Int = 5, maxWait: Int = 60, forgetAfter: Int = 900) {
        self.freeFailures = freeFailures
        self.maxWait = maxWait
        self.forgetAfter = forgetAfter
    }

    private static var now: UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Seconds the client must still wait, or nil.
    func retryAfter(_ client: String) -> Int? {
        let now = Self.now
        return records.withLock { records in
            guard let record = records[client], record.blockedUntil > now else { return nil }
            return Int((record.blockedUntil - now + 999_999_999) / 1_000_000_000)
        }
    }

    func failed(_ client: String) {
        let now = Self.now
        records.withLock { records in
            if records.count > 10_000 {
                records = records.filter { now - $0.value.lastFailure < UInt64(forgetAfter) * 1_000_000_000 }
            }
            var record = records[client] ?? Record(failures: 0, lastFailure: now, blockedUntil: 0)
            if now - record.lastFailure > UInt64(forgetAfter) * 1_000_000_000 { record.failures = 0 }
            record.failures += 1
            record.lastFailure = now
            if record.failures > freeFailures {
                let wait = min(maxWait, 1 << min(20, record.failures - freeFailures - 1))
                record.blockedUntil = now + UInt64(wait) * 1_000_000_000
            }
            records[client] = record
        }
    }

    func succeeded(_ client: String) {
        records.withLock { $0[client] = nil }
    }
}
