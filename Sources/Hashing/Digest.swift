import CCrypto

/// The digests mltui needs, from the system's libcrypto (OpenSSL, already loaded for libcurl and
/// libpq) rather than a second copy of a crypto library compiled with the package.
public enum Digest {
    /// MD5 (the file store's dataset and input ids, as MLflow computes them), as lowercase hex.
    public static func md5Hex(_ bytes: [UInt8]) -> String {
        hex(digest(bytes, EVP_md5()))
    }

    /// SHA-256.
    public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        digest(bytes, EVP_sha256())
    }

    /// PBKDF2 (RFC 8018) with HMAC-SHA256: the same as Python's `hashlib.pbkdf2_hmac("sha256", …)`.
    public static func pbkdf2SHA256(password: [UInt8], salt: [UInt8], iterations: Int, length: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        let ok = password.withUnsafeBufferPointer { p in
            salt.withUnsafeBufferPointer { s in
                p.withMemoryRebound(to: CChar.self) { pc in
                    PKCS5_PBKDF2_HMAC(pc.baseAddress, Int32(password.count), s.baseAddress, Int32(salt.count),
                                      Int32(clamping: iterations), EVP_sha256(), Int32(length), &out)
                }
            }
        }
        // Fails only for out-of-memory or invalid sizes: fatal, as an allocation failure is.
        precondition(ok == 1, "PKCS5_PBKDF2_HMAC failed")
        return out
    }

    private static func digest(_ bytes: [UInt8], _ type: OpaquePointer?) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var size: UInt32 = 0
        let ok = bytes.withUnsafeBufferPointer { EVP_Digest($0.baseAddress, $0.count, &out, &size, type, nil) }
        precondition(ok == 1, "EVP_Digest failed")
        return Array(out.prefix(Int(size)))
    }

    private static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes { text += [digits[Int(byte >> 4)], digits[Int(byte & 0xf)]] }
        return String(decoding: text, as: UTF8.self)
    }
}
