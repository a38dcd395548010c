import Foundation

/// The stores `scripts/make_fixtures.py` writes with the real MLflow client, generated once per
/// test run into `<repo>/.build/fixtures/<hash of the script>` and reused until the script changes.
public struct FixtureStores: Sendable {
    public let root: URL
    /// File store directory (`OUTDIR/fs/mlruns`).
    public var fileStore: URL { root.appendingPathComponent("fs/mlruns") }
    /// SQLite database (`OUTDIR/sqlite/mlflow.db`); its artifacts are in `OUTDIR/sqlite/mlruns`.
    public var sqliteDatabase: URL { root.appendingPathComponent("sqlite/mlflow.db") }
    public var sqliteURI: String { "sqlite:///" + sqliteDatabase.path }

    /// The tracking URI of one format, as both `mltui --tracking-uri` and `mlflow server` take it.
    /// PostgreSQL's is the same content in a database of its own (`FixtureStores.postgres()`).
    public func trackingURI(_ format: StoreFormat) throws -> String {
        switch format {
        case .file: return fileStore.path
        case .sqlite: return sqliteURI
        case .postgres: return try FixtureStores.postgres().uri
        }
    }

    /// The fixture content written by the real client into PostgreSQL (`make_fixtures.py
    /// --postgres`), generated once per version of the script into
    /// `.build/fixtures-postgres/<hash>/` (the cluster in `data/`, artifacts in
    /// `postgres/mlruns`). Its server starts at first use and stops when the test process exits.
    public static func postgres() throws -> PostgresFixture { try postgresStarted.get() }

    private static let postgresStarted = Result { () throws -> PostgresFixture in
        let fixture = try startPostgres()
        atexit { FixtureStores.stopPostgres() }
        return fixture
    }.mapError { ($0 as? SupportError) ?? SupportError("\($0)") }

    private static func stopPostgres() { try? postgresStarted.get().server.stop() }

    private static func startPostgres() throws -> PostgresFixture {
        let script = RepoLayout.root.appendingPathComponent("scripts/make_fixtures.py")
        let parent = RepoLayout.root.appendingPathComponent(".build/fixtures-postgres")
        let dir = parent.appendingPathComponent(fnv1a(try Data(contentsOf: script)))
        let marker = dir.appendingPathComponent(".complete")
        let fm = FileManager.default
        if fm.fileExists(atPath: marker.path) {
            let server = try PostgresServer(dataDirectory: dir.appendingPathComponent("data"))
            return PostgresFixture(server: server, root: dir)
        }
        try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        for old in (try? fm.contentsOfDirectory(atPath: parent.path)) ?? [] {
            try? fm.removeItem(at: parent.appendingPathComponent(old))
        }
        let server = try PostgresServer(dataDirectory: dir.appendingPathComponent("data"))
        do {
            try server.psql("CREATE DATABASE \(PostgresFixture.database)")
            let result = try CommandRunner.run(try RepoLayout.mlflowPython(),
                                               [script.path, "--postgres", server.uri(database: PostgresFixture.database), dir.path],
                                               timeout: 300)
            guard result.status == 0, !result.timedOut else {
                throw SupportError("scripts/make_fixtures.py --postgres failed (exit \(result.status)):\n\(result.stderrText.suffix(4000))")
            }
        } catch {
            server.stop()
            throw error
        }
        _ = fm.createFile(atPath: marker.path, contents: Data())
        return PostgresFixture(server: server, root: dir)
    }

    /// Generated once, by the first caller (a static's initializer runs once, other callers wait).
    private static let generated = Result { try generate("make_fixtures.py", into: "fixtures") }
        .mapError { ($0 as? SupportError) ?? SupportError("\($0)") }
    private static let analysisGenerated = Result { try generate("make_analysis_store.py", into: "fixtures-analysis") }
        .mapError { ($0 as? SupportError) ?? SupportError("\($0)") }

    /// The fixture stores for this run, generating them on first use.
    public static func shared() throws -> FixtureStores { try generated.get() }

    /// The analysis stores (`scripts/make_analysis_store.py`: experiments "sweep" and "tiny"), in
    /// the same layout, shared by the grouping, best-of, chart and export tests.
    public static func analysis() throws -> FixtureStores { try analysisGenerated.get() }

    private static func generate(_ scriptName: String, into folder: String) throws -> FixtureStores {
        let script = RepoLayout.root.appendingPathComponent("scripts/" + scriptName)
        let source = try Data(contentsOf: script)
        let parent = RepoLayout.root.appendingPathComponent(".build/" + folder)
        let dir = parent.appendingPathComponent(fnv1a(source))
        let marker = dir.appendingPathComponent(".complete")
        let fm = FileManager.default
        if fm.fileExists(atPath: marker.path) { return FixtureStores(root: dir) }

        // Older generations (other script hashes) are dead weight.
        try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        for old in (try? fm.contentsOfDirectory(atPath: parent.path)) ?? [] {
            try? fm.removeItem(at: parent.appendingPathComponent(old))
        }
        // Generated in place (not renamed afterwards): MLflow records absolute artifact paths.
        let python = try RepoLayout.mlflowPython()
        let result = try CommandRunner.run(python, [script.path, dir.path], timeout: 300)
        guard result.status == 0, !result.timedOut else {
            throw SupportError("scripts/\(scriptName) failed (exit \(result.status)\(result.timedOut ? ", timed out" : "")):\n\(result.stderrText.suffix(4000))")
        }
        _ = fm.createFile(atPath: marker.path, contents: Data())
        return FixtureStores(root: dir)
    }

    /// FNV-1a 64-bit: enough to notice that the generator script changed.
    static func fnv1a(_ data: Data) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return String(format: "%016llx", hash)
    }
}

public enum StoreFormat: String, CaseIterable, Sendable {
    case file, sqlite, postgres
}

/// The fixture stores' content in PostgreSQL, with the server holding it.
public struct PostgresFixture: Sendable {
    public static let database = "mlflow"
    public let server: PostgresServer
    public let root: URL
    /// The tracking URI, as MLflow's client and `mlflow server` take it (mltui takes it too).
    public var uri: String { server.uri(database: Self.database) }
    /// The folder of the artifacts MLflow recorded for it.
    public var artifacts: URL { root.appendingPathComponent("postgres/mlruns") }
}
