import CSQLite
import Foundation
import Tracking
import Artifacts

/// Reads an MLflow SQLite database (schema: `mlflow/store/tracking/dbmodels/models.py`) the way
/// MLflow 3.17.2's SqlAlchemyStore answers, without ever writing to or holding a lock on it beyond
/// one short read.
public final class SQLiteStore: TrackingStore, @unchecked Sendable {
    public let uri: String
    public let path: String
    private let connections: ReadConnections
    private let features: SchemaFeatures
    private let warn: @Sendable (String) -> Void
    /// Experiments whose artifacts we already warned are read from the fallback location.
    private let warnedFallback = Locked(Set<String>())
    /// Columns already reported for holding values MLflow does not write there (`BadCells`).
    private let warnedCells = Locked(Set<String>())
    /// Where recently handed-out history pages end; every pooled connection's reader shares it.
    private let historyBoundaries = Locked(HistoryBoundaries())

    /// How long a read waits for a writer's commit before giving up (MLflow waits 20 s).
    static let busyTimeoutMs: Int32 = 5000

    public init(path: String, warn: @escaping @Sendable (String) -> Void) throws {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        self.path = absolute
        // SQLAlchemy's form for an absolute path: sqlite:/// followed by "/abs/path".
        self.uri = "sqlite:///" + absolute
        self.warn = warn
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: absolute, isDirectory: &isDir) else {
            throw MLflowError.notFound("no MLflow database at \(absolute): file does not exist")
        }
        guard !isDir.boolValue else {
            throw MLflowError.invalidParameter("\(absolute) is a directory, not an MLflow SQLite database")
        }
        let uri = self.uri
        let version: String
        do {
            let db = try SQLiteStore.connect(absolute)
            (features, version) = try SchemaCheck.check(db, uri: uri)
            connections = ReadConnections(first: db, capacity: ReadConnections.defaultCapacity) {
                try SQLiteStore.connect(absolute)
            }
        } catch {
            throw SQLiteStore.mlflowError(error, path: absolute)
        }
        if version != SchemaCheck.head {
            warn("\(uri) has MLflow schema version \(version), older than MLflow 3.17.2's \(SchemaCheck.head); reading what it has")
        }
    }

    private static func connect(_ path: String) throws -> SQLiteConnection {
        let db = try SQLiteConnection(readOnlyPath: path, busyTimeoutMs: busyTimeoutMs)
        // MLflow runs this on every connection; it changes this session only, not the file.
        try db.execute("PRAGMA case_sensitive_like = ON")
        return db
    }

    /// Runs `body` on a free connection inside one read transaction, so a search and the
    /// loading of its runs' children see one snapshot; the shared lock is released at COMMIT.
    private func read<T>(_ body: (SQLiteConnection, inout BadCells) throws -> T) throws -> T {
        var bad = BadCells()
        defer { report(bad) }
        do {
            return try connections.with { db in
                try db.execute("BEGIN")
                do {
                    let result = try body(db, &bad)
                    try db.execute("COMMIT")
                    return result
                } catch {
                    try? db.execute("ROLLBACK")
                    throw error
                }
            }
        } catch {
            throw SQLiteStore.mlflowError(error, path: path)
        }
    }

    /// Warns once per column about cells MLflow would not have written (see `BadCells`).
    private func report(_ bad: BadCells) {
        for (column, problem) in bad.found.sorted(by: { $0.key < $1.key }) {
            guard warnedCells.withLock({ $0.insert(column).inserted }) else { continue }
            warn("\(path): column \(column) holds \(problem.held) where MLflow writes \(problem.expected)\(problem.run.map { " (run \($0))" } ?? ""); \(problem.outcome)")
        }
    }

    static func mlflowError(_ error: Error, path: String) -> MLflowError {
        if let e = error as? MLflowError { return e }
        guard let e = error as? SQLiteError else { return error.asMLflowError }
        if e.isBusy {
            return MLflowError(.temporarilyUnavailable, "\(path) stayed locked by a writer for over \(busyTimeoutMs / 1000) s; try again")
        }
        if e.isNotADatabase {
            return MLflowError(.invalidParameterValue, "\(path) is not an SQLite database or is corrupt (\(e.message))")
        }
        if e.code == SQLITE_READONLY | (3 << 8) {   // SQLITE_READONLY_ROLLBACK: hot journal
            return MLflowError(.temporarilyUnavailable, "\(path) has an interrupted write (hot journal) that a read-only reader cannot roll back; open it once with mlflow or sqlite3")
        }
        if e.code & 0xff == SQLITE_CANTOPEN {
            return MLflowError(.invalidParameterValue, "cannot open \(path) read-only (\(e.message))")
        }
        return MLflowError(.internalError, "reading \(path) failed: \(e.message)")
    }

    // MARK: Experiments

    public func searchExperiments(_ request: ExperimentSearch) async throws -> Page<Experiment> {
        try validateMaxResults(request.maxResults)
        let filter = try SearchGrammar.parseExperimentFilter(request.filter)
        let orderBy = try SearchGrammar.parseExperimentOrderBy(request.orderBy)
        return try searchExperiments(request, parsedFilter: filter, orderBy: orderBy)
    }

    /// `searchExperiments` over an already parsed filter and ordering.
    func searchExperiments(_ request: ExperimentSearch, parsedFilter filter: Filter, orderBy: [OrderClause]) throws -> Page<Experiment> {
        try validateMaxResults(request.maxResults)
        let offset = try PageToken.offset(request.pageToken)
        let query = try ExperimentSearchSQL(stages: stages(request.viewType), filter: filter, orderBy: orderBy,
                                            limit: request.maxResults + 1, offset: offset)
            .build(experimentTimes: features.experimentTimes, workspace: features.workspace)
        return try read { db, bad in
            var experiments = try db.query(query.sql, query.bindings) { experiment($0, &bad) }
            let next = experiments.count > request.maxResults ? PageToken.encode(offset: offset + request.maxResults) : nil
            experiments = Array(experiments.prefix(request.maxResults))
            try attachTags(&experiments, db, &bad)
            return Page(items: experiments, nextPageToken: next)
        }
    }

    public func getExperiment(id: String) async throws -> Experiment {
        // MLflow reads an empty id as the Default experiment "0".
        let number = try parseExperimentID(id.isEmpty ? "0" : id)
        return try read { db, bad in
            var found = try db.query("SELECT \(experimentColumns) FROM experiments e WHERE e.experiment_id = ?",
                                     [.int(number)]) { experiment($0, &bad) }
            guard !found.isEmpty else { throw MLflowError.notFound("No Experiment with id=\(number) exists") }
            try attachTags(&found, db, &bad)
            return found[0]
        }
    }

    public func getExperimentByName(_ name: String) async throws -> Experiment {
        try read { db, bad in
            var found = try db.query("SELECT \(experimentColumns) FROM experiments e WHERE e.name = ?",
                                     [.text(name)]) { experiment($0, &bad) }
            guard !found.isEmpty else { throw MLflowError.notFound("Could not find experiment with name '\(name)'") }
            try attachTags(&found, db, &bad)
            return found[0]
        }
    }

    private var experimentColumns: String {
        (features.experimentTimes ? ExperimentSearchSQL.columns
            : "e.experiment_id, e.name, e.artifact_location, e.lifecycle_stage, NULL, NULL")
            + (features.workspace ? ", e.workspace" : ", NULL")
    }

    private func experiment(_ row: SQLiteRow, _ bad: inout BadCells) -> Experiment {
        Experiment(experimentID: String(row.int(0)), name: row.text(1), artifactLocation: row.optionalText(2),
                   lifecycleStage: bad.stage(row, 3, "experiments"),
                   creationTime: bad.optionalInteger(row, 4, "experiments.creation_time"),
                   lastUpdateTime: bad.optionalInteger(row, 5, "experiments.last_update_time"),
                   workspace: row.optionalText(6))
    }

    private func attachTags(_ experiments: inout [Experiment], _ db: SQLiteConnection, _ bad: inout BadCells) throws {
        let ids = experiments.map { SQLValue.int(Int64($0.experimentID) ?? -1) }
        var tags: [String: [Tag]] = [:]
        for chunk in chunked(ids) {
            let sql = "SELECT experiment_id, \"key\", value FROM experiment_tags WHERE experiment_id IN (\(marks(chunk.count))) ORDER BY rowid"
            for (id, tag) in try db.query(sql, chunk, row: { row -> (String, Tag?) in
                (String(row.int(0)), bad.tagValue(row, 2, "experiment_tags.value").map { Tag(row.text(1), $0) })
            }) {
                if let tag { tags[id, default: []].append(tag) }
            }
        }
        for i in experiments.indices { experiments[i].tags = tags[experiments[i].experimentID] ?? [] }
    }

    // MARK: Runs

    public func searchRuns(_ request: RunSearch) async throws -> Page<Run> {
        // Validation in the order SqlAlchemyStore._search_runs performs it.
        try validateMaxResults(request.maxResults)
        let filter = try SearchGrammar.parseRunFilter(request.filter)
        let orderBy = try SearchGrammar.parseRunOrderBy(request.orderBy)
        return try searchRuns(request, filter: filter, orderBy: orderBy)
    }

    /// `searchRuns` over an already parsed filter and ordering.
    func searchRuns(_ request: RunSearch, filter: Filter, orderBy: [OrderClause]) throws -> Page<Run> {
        var sql = RunSearchSQL(experimentIDs: [], stages: stages(request.viewType), filter: filter, orderBy: orderBy,
                               limit: request.maxResults + 1, offset: 0, features: features,
                               orderByText: request.orderBy, rowIDsOnly: true)
        _ = try sql.build()   // order_by and filter errors come before page-token and id errors
        sql.offset = try PageToken.offset(request.pageToken)
        sql.experimentIDs = try request.experimentIDs.map(parseExperimentID)
        let query = try sql.build()
        let offset = sql.offset
        let key = PageCache.key(query.sql, query.bindings, maxResults: request.maxResults)
        return try read { db, bad in
            // Taken first, it also starts the read transaction: the version is this snapshot's.
            let version = try db.query("PRAGMA data_version") { $0.int(0) }.first ?? -1
            if let page = db.pages.page(key, version: version) { return page }
            // The page's runs in order first, then their columns (one snapshot: same transaction).
            let rowIDs = try columnSearch(sql, filter: filter, orderBy: orderBy, version: version, db)
                ?? db.query(query.sql, query.bindings) { $0.int(0) }
            let next = rowIDs.count > request.maxResults ? PageToken.encode(offset: offset + request.maxResults) : nil
            let infos = try runInfos(rowIDs: Array(rowIDs.prefix(request.maxResults)), db, &bad)
            let runs = try loadRuns(infos, db, &bad, modelInputs: false)
            let page = Page(items: runs, nextPageToken: next)
            db.pages.store(page, key: key, version: version)
            return page
        }
    }

    /// How `searchRuns` finds a page's rowids; tests force each path to compare them.
    enum RunSearchPath { case automatic, sql, columns }
    var runSearchPath = RunSearchPath.automatic
    /// Searches answered from `RunColumns` (for tests).
    var columnSearches: Int { columnSearchCount.current }
    private let columnSearchCount = Locked(0)

    /// The rowids of `sql`'s window from the connection's `RunColumns`, or nil to run the SQL.
    /// The columns are (re)built only when the database held still since this connection's
    /// previous search: while a writer commits between searches, SQL alone is cheaper.
    private func columnSearch(_ sql: RunSearchSQL, filter: Filter, orderBy: [OrderClause], version: Int64,
                              _ db: SQLiteConnection) throws -> [Int64]? {
        let heldStill = db.lastSearchVersion == version
        db.lastSearchVersion = version
        guard runSearchPath != .sql, RunColumns.covers(filter, orderBy: orderBy), let limit = sql.limit else { return nil }
        if db.columns?.version != version {
            db.columns = nil
            guard heldStill || runSearchPath == .columns else { return nil }
            db.columns = try RunColumns(version: version, db)
        }
        guard let rowIDs = try db.columns?.search(experimentIDs: sql.experimentIDs, stages: sql.stages, filter: filter,
                                                  offset: sql.offset, limit: limit, db) else { return nil }
        columnSearchCount.withLock { $0 += 1 }
        return rowIDs
    }

    /// The RunInfo of each rowid, in the order given.
    private func runInfos(rowIDs: [Int64], _ db: SQLiteConnection, _ bad: inout BadCells) throws -> [RunInfo] {
        var byRowID: [Int64: RunInfo] = [:]
        for chunk in chunked(rowIDs.map { SQLValue.int($0) }) {
            let sql = "SELECT \(RunSearchSQL.runColumns(features)), r.rowid FROM runs r WHERE r.rowid IN (\(marks(chunk.count)))"
            for (rowID, info) in try db.query(sql, chunk, row: { ($0.int(9), runInfo($0, &bad)) }) { byRowID[rowID] = info }
        }
        return rowIDs.compactMap { byRowID[$0] }
    }

    public func getRun(id: String) async throws -> Run {
        try read { db, bad in
            let infos = try db.query("SELECT \(RunSearchSQL.runColumns(features)) FROM runs r WHERE r.run_uuid = ?",
                                     [.text(id)]) { runInfo($0, &bad) }
            guard let info = infos.first else { throw MLflowError.notFound("Run with id=\(id) not found") }
            return try loadRuns([info], db, &bad, modelInputs: true)[0]
        }
    }

    private func runInfo(_ row: SQLiteRow, _ bad: inout BadCells) -> RunInfo {
        let runID = row.text(0)
        return RunInfo(runID: runID, experimentID: row.optionalInt(2).map { String($0) } ?? "",
                       runName: row.text(1), userID: row.text(3),
                       status: bad.status(row, 4, run: runID),
                       startTime: bad.optionalInteger(row, 5, "runs.start_time", run: runID),
                       endTime: bad.optionalInteger(row, 6, "runs.end_time", run: runID), artifactURI: row.text(7),
                       lifecycleStage: bad.stage(row, 8, "runs", run: runID))
    }

    /// Loads latest metrics, params, tags, dataset inputs and model outputs of a page of runs
    /// with one IN (...) query per table, as `SqlAlchemyStore._get_eager_run_query_options`'s
    /// `selectinload`s do.
    private func loadRuns(_ infos: [RunInfo], _ db: SQLiteConnection, _ bad: inout BadCells, modelInputs: Bool) throws -> [Run] {
        guard !infos.isEmpty else { return [] }
        let ids = infos.map { SQLValue.text($0.runID) }
        var metrics: [String: [Metric]] = [:]
        var params: [String: [Param]] = [:]
        var tags: [String: [Tag]] = [:]
        var datasets: [String: [(uuid: String, input: DatasetInput)]] = [:]
        var outputs: [String: [ModelIO]] = [:]
        var inputs: [String: [ModelIO]] = [:]
        for chunk in chunked(ids) {
            let list = marks(chunk.count)
            for (run, metric) in try db.query(
                "SELECT run_uuid, \"key\", value, timestamp, step, is_nan FROM latest_metrics WHERE run_uuid IN (\(list)) ORDER BY rowid",
                chunk, row: { row -> (String, Metric?) in
                    let run = row.text(0)
                    guard let metric = bad.metric(row, value: 2, timestamp: 3, step: 4, isNaN: 5, "latest_metrics", run: run) else {
                        return (run, nil)
                    }
                    return (run, Metric(key: row.text(1), value: metric.isNaN ? .nan : metric.value,
                                        timestamp: metric.timestamp, step: metric.step))
                }) {
                if let metric { metrics[run, default: []].append(metric) }
            }
            for (run, param) in try db.query("SELECT run_uuid, \"key\", value FROM params WHERE run_uuid IN (\(list)) ORDER BY rowid",
                                             chunk, row: { row -> (String, Param?) in
                                                 (row.text(0), bad.text(row, 2, "params.value", run: row.text(0)).map { Param(row.text(1), $0) })
                                             }) {
                if let param { params[run, default: []].append(param) }
            }
            for (run, tag) in try db.query("SELECT run_uuid, \"key\", value FROM tags WHERE run_uuid IN (\(list)) ORDER BY rowid",
                                           chunk, row: { row -> (String, Tag?) in
                                               (row.text(0), bad.tagValue(row, 2, "tags.value", run: row.text(0)).map { Tag(row.text(1), $0) })
                                           }) {
                if let tag { tags[run, default: []].append(tag) }
            }
            guard features.datasets else { continue }
            let datasetSQL = """
                SELECT i.destination_id, d.dataset_uuid, d.name, d.digest, d.dataset_source_type, d.dataset_source,
                       d.dataset_schema, d.dataset_profile, it.name, it.value
                FROM inputs i JOIN datasets d ON i.source_id = d.dataset_uuid
                LEFT JOIN input_tags it ON it.input_uuid = i.input_uuid
                WHERE i.destination_type = 'RUN' AND i.destination_id IN (\(list))
                ORDER BY i.destination_id, i.rowid, it.rowid
                """
            _ = try db.query(datasetSQL, chunk) { row in
                let run = row.text(0), uuid = row.text(1)
                var list = datasets[run, default: []]
                if !list.contains(where: { $0.uuid == uuid }) {
                    let dataset = Dataset(name: row.text(2), digest: row.text(3), sourceType: row.text(4),
                                          source: row.text(5), schema: row.optionalText(6), profile: row.optionalText(7))
                    list.append((uuid, DatasetInput(tags: [], dataset: dataset)))
                }
                if let name = row.optionalText(8), let index = list.firstIndex(where: { $0.uuid == uuid }) {
                    list[index].input.tags.append(Tag(name, row.text(9)))
                }
                datasets[run] = list
            }
            let step = features.inputStep ? "step" : "NULL"
            for (run, model) in try db.query(
                "SELECT source_id, destination_id, \(step) FROM inputs WHERE source_type = 'RUN_OUTPUT' AND destination_type = 'MODEL_OUTPUT' AND source_id IN (\(list)) ORDER BY rowid",
                chunk, row: { ($0.text(0), ModelIO(modelID: $0.text(1), step: $0.optionalInt(2))) }) {
                outputs[run, default: []].append(model)
            }
            if modelInputs {
                for (run, model) in try db.query(
                    "SELECT source_id, destination_id FROM inputs WHERE source_type = 'RUN_INPUT' AND destination_type = 'MODEL_INPUT' AND source_id IN (\(list)) ORDER BY rowid",
                    chunk, row: { ($0.text(0), ModelIO(modelID: $0.text(1))) }) {
                    inputs[run, default: []].append(model)
                }
            }
        }
        return infos.map { info in
            var info = info
            let runTags = tags[info.runID] ?? []
            // Runs logged by MLflow <= 1.29 have no name column value: use the tag.
            if info.runName.isEmpty, let name = runTags.first(where: { $0.key == "mlflow.runName" })?.value {
                info.runName = name
            }
            return Run(info: info,
                       data: RunData(metrics: metrics[info.runID] ?? [], params: params[info.runID] ?? [], tags: runTags),
                       inputs: RunInputs(datasetInputs: (datasets[info.runID] ?? []).map(\.input),
                                         modelInputs: inputs[info.runID] ?? []),
                       outputs: RunOutputs(modelOutputs: outputs[info.runID] ?? []))
        }
    }

    // MARK: Metric history

    public func metricHistory(runID: String, key: String, maxResults: Int?, pageToken: String?) async throws -> Page<Metric> {
        if let maxResults, maxResults < 1 {
            throw MLflowError.invalidParameter("Invalid value \(maxResults) for parameter 'max_results' supplied. It must be a positive integer")
        }
        let offset = try PageToken.offset(pageToken)
        let step = features.metricStep ? "step" : "0"
        let isNaN = features.metricIsNaN ? "is_nan" : "0"
        let order = features.metricStep ? "timestamp, step, value" : "timestamp, value"
        let cacheKey = HistoryBoundaries.Key(runID: runID, key: key, offset: offset)
        // An unknown run gives an empty page, as a SQL-backed server answers {}:
        // `SqlAlchemyStore.get_metric_history` does not look the run up.
        return try read { db, bad in
            let version = try db.query("PRAGMA data_version") { $0.int(0) }.first ?? 0
            let index = try runIndexFitsHistory(runID: runID, key: key, db).map { " INDEXED BY \($0)" } ?? ""
            var sql = "SELECT value, timestamp, \(step), \(isNaN) FROM metrics\(index) WHERE run_uuid = ? AND \"key\" = ?"
            var bindings: [SQLValue] = [.text(runID), .text(key)]
            // Rows before `skip` in this query's order are the ones earlier pages returned.
            var skip = offset
            let boundary = offset > 0 ? historyBoundaries.withLock { $0.boundary(cacheKey, dataVersion: version) } : nil
            if let boundary {
                // Keyset continuation: start at the previous page's last (timestamp, step, value)
                // and skip the rows of that tie already returned; same order, no re-read.
                sql += features.metricStep ? " AND (timestamp, step, value) >= (?, ?, ?)" : " AND (timestamp, value) >= (?, ?)"
                bindings.append(.int(boundary.timestamp))
                if features.metricStep { bindings.append(.int(boundary.step)) }
                bindings.append(.double(boundary.value))
                skip = boundary.ties
            }
            sql += " ORDER BY \(order)"
            if let maxResults {
                sql += " LIMIT ? OFFSET ?"
                bindings += [.int(Int64(maxResults) + 1), .int(Int64(skip))]
            } else if skip > 0 {
                sql += " LIMIT -1 OFFSET ?"
                bindings.append(.int(Int64(skip)))
            }
            // A row with a cell MLflow would not write is left out of the page but still counts
            // for paging, so the next page starts where MLflow's would.
            var usable: [Bool] = []
            var rows = try db.query(sql, bindings) { row -> HistoryBoundaries.Row in
                let metric = bad.metric(row, value: 0, timestamp: 1, step: 2, isNaN: 3, "metrics", run: runID)
                usable.append(metric != nil)
                return metric ?? HistoryBoundaries.Row(value: row.double(0), timestamp: row.int(1), step: row.int(2), isNaN: false)
            }
            var next: String?
            if let maxResults, rows.count > maxResults {
                rows.removeLast(rows.count - maxResults)
                usable.removeLast(usable.count - maxResults)
                next = PageToken.encode(offset: offset + maxResults)
                // Keyset continuation needs every row's real values: plain offsets otherwise.
                if !usable.contains(false),
                   let end = HistoryBoundaries.boundary(after: rows, startingAfter: offset == 0 ? .start : boundary.map { .known($0) } ?? .unknown, dataVersion: version) {
                    let next = HistoryBoundaries.Key(runID: runID, key: key, offset: offset + maxResults)
                    historyBoundaries.withLock { $0.remember(next, end) }
                }
            }
            return Page(items: zip(rows, usable).filter(\.1).map(\.0).map {
                            Metric(key: key, value: $0.isNaN ? .nan : $0.value, timestamp: $0.timestamp, step: $0.step)
                        }, nextPageToken: next)
        }
    }

    /// The metrics index led by run_uuid, when this run's history of `key` is short enough to
    /// read through it and sort. A long history (a million points, read page by page) is left
    /// to the (key, timestamp, …) primary key, which returns it in order without sorting.
    private func runIndexFitsHistory(runID: String, key: String, _ db: SQLiteConnection) throws -> String? {
        guard let index = features.metricHistoryIndex else { return nil }
        let limit = 10_000
        let count = try db.query("SELECT count(*) FROM (SELECT 1 FROM metrics INDEXED BY \(index) WHERE run_uuid = ? AND \"key\" = ? LIMIT ?)",
                                 [.text(runID), .text(key), .int(Int64(limit) + 1)]) { $0.int(0) }.first ?? 0
        return count <= limit ? index : nil
    }

    // MARK: Artifacts

    public func listArtifacts(runID: String, path: String?) async throws -> ArtifactListing {
        let (uri, artifacts) = try artifactRoot(runID: runID)
        _ = try LocalArtifacts.components(of: path)
        // Non-local roots (s3://, mlflow-artifacts:) go through the repository MLflow would pick
        // (`artifact_repository_registry.py` `get_artifact_repository`).
        let repository: any ArtifactRepository = try artifacts ?? artifactRepository(for: uri, trackingURI: nil)
        return ArtifactListing(rootURI: uri, files: try await repository.list(path: path))
    }

    public func openArtifact(runID: String, path: String) async throws -> any ArtifactContent {
        let (uri, artifacts) = try artifactRoot(runID: runID)
        _ = try LocalArtifacts.components(of: path)
        let repository: any ArtifactRepository = try artifacts ?? artifactRepository(for: uri, trackingURI: nil)
        return try await repository.open(path: path)
    }

    /// The run's artifact URI and, when it is local, its directory. A store copied from another
    /// machine keeps the old absolute path; then `<db dir>/mlruns/<exp>/<run>/artifacts` (the
    /// default `./mlruns` next to mlflow.db, `DEFAULT_LOCAL_FILE_AND_ARTIFACT_PATH` in
    /// `mlflow/store/tracking/__init__.py`) is used if it exists.
    private func artifactRoot(runID: String) throws -> (String, LocalArtifacts?) {
        let rows = try read { db, bad in
            try db.query("SELECT artifact_uri, experiment_id FROM runs WHERE run_uuid = ?", [.text(runID)]) {
                ($0.text(0), $0.optionalInt(1).map { String($0) } ?? "")
            }
        }
        guard let (uri, experimentID) = rows.first else { throw MLflowError.notFound("Run with id=\(runID) not found") }
        let local = LocalArtifacts.localPath(of: uri)
        var isDir: ObjCBool = false
        if let local, FileManager.default.fileExists(atPath: local, isDirectory: &isDir), isDir.boolValue {
            return (uri, LocalArtifacts(root: local))
        }
        let fallback = ((path as NSString).deletingLastPathComponent as NSString)
            .appendingPathComponent("mlruns/\(experimentID)/\(runID)/artifacts")
        if FileManager.default.fileExists(atPath: fallback, isDirectory: &isDir), isDir.boolValue {
            let first = warnedFallback.withLock { $0.insert(experimentID).inserted }
            if first { warn("artifacts of experiment \(experimentID) are not where the store says (\(uri)); reading \(fallback)") }
            return (uri, LocalArtifacts(root: fallback))
        }
        // A local root that does not exist (yet) lists as empty, as MLflow's local repository does.
        return (uri, local.map(LocalArtifacts.init(root:)))
    }

    // MARK: Shared

    private func stages(_ view: ViewType) -> [LifecycleStage] {
        switch view {
        case .activeOnly: return [.active]
        case .deletedOnly: return [.deleted]
        case .all: return [.active, .deleted]
        }
    }

    private func validateMaxResults(_ maxResults: Int) throws {
        if maxResults < 1 {
            throw MLflowError.invalidParameter("Invalid value \(maxResults) for parameter 'max_results' supplied. It must be a positive integer")
        }
        if maxResults > RunSearch.maxResultsLimit {
            throw MLflowError.invalidParameter("Invalid value \(maxResults) for parameter 'max_results' supplied. It must be at most \(RunSearch.maxResultsLimit)")
        }
    }
}

/// Batches of at most 500 values, below SQLite's bound-parameter limit (as MLflow batches too).
private func chunked(_ values: [SQLValue]) -> [[SQLValue]] {
    stride(from: 0, to: values.count, by: 500).map { Array(values[$0..<min($0 + 500, values.count)]) }
}

private func marks(_ n: Int) -> String { Array(repeating: "?", count: n).joined(separator: ", ") }
