import Foundation
import Tracking

/// A real PostgreSQL server (Debian's `postgresql` package) run as a user process: `initdb` into
/// a folder of the test run's, `pg_ctl start` on 127.0.0.1 and a free port, its socket in that
/// folder. No system service is involved. As root (CI), it runs as the `postgres` account the
/// package creates, since PostgreSQL refuses to run as root.
///
/// Host connections need the password (scram-sha-256); the cluster collates text with ICU's
/// en-US, as many production databases do, so ordering differs from SQLite's byte order and a
/// reader that sorts anything itself instead of asking PostgreSQL would be caught.
public final class PostgresServer: Sendable {
    public static let user = "mltui"
    public static let password = "mltui-test-pw"

    public let dataDirectory: URL
    public let port: Int
    private let log: URL

    /// Starts the cluster in `dataDirectory`, creating it first when it holds none.
    public init(dataDirectory: URL) throws {
        self.dataDirectory = dataDirectory
        log = dataDirectory.deletingLastPathComponent().appendingPathComponent("postgres-\(dataDirectory.lastPathComponent).log")
        let fm = FileManager.default
        let bin = try Self.binaries()
        if !fm.fileExists(atPath: dataDirectory.appendingPathComponent("PG_VERSION").path) {
            try? fm.removeItem(at: dataDirectory)
            try fm.createDirectory(at: dataDirectory.deletingLastPathComponent(), withIntermediateDirectories: true)
            let pwfile = dataDirectory.deletingLastPathComponent().appendingPathComponent("pw-\(UUID().uuidString)")
            try Data(Self.password.utf8).write(to: pwfile)
            defer { try? fm.removeItem(at: pwfile) }
            try Self.giveToServerAccount(dataDirectory.deletingLastPathComponent(), pwfile)
            try Self.check(Self.asServerAccount(bin.appendingPathComponent("initdb"), [
                "-D", dataDirectory.path, "-U", Self.user, "--pwfile", pwfile.path, "-E", "UTF8",
                "--auth-local=trust", "--auth-host=scram-sha-256",
                "--locale-provider=icu", "--icu-locale=en-US", "--locale=C.UTF-8",
            ]), "initdb")
        }
        // A server a crashed earlier test run left on this folder is stopped first.
        if fm.fileExists(atPath: dataDirectory.appendingPathComponent("postmaster.pid").path) {
            _ = try? Self.asServerAccount(bin.appendingPathComponent("pg_ctl"), ["-D", dataDirectory.path, "-m", "immediate", "-w", "stop"])
        }
        port = try MLflowServer.freePort()
        try Self.giveToServerAccount(dataDirectory.deletingLastPathComponent())
        let options = "-c listen_addresses=127.0.0.1 -c port=\(port) -c unix_socket_directories=\(dataDirectory.path) -c fsync=off -c max_connections=200"
        try Self.check(Self.asServerAccount(bin.appendingPathComponent("pg_ctl"), [
            "-D", dataDirectory.path, "-l", log.path, "-o", options, "-w", "-t", "60", "start",
        ]), "pg_ctl start", log: log)
    }

    deinit { stop() }

    /// `pg_ctl stop` (fast: connections closed, data flushed), bounded.
    public func stop() {
        guard let bin = try? Self.binaries(),
              FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("postmaster.pid").path) else { return }
        _ = try? Self.asServerAccount(bin.appendingPathComponent("pg_ctl"), ["-D", dataDirectory.path, "-m", "fast", "-w", "-t", "30", "stop"])
    }

    /// Restarts the server on the same port (every client connection is dropped); `mode` is
    /// pg_ctl's shutdown mode ("immediate" is a crash as clients see it).
    public func restart(mode: String = "fast") throws {
        try Self.check(Self.asServerAccount(try Self.binaries().appendingPathComponent("pg_ctl"),
                                            ["-D", dataDirectory.path, "-l", log.path, "-m", mode, "-w", "-t", "60", "restart"]),
                       "pg_ctl restart", log: log)
    }

    /// A tracking URI for `database`, as MLflow's client takes it (SQLAlchemy with psycopg2).
    public func uri(database: String) -> String {
        "postgresql+psycopg2://\(Self.user):\(Self.password)@127.0.0.1:\(port)/\(database)"
    }

    /// Runs SQL through psql as the superuser, over the socket.
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") throws -> String {
        let result = try CommandRunner.run(URL(fileURLWithPath: "/usr/bin/psql"), [
            "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", dataDirectory.path, "-p", String(port),
            "-U", Self.user, "-d", database, "-c", sql,
        ], timeout: 60)
        guard result.status == 0 else { throw SupportError("psql failed: \(result.stderrText)") }
        return result.stdoutText
    }

    /// A new database `target` holding a copy of `source` (pg_dump into psql: a template copy
    /// would need `source` to have no other connection).
    public func copyDatabase(_ source: String, to target: String) throws {
        try psql("CREATE DATABASE \(target)")
        let bin = try Self.binaries()
        let socket = "-h '\(dataDirectory.path)' -p \(port) -U \(Self.user)"
        let result = try CommandRunner.run(URL(fileURLWithPath: "/bin/bash"), ["-c",
            "set -o pipefail; '\(bin.path)/pg_dump' \(socket) -d \(source) | /usr/bin/psql -X -q -v ON_ERROR_STOP=1 \(socket) -d \(target)"],
                                           timeout: 120)
        guard result.status == 0 else { throw SupportError("copying database \(source) failed: \(result.stderrText)") }
    }

    /// The last lines of the server's log, for failure messages.
    public func logTail(_ characters: Int = 3000) -> String {
        String(((try? String(contentsOf: log, encoding: .utf8)) ?? "").suffix(characters))
    }

    // MARK: process plumbing

    /// The folder of initdb and pg_ctl (Debian keeps them off PATH, per major version).
    public static func binaries() throws -> URL {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap(Int.init).sorted(by: >)
        for version in versions {
            let bin = URL(fileURLWithPath: "\(root)/\(version)/bin")
            if FileManager.default.isExecutableFile(atPath: bin.appendingPathComponent("initdb").path) { return bin }
        }
        throw SupportError("PostgreSQL's server is not installed (no \(root)/*/bin/initdb): apt-get install postgresql")
    }

    private static var isRoot: Bool { geteuid() == 0 }

    /// `tool args`, as the `postgres` account when we are root. Started through Python's
    /// subprocess, which closes every inherited descriptor: the server pg_ctl leaves running
    /// would otherwise keep the one Foundation's Process watches to learn that its child ended.
    private static func asServerAccount(_ tool: URL, _ args: [String]) throws -> CommandResult {
        let command = (isRoot ? ["/usr/sbin/runuser", "-u", "postgres", "--"] : []) + [tool.path] + args
        return try CommandRunner.run(URL(fileURLWithPath: "/usr/bin/python3"),
                                     ["-c", "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:]))"] + command,
                                     timeout: 120)
    }

    /// As root, the server account must own its folders (and read the password file).
    private static func giveToServerAccount(_ urls: URL...) throws {
        guard isRoot else { return }
        for url in urls {
            let result = try CommandRunner.run(URL(fileURLWithPath: "/bin/chown"), ["-R", "postgres:postgres", url.path])
            guard result.status == 0 else { throw SupportError("chown postgres \(url.path): \(result.stderrText)") }
        }
    }

    private static func check(_ result: CommandResult, _ what: String, log: URL? = nil) throws {
        guard result.status == 0, !result.timedOut else {
            let logText = log.flatMap { try? String(contentsOf: $0, encoding: .utf8) } ?? ""
            throw SupportError("\(what) failed (exit \(result.status)): \(result.stderrText)\(result.stdoutText.suffix(1000))\n\(logText.suffix(2000))")
        }
    }
}
