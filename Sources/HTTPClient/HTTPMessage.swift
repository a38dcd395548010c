import Foundation

/// One HTTP request as the client sends it; `url` is absolute and already percent-encoded.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    /// Extra header lines ("Name: value"). Credentials go here and are never logged.
    public var headers: [String]
    public var body: [UInt8]?
    /// Bytes of the body to keep: with `Range` this trims a server that ignores the range and
    /// answers 200 with the whole file (the transfer stops as soon as the window is full).
    public var window: ByteWindow?
    /// Sign with AWS Signature V4 (libcurl's CURLOPT_AWS_SIGV4), for S3 and compatible stores.
    public var awsSigV4: AWSSigV4?

    public init(method: String = "GET", url: String, headers: [String] = [], body: [UInt8]? = nil,
                window: ByteWindow? = nil, awsSigV4: AWSSigV4? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.window = window
        self.awsSigV4 = awsSigV4
    }
}

/// What libcurl needs to sign a request with AWS SigV4. A session token travels as the
/// `x-amz-security-token` header, which libcurl signs with the others.
public struct AWSSigV4: Sendable, Equatable {
    public var accessKeyID: String
    public var secretAccessKey: String
    public var region: String
    var service: String

    public init(accessKeyID: String, secretAccessKey: String, region: String, service: String = "s3") {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.region = region
        self.service = service
    }

    /// CURLOPT_AWS_SIGV4's "provider1:provider2:region:service".
    var provider: String { "aws:amz:\(region):\(service)" }
}

/// A slice of a resource: `offset` and at most `count` bytes.
public struct ByteWindow: Sendable, Equatable {
    public var offset: Int64
    public var count: Int
    public init(offset: Int64, count: Int) { self.offset = offset; self.count = count }

    /// The `Range` header asking for this window (RFC 9110 §14.1.2; the end is inclusive).
    var rangeHeader: String { "Range: bytes=\(offset)-\(offset + Int64(max(count, 1)) - 1)" }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header names lowercased; a repeated header keeps its last value.
    public var headers: [String: String]
    public var body: [UInt8]
    /// 1 for HTTP/1.x, 2 for HTTP/2, as negotiated.
    var httpVersion: Int

    public init(status: Int, headers: [String: String] = [:], body: [UInt8] = [], httpVersion: Int = 1) {
        self.status = status
        self.headers = headers
        self.body = body
        self.httpVersion = httpVersion
    }

    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The total size from `Content-Range: bytes a-b/total` of a 206 or 416 answer.
    public var contentRangeTotal: Int64? {
        guard let value = headers["content-range"], let slash = value.lastIndex(of: "/") else { return nil }
        return Int64(value[value.index(after: slash)...].trimmingCharacters(in: .whitespaces))
    }
}

/// A failure below HTTP: nothing usable came back. `kind` drives the retry policy.
public struct HTTPTransportError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case couldNotResolveHost, couldNotConnect, timedOut, tls, connectionLost, cancelled, other
    }
    public var kind: Kind
    /// libcurl's own explanation (CURLOPT_ERRORBUFFER or curl_easy_strerror).
    public var message: String

    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    /// Worth another attempt: the network may come back, unlike a bad certificate.
    public var isTransient: Bool {
        switch kind {
        case .couldNotResolveHost, .couldNotConnect, .timedOut, .connectionLost: return true
        case .tls, .cancelled, .other: return false
        }
    }
}
