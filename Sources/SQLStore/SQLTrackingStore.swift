import CSQLite
import Foundation
import Tracking
import Artifacts

/// Reads an MLflow SQL database, SQLite or PostgreSQL (schema:
/// `mlflow/store/tracking/dbmodels/models.py`), the way MLflow 3.17.2's SqlAlchemyStore answers
/// over it, without ever writing to it or holding a lock beyond one short read transaction. The
/// SQL is one text for both engines except where `SQLDialect` says otherwise, so PostgreSQL
/// orders, compares and collates as it does for MLflow.
public final class SQLTrackingStore: TrackingStore, Sendable {
    public let uri: String
    /// The database file; for PostgreSQL, its URI without the password. Messages name it.
    public let path: String
    /// The SQLite database file, whose folder holds MLflow's default artifact root.
    private let sqliteFile: String?
    private let connections: ReadConnections
    let features: SchemaFeatures
    /// The alembic revision of the database (`alembic_version`).
    public let schemaVersion: String
    /// The newest revision this reader knows, and the MLflow release it comes from.
    public static let newestSchema = SchemaCheck.head
    public static let mlflowVersion = "3.17.2"
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
        sqliteFile = absolute
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
            let db = try SQLTrackingStore.connect(absolute)
            (features, version) = try SchemaCheck.check(db, uri: uri)
            connections = ReadConnections(first: db, capacity: ReadConnections.defaultCapacity) {
                try SQLTrackingStore.connect(absolute)
            }
        } catch {
            throw SQLTrackingStore.mlflowError(error, path: absolute)
        }
        schemaVersion = version
        if version != SchemaCheck.head {
            warn("\(uri) has MLflow schema version \(version), older than MLflow 3.17.2's \(SchemaCheck.head); reading what it has")
        }
    }

    /// Opens MLflow's PostgreSQL database at `target` to read, checking its schema as for SQLite.
    public init(postgres target: PostgresTarget, warn: @escaping @Sendable (String) -> Void) throws {
        path = target.redacted
        uri = target.redacted
        sqliteFile = nil
        self.warn = warn
        let version: String
        do {
            let db = try PostgresConnection(target)
            (features, version) = try SchemaCheck.check(db, uri: target.redacted)
            connections = ReadConnections(first: db, capacity: ReadConnections.defaultCapacity) {
                try PostgresConnection(target)
            }
        } catch {
            throw SQLTrackingStore.mlflowError(error, path: target.redacted)
        }
        schemaVersion = version
        if version != SchemaCheck.head {
            warn("\(target.redacted) has MLflow schema version \(version), older than MLflow 3.17.2's \(SchemaCheck.head); reading what it has")
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
    /// On PostgreSQL the transaction is REPEATABLE READ (one snapshot, as SQLite's) and READ ONLY.
    func read<T>(_ body: (any SQLConnection, inout BadCells) throws -> T) throws -> T {
        var bad = BadCells()
        defer { report(bad) }
        func attempt() throws -> T {
            try connections.with { db in
                try db.transaction(db.dialect == .sqlite ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY") {
                    try body(db, &bad)
                }
            }
        }
        do {
            do {
                return try attempt()
            } catch let e as PostgresError where e.connectionLost {
                // PostgreSQL restarted or a proxy dropped idle connections: the pooled ones are
                // gone. A read changes nothing, so it is run again once on a new connection.
                connections.discardIdle()
                bad = BadCells()
                return try attempt()
            }
        } catch {
            throw SQLTrackingStore.mlflowError(error, path: path)
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
        if let e = error as? PostgresError {
            // A server that is down or gone mid-read: the next request may find it back.
            if e.connectionLost { return MLflowError(.temporarilyUnavailable, e.message) }
            return MLflowError(.internalError, "reading \(path) failed: \(e.message)")
        }
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
        return try await BlockingWork.run { try self.searchExperiments(request, parsedFilter: filter, orderBy: orderBy) }
    }

    /// `searchExperiments` over an already parsed filter and ordering.
    func searchExperiments(_ request: ExperimentSearch, parsedFilter filter: Filter, orderBy: [OrderClause]) throws -> Page<Experiment> {
        try validateMaxResults(request.maxResults)
        let offset = try PageToken.offset(request.pageToken)
        let query = try ExperimentSearchSQL(stages: stages(request.viewType), filter: filter, orderBy: orderBy,
                                            limit: request.maxResults + 1, offset: offset)
            .build(features: features)
        return try read { db, bad in
            var experiments = try db.query(query.sql, query.bindings, columns: ExperimentColumns.init) { experiment($0, $1, &bad) }
            let next = experiments.count > request.maxResults ? PageToken.encode(offset: offset + request.maxResults) : nil
            experiments = Array(experiments.prefix(request.maxResults))
            try attachTags(&experiments, db, &bad)
            return Page(items: experiments, nextPageToken: next)
        }
    }

    public func getExperiment(id: String) async throws -> Experiment {
        // MLflow reads an empty id as the Default experiment "0".
        let number = try parseExperimentID(id.isEmpty ? "0" : id)
        return try await BlockingWork.run { try self.experiment(where: "e.experiment_id = ?", .int(number), notFound: "No Experiment with id=\(number) exists") }
    }

    public func getExperimentByName(_ name: String) async throws -> Experiment {
        try await BlockingWork.run { try self.experiment(where: "e.name = ?", .text(name), notFound: "Could not find experiment with name '\(name)'") }
    }

    /// The one experiment matching `condition` (with one placeholder for `value`), with its tags.
    private func experiment(where condition: String, _ value: SQLValue, notFound: String) throws -> Experiment {
        try read { db, bad in
            var found = try db.query("SELECT \(experimentColumns) FROM experiments e WHERE \(condition)", [value],
                                     columns: ExperimentColumns.init) { experiment($0, $1, &bad) }
            guard !found.isEmpty else { throw MLflowError.notFound(notFound) }
            try attachTags(&found, db, &bad)
            return found[0]
        }
    }

    private var experimentColumns: String {
        (features.experimentTimes ? ExperimentSearchSQL.columns
            : "e.experiment_id, e.name, e.artifact_location, e.lifecycle_stage, NULL AS creation_time, NULL AS last_update_time")
            + (features.workspace ? ", e.workspace" : ", NULL AS workspace")
    }

    private func experiment(_ row: SQLRow, _ c: ExperimentColumns, _ bad: inout BadCells) -> Experiment {
        Experiment(experimentID: String(row.int(c.id)), name: row.text(c.name), artifactLocation: row.optionalText(c.artifactLocation),
                   lifecycleStage: bad.stage(row, c.stage, "experiments"),
                   creationTime: bad.optionalInteger(row, c.creationTime, "experiments.creation_time"),
                   lastUpdateTime: bad.optionalInteger(row, c.lastUpdateTime, "experiments.last_update_time"),
                   workspace: row.optionalText(c.workspace))
    }

    private func attachTags(_ experiments: inout [Experiment], _ db: any SQLConnection, _ bad: inout BadCells) throws {
        let ids = experiments.map { SQLValue.int(Int64($0.experimentID) ?? -1) }
        var tags: [String: [Tag]] = [:]
        for chunk in chunked(ids) {
            let sql = "SELECT experiment_id, \"key\", value FROM experiment_tags WHERE experiment_id IN (\(marks(chunk.count))) ORDER BY \(db.dialect.rowOrder())"
            for (id, tag) in try db.query(sql, chunk, columns: { try (id: $0["experiment_id"], key: $0["key"], value: $0["value"]) },
                                          row: { row, c -> (String, Tag?) in
                (String(row.int(c.id)), bad.tagValue(row, c.value, "experiment_tags.value").map { Tag(row.text(c.key), $0) })
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
        return try await BlockingWork.run { try self.searchRuns(request, filter: filter, orderBy: orderBy) }
    }

    /// `searchRuns` over an already parsed filter and ordering.
    func searchRuns(_ request: RunSearch, filter: Filter, orderBy: [OrderClause]) throws -> Page<Run> {
        var sql = RunSearchSQL(experimentIDs: [], stages: stages(request.viewType), filter: filter, orderBy: orderBy,
                               limit: request.maxResults + 1, offset: 0, features: features,
                               orderByText: request.orderBy, rowIDsOnly: features.dialect == .sqlite)
        _ = try sql.build()   // order_by and filter errors come before page-token and id errors
        sql.offset = try PageToken.offset(request.pageToken)
        sql.experimentIDs = try request.experimentIDs.map(parseExperimentID)
        let query = try sql.build()
        let offset = sql.offset
        let key = PageCache.key(query.sql + (request.withData ? "" : " -- infos only"), query.bindings,
                                maxResults: request.maxResults)
        return try read { connection, bad in
            guard let db = connection as? SQLiteConnection else {
                let db = connection
                // PostgreSQL has no data_version to prove a kept page or column current for every
                // client, so nothing is kept: each search is one statement (whole rows) over the snapshot.
                let infos = try db.query(query.sql, query.bindings, columns: RunInfoColumns.init) { runInfo($0, $1, &bad) }
                let next = infos.count > request.maxResults ? PageToken.encode(offset: offset + request.maxResults) : nil
                let page = Array(infos.prefix(request.maxResults))
                return Page(items: request.withData ? try loadRuns(page, db, &bad, modelInputs: false) : page.map { Run(info: $0) },
                            nextPageToken: next)
            }
            // Taken first, it also starts the read transaction: the version is this snapshot's.
            let version = try db.values("PRAGMA data_version") { $0.int($1) }.first ?? -1
            if let page = db.pages.page(key, version: version) { return page }
            // The page's runs in order first, then their columns (one snapshot: same transaction).
            let rowIDs = try columnSearch(sql, filter: filter, orderBy: orderBy, version: version, db)
                ?? db.values(query.sql, query.bindings) { $0.int($1) }
            let next = rowIDs.count > request.maxResults ? PageToken.encode(offset: offset + request.maxResults) : nil
            let infos = try runInfos(rowIDs: Array(rowIDs.prefix(request.maxResults)), db, &bad)
            let runs = request.withData ? try loadRuns(infos, db, &bad, modelInputs: false) : infos.map { Run(info: $0) }
            let page = Page(items: runs, nextPageToken: next)
            db.pages.store(page, key: key, version: version)
            return page
        }
    }

    /// How `searchRuns` finds a page's rowids; tests force each path to compare them.
    enum RunSearchPath { case automatic, sql, columns }
    var runSearchPath: RunSearchPath {
        get { searchPath.current }
        set { searchPath.withLock { $0 = newValue } }
    }
    private let searchPath = Locked(RunSearchPath.automatic)
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
    private func runInfos(rowIDs: [Int64], _ db: any SQLConnection, _ bad: inout BadCells) throws -> [RunInfo] {
        var byRowID: [Int64: RunInfo] = [:]
        for chunk in chunked(rowIDs.map { SQLValue.int($0) }) {
            let sql = "SELECT \(RunSearchSQL.runColumns(features)), r.rowid FROM runs r WHERE r.rowid IN (\(marks(chunk.count)))"
            for (rowID, info) in try db.query(sql, chunk, columns: { try ($0["rowid"], RunInfoColumns($0)) },
                                              row: { row, c in (row.int(c.0), runInfo(row, c.1, &bad)) }) {
                byRowID[rowID] = info
            }
        }
        return rowIDs.compactMap { byRowID[$0] }
    }

    public func getRun(id: String) async throws -> Run {
        try await BlockingWork.run { try self.run(id: id) }
    }

    private func run(id: String) throws -> Run {
        try read { db, bad in
            let infos = try db.query("SELECT \(RunSearchSQL.runColumns(features)) FROM runs r WHERE r.run_uuid = ?",
                                     [.text(id)], columns: RunInfoColumns.init) { runInfo($0, $1, &bad) }
            guard let info = infos.first else { throw MLflowError.notFound("Run with id=\(id) not found") }
            return try loadRuns([info], db, &bad, modelInputs: true)[0]
        }
    }

    private func runInfo(_ row: SQLRow, _ c: RunInfoColumns, _ bad: inout BadCells) -> RunInfo {
        let runID = row.text(c.runID)
        return RunInfo(runID: runID, experimentID: row.optionalInt(c.experimentID).map { String($0) } ?? "",
                       runName: row.text(c.name), userID: row.text(c.userID),
                       status: bad.status(row, c.status, run: runID),
                       startTime: bad.optionalInteger(row, c.startTime, "runs.start_time", run: runID),
                       endTime: bad.optionalInteger(row, c.endTime, "runs.end_time", run: runID), artifactURI: row.text(c.artifactURI),
                       lifecycleStage: bad.stage(row, c.stage, "runs", run: runID))
    }

    /// Loads latest metrics, params, tags, dataset inputs and model outputs of a page of runs
    /// with one IN (...) query per table, as `SqlAlchemyStore._get_eager_run_query_options`'s
    /// `selectinload`s do.
    private func loadRuns(_ infos: [RunInfo], _ db: any SQLConnection, _ bad: inout BadCells, modelInputs: Bool) throws -> [Run] {
        guard !infos.isEmpty else { return [] }
        let ids = infos.map { SQLValue.text($0.runID) }
        var metrics: [String: [Metric]] = [:]
        var params: [String: [Param]] = [:]
        var tags: [String: [Tag]] = [:]
        var datasets: [String: [(uuid: String, input: DatasetInput)]] = [:]
        var outputs: [String: [ModelIO]] = [:]
        var inputs: [String: [ModelIO]] = [:]
        let order = db.dialect.rowOrder()
        for chunk in chunked(ids) {
            let list = marks(chunk.count)
            for (run, metric) in try db.query(
                "SELECT run_uuid, \"key\", value, timestamp, step, is_nan FROM latest_metrics WHERE run_uuid IN (\(list)) ORDER BY \(order)",
                chunk, columns: { try (run: $0["run_uuid"], key: $0["key"], metric: MetricColumns($0)) },
                row: { row, c -> (String, Metric?) in
                    let run = row.text(c.run)
                    guard let metric = bad.metric(row, c.metric, "latest_metrics", run: run) else {
                        return (run, nil)
                    }
                    return (run, Metric(key: row.text(c.key), value: metric.isNaN ? .nan : metric.value,
                                        timestamp: metric.timestamp, step: metric.step))
                }) {
                if let metric { metrics[run, default: []].append(metric) }
            }
            for (run, param) in try db.query("SELECT run_uuid, \"key\", value FROM params WHERE run_uuid IN (\(list)) ORDER BY \(order)",
                                             chunk, columns: KeyValueColumns.init, row: { row, c -> (String, Param?) in
                                                 (row.text(c.run), bad.text(row, c.value, "params.value", run: row.text(c.run)).map { Param(row.text(c.key), $0) })
                                             }) {
                if let param { params[run, default: []].append(param) }
            }
            for (run, tag) in try db.query("SELECT run_uuid, \"key\", value FROM tags WHERE run_uuid IN (\(list)) ORDER BY \(order)",
                                           chunk, columns: KeyValueColumns.init, row: { row, c -> (String, Tag?) in
                                               (row.text(c.run), bad.tagValue(row, c.value, "tags.value", run: row.text(c.run)).map { Tag(row.text(c.key), $0) })
                                           }) {
                if let tag { tags[run, default: []].append(tag) }
            }
            guard features.datasets else { continue }
            let datasetSQL = """
                SELECT i.destination_id, d.dataset_uuid, d.name, d.digest, d.dataset_source_type, d.dataset_source,
                       d.dataset_schema, d.dataset_profile, it.name AS tag_key, it.value AS tag_value
                FROM inputs i JOIN datasets d ON i.source_id = d.dataset_uuid
                LEFT JOIN input_tags it ON it.input_uuid = i.input_uuid
                WHERE i.destination_type = 'RUN' AND i.destination_id IN (\(list))
                ORDER BY i.destination_id, \(db.dialect.rowOrder("i")), \(db.dialect.rowOrder("it"))
                """
            _ = try db.query(datasetSQL, chunk, columns: DatasetColumns.init) { row, c in
                let run = row.text(c.run), uuid = row.text(c.uuid)
                var list = datasets[run, default: []]
                if !list.contains(where: { $0.uuid == uuid }) {
                    let dataset = Dataset(name: row.text(c.name), digest: row.text(c.digest), sourceType: row.text(c.sourceType),
                                          source: row.text(c.source), schema: row.optionalText(c.schema), profile: row.optionalText(c.profile))
                    list.append((uuid, DatasetInput(tags: [], dataset: dataset)))
                }
                if let name = row.optionalText(c.tagKey), let index = list.firstIndex(where: { $0.uuid == uuid }) {
                    list[index].input.tags.append(Tag(name, row.text(c.tagValue)))
                }
                datasets[run] = list
            }
            let step = features.inputStep ? "step" : "NULL AS step"
            for (run, model) in try db.query(
                "SELECT source_id, destination_id, \(step) FROM inputs WHERE source_type = 'RUN_OUTPUT' AND destination_type = 'MODEL_OUTPUT' AND source_id IN (\(list)) ORDER BY source_id, destination_id",
                chunk, columns: { try (run: $0["source_id"], model: $0["destination_id"], step: $0["step"]) },
                row: { row, c in (row.text(c.run), ModelIO(modelID: row.text(c.model), step: row.optionalInt(c.step))) }) {
                outputs[run, default: []].append(model)
            }
            if modelInputs {
                for (run, model) in try db.query(
                    "SELECT source_id, destination_id FROM inputs WHERE source_type = 'RUN_INPUT' AND destination_type = 'MODEL_INPUT' AND source_id IN (\(list)) ORDER BY source_id, destination_id",
                    chunk, columns: { try (run: $0["source_id"], model: $0["destination_id"]) },
                    row: { row, c in (row.text(c.run), ModelIO(modelID: row.text(c.model))) }) {
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
        return try await BlockingWork.run { try self.metricHistory(runID: runID, key: key, maxResults: maxResults, offset: offset) }
    }

    private func metricHistory(runID: String, key: String, maxResults: Int?, offset: Int) throws -> Page<Metric> {
        let step = features.metricStep ? "step" : "0 AS step"
        let isNaN = features.metricIsNaN ? "is_nan" : "0 AS is_nan"
        let order = features.metricStep ? "timestamp, step, value" : "timestamp, value"
        let cacheKey = HistoryBoundaries.Key(runID: runID, key: key, offset: offset)
        // An unknown run gives an empty page, as a SQL-backed server answers {}:
        // `SqlAlchemyStore.get_metric_history` does not look the run up.
        return try read { db, bad in
            // PostgreSQL has no data_version: no page boundary is kept (nil never matches).
            let version = db.dialect == .sqlite ? try db.values("PRAGMA data_version") { $0.int($1) }.first ?? 0 : nil
            let index = try runIndexFitsHistory(runID: runID, key: key, db).map { " INDEXED BY \($0)" } ?? ""
            var sql = "SELECT value, timestamp, \(step), \(isNaN) FROM metrics\(index) WHERE run_uuid = ? AND \"key\" = ?"
            var bindings: [SQLValue] = [.text(runID), .text(key)]
            // Rows before `skip` in this query's order are the ones earlier pages returned.
            var skip = offset
            let boundary = offset > 0 ? version.flatMap { v in historyBoundaries.withLock { $0.boundary(cacheKey, dataVersion: v) } } : nil
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
                sql += " \(db.dialect.noLimit) OFFSET ?"
                bindings.append(.int(Int64(skip)))
            }
            // A row with a cell MLflow would not write is left out of the page but still counts
            // for paging, so the next page starts where MLflow's would.
            var usable: [Bool] = []
            var rows = try db.query(sql, bindings, columns: MetricColumns.init) { row, c -> HistoryBoundaries.Row in
                let metric = bad.metric(row, c, "metrics", run: runID)
                usable.append(metric != nil)
                return metric ?? HistoryBoundaries.Row(value: row.double(c.value), timestamp: row.int(c.timestamp), step: row.int(c.step), isNaN: false)
            }
            var next: String?
            if let maxResults, rows.count > maxResults {
                rows.removeLast(rows.count - maxResults)
                usable.removeLast(usable.count - maxResults)
                next = PageToken.encode(offset: offset + maxResults)
                // Keyset continuation needs every row's real values: plain offsets otherwise.
                if !usable.contains(false), let version,
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

    /// The points after the last one held, from its `(timestamp, step, value)` on: one range of
    /// the metrics primary key (key, timestamp, step, …), so a tick reads what was logged since,
    /// however long the history. The held point must be the range's first row (else the run's
    /// history was replaced: nil, read it whole). A point logged since with a timestamp before the
    /// held one sorts before it and is not in the range: the UI's Ctrl-R reads the chart whole.
    public func metricHistoryTail(runID: String, key: String, after held: HistoryHeld) async throws -> [Metric]? {
        guard let last = held.last, held.count > 0, features.metricStep else {
            return try await pagedHistoryTail(runID: runID, key: key, after: held)
        }
        let isNaN = features.metricIsNaN ? "is_nan" : "0 AS is_nan"
        return try await BlockingWork.run {
            try self.read { db, bad in
                let sql = "SELECT value, timestamp, step, \(isNaN) FROM metrics WHERE \"key\" = ? AND run_uuid = ?"
                    + " AND (timestamp, step, value) >= (?, ?, ?) ORDER BY timestamp, step, value"
                let bindings: [SQLValue] = [.text(key), .text(runID), .int(last.timestamp), .int(last.step),
                                            .double(last.value.isNaN ? 0 : last.value)]
                let rows = try db.query(sql, bindings, columns: MetricColumns.init) { row, c in
                    bad.metric(row, c, "metrics", run: runID)
                }
                let points = rows.compactMap { $0 }.map {
                    Metric(key: key, value: $0.isNaN ? .nan : $0.value, timestamp: $0.timestamp, step: $0.step)
                }
                guard let first = points.first, HistoryHeld.samePoint(first, last) else { return nil }
                return Array(points.dropFirst())
            }
        }
    }

    /// The metrics index led by run_uuid, when this run's history of `key` is short enough to
    /// read through it and sort. A long history (a million points, read page by page) is left
    /// to the (key, timestamp, …) primary key, which returns it in order without sorting.
    private func runIndexFitsHistory(runID: String, key: String, _ db: any SQLConnection) throws -> String? {
        guard db.dialect == .sqlite, let index = features.metricHistoryIndex else { return nil }
        let limit = 10_000
        let count = try db.values("SELECT count(*) FROM (SELECT 1 FROM metrics INDEXED BY \(index) WHERE run_uuid = ? AND \"key\" = ? LIMIT ?)",
                                  [.text(runID), .text(key), .int(Int64(limit) + 1)]) { $0.int($1) }.first ?? 0
        return count <= limit ? index : nil
    }

    // MARK: Artifacts

    public func listArtifacts(runID: String, path: String?) async throws -> ArtifactListing {
        let (uri, artifacts) = try await BlockingWork.run { try self.artifactRoot(runID: runID) }
        _ = try LocalArtifacts.components(of: path)
        // Non-local roots (s3://, mlflow-artifacts:) go through the repository MLflow would pick
        // (`artifact_repository_registry.py` `get_artifact_repository`).
        let repository: any ArtifactRepository = try artifacts ?? artifactRepository(for: uri, trackingURI: nil)
        return ArtifactListing(rootURI: uri, files: try await repository.listOffThePool(path: path))
    }

    public func openArtifact(runID: String, path: String) async throws -> any ArtifactContent {
        let (uri, artifacts) = try await BlockingWork.run { try self.artifactRoot(runID: runID) }
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
            try db.query("SELECT artifact_uri, experiment_id FROM runs WHERE run_uuid = ?", [.text(runID)],
                         columns: { try (uri: $0["artifact_uri"], experiment: $0["experiment_id"]) }) { row, c in
                (row.text(c.uri), row.optionalInt(c.experiment).map { String($0) } ?? "")
            }
        }
        guard let (uri, experimentID) = rows.first else { throw MLflowError.notFound("Run with id=\(runID) not found") }
        return (uri, localArtifacts(uri, experimentID: experimentID, fallback: "mlruns/\(experimentID)/\(runID)/artifacts"))
    }

    /// The local folder of an artifact URI; when it is missing, `fallback` (relative to the
    /// database's folder) if that exists; nil for a non-local URI.
    func localArtifacts(_ uri: String, experimentID: String, fallback relative: String) -> LocalArtifacts? {
        let local = LocalArtifacts.localPath(of: uri)
        var isDir: ObjCBool = false
        if let local, FileManager.default.fileExists(atPath: local, isDirectory: &isDir), isDir.boolValue {
            return LocalArtifacts(root: local)
        }
        guard let sqliteFile else { return local.map(LocalArtifacts.init(root:)) }
        let fallback = ((sqliteFile as NSString).deletingLastPathComponent as NSString).appendingPathComponent(relative)
        if FileManager.default.fileExists(atPath: fallback, isDirectory: &isDir), isDir.boolValue {
            let first = warnedFallback.withLock { $0.insert(experimentID).inserted }
            if first { warn("artifacts of experiment \(experimentID) are not where the store says (\(uri)); reading \(fallback)") }
            return LocalArtifacts(root: fallback)
        }
        // A local root that does not exist (yet) lists as empty, as MLflow's local repository does.
        return local.map(LocalArtifacts.init(root:))
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
func chunked(_ values: [SQLValue]) -> [[SQLValue]] {
    stride(from: 0, to: values.count, by: 500).map { Array(values[$0..<min($0 + 500, values.count)]) }
}

