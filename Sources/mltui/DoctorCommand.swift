import ArgumentParser
import Backends
import FileStore
import Foundation
import HTTPClient
import RESTStore
import SQLStore
import Terminal
import Tracking
import TUI

/// `mltui doctor [URI]`: what a person checks when something is off, one line each, with the
/// fix where there is one: the config file, the store (which URI and why, its kind and schema,
/// a read), the tracking server (reachable, auth), the artifact stores the experiments use, the
/// run cache and the terminal. Exits 1 when a check fails (warnings do not).
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check the store, the server, artifact stores, the terminal and the config file, one line each with the fix.")

    @Argument(help: "Tracking URI or path of the store to check (default: what `mltui` would open).")
    var uri: String?
    @Option(help: "Seconds each network check may take (1-600).")
    var timeout: Int = 5

    func validate() throws {
        guard (1...600).contains(timeout) else { throw ValidationError("--timeout takes 1 to 600 seconds.") }
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        // One try per request, within --timeout: a doctor that retries a dead server for
        // minutes is no help. The user's own settings win.
        setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0", 0)
        setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "\(max(1, timeout))", 0)
        var report = DoctorReport()
        report.add(.ok, "mltui", "\(MLTUI.version)")
        let config = checkConfig(&report, environment)
        if let store = await checkStore(&report, environment, config) {
            await checkArtifacts(&report, store)
        }
        checkRunCache(&report, environment)
        checkTerminal(&report, environment, config)
        Output.write(report.text)
        if report.failures > 0 { throw ExitCode.failure }
    }

    private func checkConfig(_ report: inout DoctorReport, _ environment: [String: String]) -> UserConfig? {
        do {
            let config = try UserConfig.load(environment: environment)
            guard let path = config.path else {
                report.add(.warn, "config", "neither XDG_CONFIG_HOME nor HOME is set, so no config file is read — set HOME")
                return config
            }
            guard config.exists else {
                report.add(.ok, "config", "\(path): none, the built-in settings apply (docs/configuration.md)")
                return config
            }
            var set: [String] = []
            if let theme = config.theme { set.append("theme \(theme)") }
            if let refresh = config.refresh { set.append("refresh \(formatNumber(refresh))s") }
            if let mouse = config.mouse { set.append("mouse \(mouse ? "on" : "off")") }
            if config.store != nil { set.append("a default store") }
            if config.reboundActions > 0 { set.append("\(config.reboundActions) key rebinding\(config.reboundActions == 1 ? "" : "s")") }
            report.add(.ok, "config", "\(path): " + (set.isEmpty ? "read, nothing set" : set.joined(separator: ", ")))
            let (_, warning) = ThemeLoader.resolve(TUIOptions(environment: environment, config: config))
            if let warning { report.add(.warn, "theme", warning) }
            return config
        } catch {
            report.add(.fail, "config", "\(error) — fix that line; until then the UI does not start")
            return nil
        }
    }

    private func checkStore(_ report: inout DoctorReport, _ environment: [String: String], _ config: UserConfig?) async -> (any TrackingStore)? {
        let cwd = FileManager.default.currentDirectoryPath
        let resolved: (uri: TrackingURI, origin: TrackingURI.Origin)
        do {
            resolved = try resolveTrackingURI(uri, environment: environment, cwd: cwd, configured: { config?.store })
        } catch {
            report.add(.fail, "store", error.asMLflowError.message)
            return nil
        }
        report.add(.ok, "store", "\(openedForm(resolved.uri)) (from \(resolved.origin.rawValue))")
        if case .rest(let url) = resolved.uri, !(await checkServer(&report, url)) { return nil }
        let store: any TrackingStore
        do {
            store = try openStore(resolved.uri) { _ in }
        } catch {
            report.add(.fail, "kind", "\(error.asMLflowError.message)\(Self.storeFix(resolved.uri, error))")
            return nil
        }
        report.add(.ok, "kind", Self.kind(of: store, resolved.uri))
        do {
            let experiments = try await Deadline.run(seconds: timeout) {
                try await store.allExperiments(ExperimentSearch(viewType: .all))
            }
            let active = experiments.filter { $0.lifecycleStage != .deleted }.count
            report.add(.ok, "read", "\(active) experiment\(active == 1 ? "" : "s")" + (experiments.count > active ? " (and \(experiments.count - active) deleted)" : ""))
            return store
        } catch {
            report.add(.fail, "read", "\(error.asMLflowError.message)\(Self.readFix(error))")
            return nil
        }
    }

    static func kind(of store: any TrackingStore, _ uri: TrackingURI) -> String {
        if let sql = store as? SQLTrackingStore {
            let engine = if case .postgres = uri { "PostgreSQL" } else { "SQLite" }
            let schema = sql.schemaVersion == SQLTrackingStore.newestSchema
                ? "the newest MLflow \(SQLTrackingStore.mlflowVersion) knows"
                : "older than MLflow \(SQLTrackingStore.mlflowVersion)'s \(SQLTrackingStore.newestSchema); read as it is (`mlflow db upgrade` would bring it up to date)"
            return "\(engine) database, schema \(sql.schemaVersion) (\(schema))"
        }
        if store is FileStore { return "MLflow file store (mlruns folder); no schema version" }
        return "MLflow tracking server (REST)"
    }

    static func storeFix(_ uri: TrackingURI, _ error: any Error) -> String {
        switch uri {
        case .fileStore: return " — check the path, or pass the store's URI (sqlite:///…, postgresql://…, http://…)"
        case .sqlite: return " — check the path of the database file"
        case .postgres: return " — check host, port, database and credentials (PGPASSWORD, ~/.pgpass), as for psql"
        case .rest: return ""
        }
    }

    static func readFix(_ error: any Error) -> String {
        switch error.asMLflowError.code {
        case .unauthenticated, .customerUnauthorized:
            return " — the server wants credentials: set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, or MLFLOW_TRACKING_TOKEN"
        case .permissionDenied: return " — the credentials were refused: check MLFLOW_TRACKING_USERNAME/PASSWORD or the token"
        case .deadlineExceeded: return " — the store did not answer in time (--timeout)"
        default: return ""
        }
    }

    /// The server's /health and /version, then whether credentials are sent; false when it
    /// cannot be reached (the checks after it would only repeat that).
    private func checkServer(_ report: inout DoctorReport, _ url: String) async -> Bool {
        let configuration: RESTConfiguration
        do { configuration = try RESTConfiguration.current() } catch {
            report.add(.fail, "server", "\(error.asMLflowError.message)")
            return false
        }
        var options = configuration.http
        options.timeout = max(1, timeout)
        let client = HTTPClient(options: options)
        let base = url.hasSuffix("/") ? String(url.dropLast()) : url
        // What the lines show: a password in the URL's userinfo never is.
        let shown = TrackingURI.redactingPassword(base)
        let started = Date()
        do {
            let health = try await client.send(HTTPRequest(url: base + "/health"))
            let ms = Int(Date().timeIntervalSince(started) * 1000)
            let version = try? await client.send(HTTPRequest(url: base + "/version"))
            // Only a version number: a proxy's page must not break the one-line report.
            let versionText = version.flatMap { $0.status == 200 ? String(decoding: $0.body.prefix(40), as: UTF8.self) : nil }
                .flatMap { $0.range(of: #"^[0-9]+(\.[0-9]+)*[0-9A-Za-z.+-]*$"#, options: .regularExpression) != nil ? $0 : nil }
            if health.status == 200 {
                report.add(.ok, "server", "answers in \(ms) ms" + (versionText.map { ", MLflow \($0)" } ?? ""))
            } else {
                report.add(.warn, "server", "/health answered HTTP \(health.status) in \(ms) ms — is this an MLflow tracking server (or a proxy in front of one)?")
            }
        } catch let error as HTTPTransportError {
            let fix: String
            switch error.kind {
            case .couldNotConnect: fix = "nothing listens there: start the server (mlflow server, mltui serve) or check the host and port"
            case .couldNotResolveHost: fix = "the host name does not resolve: check the URI"
            case .timedOut: fix = "no answer in \(timeout) s: check the network, a proxy (HTTPS_PROXY, NO_PROXY) or a firewall"
            case .tls: fix = "TLS failed: set MLFLOW_TRACKING_SERVER_CERT_PATH to the server's CA bundle, or MLFLOW_TRACKING_INSECURE_TLS=true to skip checks"
            default: fix = "check the URI and the network"
            }
            report.add(.fail, "server", "\(shown): \(error.message) — \(fix)")
            return false
        } catch {
            report.add(.fail, "server", "\(shown): \(error)")
            return false
        }
        if shown != base {
            report.add(.ok, "auth", "basic auth from the URL's user:password@ (libcurl sends it; MLFLOW_TRACKING_USERNAME/PASSWORD are the usual way)")
            return true
        }
        switch configuration.credentials {
        case .basic(let username, _)?: report.add(.ok, "auth", "basic auth as \(username) (MLFLOW_TRACKING_USERNAME/PASSWORD or ~/.mlflow/credentials)")
        case .bearer?: report.add(.ok, "auth", "bearer token (MLFLOW_TRACKING_TOKEN)")
        case nil: report.add(.ok, "auth", "no credentials sent (set MLFLOW_TRACKING_USERNAME/PASSWORD or MLFLOW_TRACKING_TOKEN if the server wants them)")
        }
        return true
    }

    /// Each artifact store the experiments use (grouped by scheme and host; local folders as
    /// one), checked by listing one run's artifacts through the store, as the UI's browser does.
    private func checkArtifacts(_ report: inout DoctorReport, _ store: any TrackingStore) async {
        let experiments: [Experiment]
        do { experiments = try await Deadline.run(seconds: timeout) { try await store.allExperiments(ExperimentSearch()) } } catch {
            report.add(.fail, "artifacts", "could not list the experiments to check: \(error.asMLflowError.message)")
            return
        }
        var groups: [(name: String, experiments: [Experiment])] = []
        for experiment in experiments {
            let name = Self.artifactStoreName(experiment.artifactLocation)
            if let i = groups.firstIndex(where: { $0.name == name }) { groups[i].experiments.append(experiment) } else { groups.append((name, [experiment])) }
        }
        if groups.isEmpty { report.add(.ok, "artifacts", "no experiments, nothing to check") }
        for group in groups.prefix(6) {
            do {
                let checked = try await Deadline.run(seconds: timeout) { () async throws -> String? in
                    let runs = try await store.searchRuns(RunSearch(experimentIDs: group.experiments.prefix(100).map(\.experimentID), maxResults: 1))
                    guard let run = runs.items.first else { return nil }
                    let listing = try await store.listArtifacts(runID: run.info.runID, path: nil)
                    return "run \(run.info.runName.isEmpty ? run.info.runID : run.info.runName): \(listing.files.count) entr\(listing.files.count == 1 ? "y" : "ies")"
                }
                let count = "\(group.experiments.count) experiment\(group.experiments.count == 1 ? "" : "s")"
                report.add(.ok, "artifacts", "\(group.name) (\(count)): " + (checked.map { "lists (\($0))" } ?? "no runs to list yet"))
            } catch {
                report.add(.fail, "artifacts", "\(group.name): \(error.asMLflowError.message) — \(Self.artifactFix(group.name))")
            }
        }
        if groups.count > 6 { report.add(.warn, "artifacts", "\(groups.count - 6) more artifact stores not checked") }
    }

    /// `local folders`, `s3://bucket`, `mlflow-artifacts:` (MLflow's default `mlflow-artifacts:/1`
    /// has one slash), `mlflow-artifacts://host`, …: a scheme is more than one letter (so `C:\` is not).
    static func artifactStoreName(_ location: String?) -> String {
        guard let location, !location.isEmpty else { return "no artifact location" }
        guard let colon = location.firstIndex(of: ":"), location.distance(from: location.startIndex, to: colon) > 1,
              location[..<colon].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }) else { return "local folders" }
        let scheme = location[..<colon].lowercased()
        if scheme == "file" { return "local folders" }
        let rest = location[location.index(after: colon)...]
        guard rest.hasPrefix("//") else { return "\(scheme):" }
        let host = rest.dropFirst(2).prefix { $0 != "/" }
        return host.isEmpty ? "\(scheme):" : "\(scheme)://\(host)"
    }

    static func artifactFix(_ name: String) -> String {
        if name.hasPrefix("s3://") {
            return "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or ~/.aws/credentials), and MLFLOW_S3_ENDPOINT_URL for a non-AWS endpoint"
        }
        if name.hasPrefix("mlflow-artifacts") { return "the tracking server must serve artifacts (mlflow server --serve-artifacts, the default)" }
        if name == "local folders" { return "the folders are on the machine that logged the runs: mount them here, or browse through that machine's tracking server" }
        return "mltui reads local, s3:// and mlflow-artifacts:// artifacts (and http(s):// through the server)"
    }

    private func checkRunCache(_ report: inout DoctorReport, _ environment: [String: String]) {
        guard let directory = FileStore.defaultCacheDirectory(environment: environment) else {
            report.add(.warn, "run cache", "off (MLTUI_CACHE_DIR is empty, or no HOME): file stores are read whole each start — set HOME or MLTUI_CACHE_DIR")
            return
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue, access(directory, W_OK) == 0 else {
                report.add(.warn, "run cache", "\(directory) is not a writable folder: file stores are read whole each start — fix its permissions or set MLTUI_CACHE_DIR")
                return
            }
            let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            let bytes = files.reduce(Int64(0)) { sum, name in
                sum + ((try? FileManager.default.attributesOfItem(atPath: directory + "/" + name)[.size] as? Int64) ?? 0)
            }
            report.add(.ok, "run cache", "\(directory) (\(files.count) file\(files.count == 1 ? "" : "s"), \(Self.size(bytes)); for file stores, safe to delete)")
        } else {
            report.add(.ok, "run cache", "\(directory) (made on the first file store opened)")
        }
    }

    static func size(_ bytes: Int64) -> String {
        bytes < 1 << 20 ? "\(bytes / 1024) KiB" : String(format: "%.1f MiB", Double(bytes) / 1048576)
    }

    private func checkTerminal(_ report: inout DoctorReport, _ environment: [String: String], _ config: UserConfig?) {
        let probe = TerminalProbe.probe(environment: environment)
        if let reason = probe.unusableReason {
            report.add(.fail, "terminal", reason)
        } else if case .found(let colors, _, let mouse) = probe.entry {
            report.add(.ok, "terminal", "TERM=\(probe.term ?? "")" + (environment["TMUX"] != nil ? " inside tmux" : ""))
            if let noColor = environment["NO_COLOR"], !noColor.isEmpty {
                report.add(.ok, "colours", "off: NO_COLOR is set (unset it for colour)")
            } else if colors >= 256 || ["truecolor", "24bit"].contains(environment["COLORTERM"] ?? "") {
                report.add(.ok, "colours", ["truecolor", "24bit"].contains(environment["COLORTERM"] ?? "") ? "24-bit (COLORTERM)" : "\(colors)")
            } else if colors > 0 {
                report.add(.warn, "colours", "\(colors) only: themes are mapped down to them — TERM=xterm-256color if the terminal can do more")
            } else {
                report.add(.warn, "colours", "none: the UI draws in monochrome — TERM=xterm-256color if the terminal has colour")
            }
            if config?.mouse == false {
                report.add(.ok, "mouse", "off (mouse = false in config.toml)")
            } else if mouse {
                report.add(.ok, "mouse", "clicks and the wheel (--no-mouse leaves them to the terminal)")
            } else {
                report.add(.warn, "mouse", "terminfo for TERM=\(probe.term ?? "") has no mouse reports: keys only")
            }
            // From the environment only: doctor does not take the terminal over to ask it.
            let graphics = GraphicsDetection.choose(environment: environment, replies: nil)
            report.add(.ok, "images", graphics == .halfBlocks
                ? "half blocks (the UI also asks the terminal at start; MLTUI_GRAPHICS=kitty|iterm2|sixel chooses)"
                : "\(graphics.rawValue) from the environment" + (environment["TMUX"] != nil && graphics == .kitty ? " (tmux needs set -g allow-passthrough on)" : ""))
        }
        // The variable that decides is the one to change (LC_ALL wins over LC_CTYPE over LANG).
        let (utf8, from, variable) = localeIsUTF8(environment)
        let installed = setlocale(LC_CTYPE, "") != nil
        if !utf8 {
            report.add(.warn, "utf-8", "\(from ?? "no LANG, LC_CTYPE or LC_ALL"): not UTF-8, so accented and CJK names, Braille charts and box lines come out garbled — export \(variable)=C.UTF-8")
        } else if !installed {
            report.add(.warn, "utf-8", "\(from!): that locale is not installed (locale -a lists them) — export \(variable)=C.UTF-8")
        } else {
            report.add(.ok, "utf-8", from!)
        }
    }
}

/// The lines `mltui doctor` prints: `ok`, `warn` or `FAIL`, the topic, what was found.
struct DoctorReport {
    enum Status: String { case ok = "ok", warn = "warn", fail = "FAIL" }
    private(set) var lines: [(Status, String, String)] = []

    mutating func add(_ status: Status, _ topic: String, _ text: String) { lines.append((status, topic, text)) }

    var failures: Int { lines.filter { $0.0 == .fail }.count }

    var text: String {
        let warnings = lines.filter { $0.0 == .warn }.count
        var out = lines.map { status, topic, text in
            status.rawValue.padding(toLength: 5, withPad: " ", startingAt: 0) + topic.padding(toLength: 10, withPad: " ", startingAt: 0) + " " + text
        }
        out.append(failures == 0 && warnings == 0 ? "all good" : "\(failures) problem\(failures == 1 ? "" : "s"), \(warnings) warning\(warnings == 1 ? "" : "s")")
        return out.joined(separator: "\n") + "\n"
    }
}

/// An async call that gives up after `seconds` with DEADLINE_EXCEEDED. The call itself is
/// left to finish on its own (a blocking read cannot be cancelled); the command exits anyway.
enum Deadline {
    static func run<T: Sendable>(seconds: Int, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let done = Locked(false)
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
            func finish(_ result: Result<T, Error>) {
                if done.withLock({ let first = !$0; $0 = true; return first }) { continuation.resume(with: result) }
            }
            Task {
                do { finish(.success(try await body())) } catch { finish(.failure(error)) }
            }
            Task {
                try? await Task.sleep(nanoseconds: UInt64(max(1, seconds)) * 1_000_000_000)
                finish(.failure(MLflowError(.deadlineExceeded, "no answer in \(seconds) s")))
            }
        }
    }
}
