/// Where the tracking data lives, after MLflow's resolution rules
/// (`mlflow/tracking/_tracking_service/utils.py` `get_tracking_uri`, `_get_default_tracking_uri`,
/// `_register_tracking_stores`).
public enum TrackingURI: Sendable, Equatable, CustomStringConvertible {
    /// An `mlruns` directory, as an absolute path.
    case fileStore(path: String)
    /// A SQLite database file, as an absolute path.
    case sqlite(path: String)
    /// An MLflow tracking server: `http(s)://host[:port][/prefix]`, without a trailing slash.
    case rest(url: String)
    /// A PostgreSQL database, as given (`postgresql://`, `postgresql+psycopg2://`, `postgres://`).
    case postgres(uri: String)

    public var description: String {
        switch self {
        case .fileStore(let path): return "file://\(path)"
        case .sqlite(let path): return "sqlite:///\(path)"  // an absolute path adds the fourth slash
        case .rest(let url), .postgres(let url): return TrackingURI.redactingPassword(url)
        }
    }

    /// `uri` with the password of its `user:password@` part replaced by `***`, for titles,
    /// messages and logs (libpq's `?password=…` too).
    public static func redactingPassword(_ uri: String) -> String {
        guard let password = passwordRange(uri) else { return redactingQueryPassword(uri) }
        return redactingQueryPassword(String(uri[..<password.lowerBound]) + "***" + String(uri[password.upperBound...]))
    }

    /// Where the password of `scheme://user:password@host…` is, by SQLAlchemy's URL rule (the
    /// user runs to the first `:` or `/`; the password from there to the next `@`, so it may
    /// hold `/`, `?` or `:`), which is how MLflow reads a database URI.
    public static func passwordRange(_ uri: String) -> Range<String.Index>? {
        guard let scheme = uri.range(of: "://") else { return nil }
        let rest = uri[scheme.upperBound...]
        guard let colon = rest.firstIndex(where: { $0 == ":" || $0 == "/" || $0 == "@" }), rest[colon] == ":" else { return nil }
        let start = rest.index(after: colon)
        guard let at = rest[start...].firstIndex(of: "@") else { return nil }
        return start..<at
    }

    private static func redactingQueryPassword(_ uri: String) -> String {
        guard let query = uri.firstIndex(of: "?") else { return uri }
        let parameters = uri[uri.index(after: query)...].split(separator: "&", omittingEmptySubsequences: false).map { part in
            part.lowercased().hasPrefix("password=") ? "password=***" : String(part)
        }
        return String(uri[...query]) + parameters.joined(separator: "&")
    }

    /// Parses one URI or plain path; relative paths are taken against `cwd`.
    public static func parse(_ text: String, cwd: String) throws -> TrackingURI {
        let lower = text.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            var url = text
            while url.hasSuffix("/") { url.removeLast() }
            return .rest(url: url)
        }
        if lower.hasPrefix("sqlite:") {
            // sqlite:///rel.db is relative to cwd, sqlite:////abs.db absolute (SQLAlchemy's rule).
            guard text.dropFirst(7).hasPrefix("///") else {
                throw MLflowError.invalidParameter("Invalid SQLite URI '\(text)': expected sqlite:///relative.db or sqlite:////absolute.db")
            }
            var path = String(text.dropFirst(10))
            if let query = path.firstIndex(of: "?") { path = String(path[..<query]) }
            guard !path.isEmpty, path != ":memory:" else {
                throw MLflowError.invalidParameter("Invalid SQLite URI '\(text)': it names no database file")
            }
            return .sqlite(path: absolute(percentDecoded(path), cwd: cwd))
        }
        // SQLAlchemy's spellings with a driver (`postgresql+psycopg2://`) and libpq's `postgres://`.
        if lower.hasPrefix("postgresql://") || lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql+") {
            return .postgres(uri: text)
        }
        if lower.hasPrefix("file:") {
            var rest = Substring(text.dropFirst(5))
            if rest.hasPrefix("//") {
                rest = rest.dropFirst(2)
                let host = rest.prefix { $0 != "/" }
                guard host.isEmpty || host == "localhost" else {
                    throw MLflowError.invalidParameter("File URI '\(text)' names a remote host '\(host)'; only local paths can be read")
                }
                rest = rest.dropFirst(host.count)
            }
            return .fileStore(path: absolute(percentDecoded(String(rest)), cwd: cwd))
        }
        if let colon = text.firstIndex(of: ":"), text[..<colon].count > 1,
           text[..<colon].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "+" || $0 == "-" || $0 == "." }) {
            let scheme = text[..<colon]
            throw MLflowError.invalidParameter("Unsupported tracking URI scheme '\(scheme)' in '\(redactingPassword(text))': mltui reads file stores, sqlite:/// and postgresql:// databases and http(s):// servers")
        }
        return .fileStore(path: absolute(text, cwd: cwd))
    }

    /// MLflow 3.x's choice: the argument, else MLFLOW_TRACKING_URI, else the default store in
    /// cwd. MLflow's default is `sqlite:///mlflow.db`, except that an `./mlruns` holding at
    /// least one experiment (a digit-named folder with meta.yaml) is taken as a file store.
    /// Where MLflow would create a store, mltui takes the config file's `store` (`configured`,
    /// read only then); with none, as a reader never creates a store, this is an error.
    public static func resolve(argument: String?, environment: [String: String], cwd: String,
                               configured: (() throws -> String?)? = nil,
                               fileExists: (String) -> Bool,
                               directoryEntries: (String) -> [String]) throws -> TrackingURI {
        try resolveWithOrigin(argument: argument, environment: environment, cwd: cwd, configured: configured,
                              fileExists: fileExists, directoryEntries: directoryEntries).uri
    }

    /// Which of `resolve`'s sources named the store (`mltui doctor` says why).
    public enum Origin: String, Sendable {
        case argument = "the command line"
        case environment = "MLFLOW_TRACKING_URI"
        case mlrunsFolder = "./mlruns in the current folder"
        case databaseFile = "./mlflow.db in the current folder"
        case configFile = "store in config.toml"
    }

    public static func resolveWithOrigin(argument: String?, environment: [String: String], cwd: String,
                                         configured: (() throws -> String?)? = nil,
                                         fileExists: (String) -> Bool,
                                         directoryEntries: (String) -> [String]) throws -> (uri: TrackingURI, origin: Origin) {
        if let argument, !argument.isEmpty { return (try parse(argument, cwd: cwd), .argument) }
        if let env = environment["MLFLOW_TRACKING_URI"], !env.isEmpty { return (try parse(env, cwd: cwd), .environment) }
        let mlruns = join(cwd, "mlruns")
        let hasExperiments = directoryEntries(mlruns).contains { name in
            !name.isEmpty && name.allSatisfy(\.isNumber) && fileExists(join(join(mlruns, name), "meta.yaml"))
        }
        if hasExperiments { return (.fileStore(path: mlruns), .mlrunsFolder) }
        let db = join(cwd, "mlflow.db")
        if fileExists(db) { return (.sqlite(path: db), .databaseFile) }
        if let store = try configured?(), !store.isEmpty { return (try parse(store, cwd: cwd), .configFile) }
        throw MLflowError.notFound("No tracking store found: no ./mlflow.db or ./mlruns in \(cwd). Pass a URI (mltui sqlite:///path.db, mltui path/to/mlruns, mltui http://host:5000) or set MLFLOW_TRACKING_URI" + (configured == nil ? "" : " (or store in mltui's config file: mltui doctor says where)"))
    }

    static func absolute(_ path: String, cwd: String) -> String {
        normalized(path.hasPrefix("/") ? path : join(cwd, path))
    }

    static func join(_ a: String, _ b: String) -> String { a.hasSuffix("/") ? a + b : a + "/" + b }

    /// Removes `.` and `..` components and duplicate slashes, keeping the path absolute.
    static func normalized(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." { _ = parts.popLast(); continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    static func percentDecoded(_ text: String) -> String {
        guard text.contains("%") else { return text }
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "%"), iterator.count >= 2,
               let value = UInt8(String(decoding: iterator.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                iterator = iterator.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
