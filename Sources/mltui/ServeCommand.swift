import ArgumentParser
import Backends
import Foundation
import Server
import Tracking

/// `mltui serve`: a local store over MLflow's REST API, with `mlflow server`'s flag names and
/// defaults (`mlflow/cli/__init__.py` `server`). See docs/serve.md.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a local store over MLflow's REST API: a drop-in tracking server.",
        discussion: """
            Binds to 127.0.0.1 unless --host says otherwise. Takes MLflow's tracking writes and \
            artifact uploads (PUT through the mlflow-artifacts proxy), creating the store if it \
            does not exist yet, as mlflow server does; a file store is served for writing without \
            MLflow's MLFLOW_ALLOW_FILE_STORE switch. --read-only answers every write 403 \
            PERMISSION_DENIED. With --auth-file each user is read-only unless their line ends in \
            rw. See docs/serve.md for authentication, TLS behind a reverse proxy, and the \
            endpoints served.
            """)

    @Option(name: .long, help: "Store to serve (default: MLFLOW_TRACKING_URI, then ./mlruns or ./mlflow.db).")
    var backendStoreURI: String?

    @Option(name: .long, help: "Where new experiments keep artifacts (default: mlflow-artifacts:/, uploaded through this server; with --no-serve-artifacts, the store's own default).")
    var defaultArtifactRoot: String?

    @Flag(inversion: .prefixedNo, help: "Serve the mlflow-artifacts proxy endpoints from --artifacts-destination.")
    var serveArtifacts = true

    @Option(name: .long, help: "Directory that mlflow-artifacts:/ URIs point into.")
    var artifactsDestination = "./mlartifacts"

    @Option(name: .long, help: "Address to bind; 0.0.0.0 exposes the server to the network.")
    var host = "127.0.0.1"

    @Option(name: .long, help: "Port to listen on, 0 to 65535 (0 picks a free one).")
    var port = 5000

    @Flag(name: .long, help: "Refuse every write (403 PERMISSION_DENIED), artifact uploads included; the store is opened read-only.")
    var readOnly = false

    @Option(name: .long, help: "Comma-separated Host header patterns accepted (fnmatch, as MLflow); '*' allows any. Default: MLFLOW_SERVER_ALLOWED_HOSTS, else localhost and private addresses.")
    var allowedHosts: String?

    @Option(name: .long, help: "File of 'user:pbkdf2-sha256$iterations$salt$hash ro|rw' lines; enables HTTP basic auth. rw lets the user write; ro, or no field, only read.")
    var authFile: String?

    @Option(name: .long, help: "Name of an environment variable holding a bearer token that grants read access.")
    var authTokenEnv: String?

    @Flag(name: .long, help: "Let the --auth-token-env token write too.")
    var authTokenCanWrite = false

    @Option(name: .long, help: "Largest request body accepted, in bytes.")
    var maxBodyBytes = 1_000_000

    @Option(name: .long, help: "Largest max_results accepted by runs/search and experiments/search.")
    var maxPageSize = 50_000

    @Flag(name: .long, help: "Do not print the access log.")
    var quiet = false

    @Option(name: .long, help: "Open connections kept at most; past it the longest-idle one is closed (also bounded by the open-file limit).")
    var maxConnections = 1000

    @Option(name: .long, help: "Seconds a connection may send nothing (between requests, or within one) before it is closed.")
    var idleTimeout: Double = 30

    @Option(name: .long, help: "Seconds a SIGTERM or SIGINT waits for requests in flight before closing their connections.")
    var shutdownTimeout: Double = 20

    @Option(name: .long, help: ArgumentHelp("Print a read-only auth-file line for USER (password read from stdin) and exit; change its last field to rw to let USER write.", valueName: "user"))
    var hashPassword: String?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535, not \(port).") }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1.") }
        guard idleTimeout > 0, shutdownTimeout >= 0 else { throw ValidationError("--idle-timeout and --shutdown-timeout take seconds (more than 0).") }
    }

    func run() async throws {
        try await Output.reporting(.table) { try await serve() }
    }

    private func serve() async throws {
        if let user = hashPassword {
            guard let password = readLine(strippingNewline: true), !password.isEmpty else {
                throw ValidationError("no password on stdin")
            }
            print(Credentials.authFileLine(user: user, password: password))
            return
        }
        let environment = ProcessInfo.processInfo.environment
        let uri: TrackingURI
        let store: any TrackingStore
        let cwd = FileManager.default.currentDirectoryPath
        do {
            uri = try resolveTrackingURI(backendStoreURI, environment: environment, cwd: cwd).uri
            if readOnly {
                store = try openStore(uri) { Diagnostics.warn($0) }
            } else {
                store = try openWritable(uri, cwd: cwd)
            }
        } catch {
            throw CLIError(error.asMLflowError)
        }
        let configuration = try serverConfiguration(uri: uri, environment: environment)
        let exposure = ["127.0.0.1", "localhost", "::1"].contains(host)
            ? "reachable from this machine only; pass --host 0.0.0.0 to expose it"
            : "REACHABLE FROM THE NETWORK at \(host)\(configuration.credentials == nil ? " without authentication" : "")"
        let address = host.contains(":") ? "[\(host)]" : host
        let uriText = uri.description
        let mode = readOnly
            ? """
            read-only: no request changes the store. Runs keep the artifact locations MLflow \
            gave them; where that is a local folder, a client that can reach it reads and writes it \
            directly, not through this server.
            """
            : store is any TrackingWriter
            ? "accepting writes\(configuration.credentials == nil ? "" : " from users whose auth-file line ends in rw")."
            : "read-only: this store cannot be written by mltui yet."
        do {
            try await MLflowServer.run(store: store, configuration: configuration) { boundPort in
                ServeCommand.printToStandardError("""
                    mltui serve: \(uriText) on http://\(address):\(boundPort); \(exposure). Ctrl-C stops.
                    mltui serve: \(mode)
                    """)
            }
        } catch {
            throw CLIError(MLflowServer.startupError(error, host: address, port: port))
        }
        ServeCommand.printToStandardError("mltui serve: stopped")
    }

    private func serverConfiguration(uri: TrackingURI, environment: [String: String]) throws -> ServerConfiguration {
        var credentials: Credentials?
        if authFile != nil || authTokenEnv != nil {
            var fileText: String?
            if let authFile {
                guard let text = try? String(contentsOfFile: authFile, encoding: .utf8) else {
                    throw CLIError(.invalidParameter("cannot read auth file \(authFile)"))
                }
                fileText = text
            }
            var token: String?
            if let name = authTokenEnv {
                guard let value = environment[name], !value.isEmpty else {
                    throw CLIError(.invalidParameter("environment variable \(name) (--auth-token-env) is not set"))
                }
                token = value
            }
            do {
                credentials = try Credentials(authFileText: fileText, token: token, tokenAccess: authTokenCanWrite ? .write : .read)
            } catch {
                throw CLIError(error.asMLflowError)
            }
        }
        let hostPatterns = (allowedHosts ?? environment["MLFLOW_SERVER_ALLOWED_HOSTS"])
            .map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        var destination: String?
        if serveArtifacts {
            let cwd = FileManager.default.currentDirectoryPath
            destination = artifactsDestination.hasPrefix("/") ? artifactsDestination : cwd + "/" + artifactsDestination
        }
        let storeType: String
        if case .fileStore = uri { storeType = "FileStore" } else { storeType = "SqlStore" }
        let log: @Sendable (String) -> Void = quiet ? ServeCommand.discard : ServeCommand.printToStandardError
        // Each connection is a descriptor: raise the open-file limit, and keep the connection
        // cap below it so accept(2) never fails for want of one.
        let connections = min(maxConnections, max(1, OpenFileLimit.raise() - OpenFileLimit.reserved))
        return ServerConfiguration(host: host, port: port,
                                   allowedHosts: hostPatterns ?? HostAllowList.defaultPatterns,
                                   credentials: credentials, readOnly: readOnly, artifactsDestination: destination,
                                   maxBodyBytes: maxBodyBytes, maxPageSize: maxPageSize,
                                   storeType: storeType, accessLog: log, notice: ServeCommand.printToStandardError,
                                   maxConnections: connections, idleTimeout: .milliseconds(Int64(idleTimeout * 1000)),
                                   shutdownTimeout: .milliseconds(Int64(shutdownTimeout * 1000)))
    }

    /// The store opened for writing; a missing one is created as `mlflow server` creates it on
    /// first start.
    private func openWritable(_ uri: TrackingURI, cwd: String) throws -> any TrackingStore {
        try openWriter(uri, opening: .createIfMissing, defaultArtifactRoot: artifactRoot(cwd: cwd)) { Diagnostics.warn($0) }
    }

    /// Where new experiments keep artifacts, as `mlflow server` decides it: the flag (a local
    /// path made absolute), else the proxy when it serves artifacts, else the store's default.
    private func artifactRoot(cwd: String) -> String? {
        if let root = defaultArtifactRoot {
            let isLocalPath = !root.contains(":") && !root.hasPrefix("/")
            return isLocalPath ? (cwd as NSString).appendingPathComponent(root) : root
        }
        return serveArtifacts ? "mlflow-artifacts:/" : nil
    }

    @Sendable static func discard(_ line: String) {}

    @Sendable static func printToStandardError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
