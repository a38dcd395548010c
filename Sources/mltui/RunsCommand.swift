import ArgumentParser
import Foundation
import Tracking
import TUI

struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "Search runs (as MLflow's runs/search, every page followed).")

    @OptionGroup var store: StoreOptions
    @Option(name: .customLong("experiment-name"), help: ArgumentHelp("Experiment name (repeatable).", valueName: "name"))
    var experimentNames: [String] = []
    @Option(name: .customLong("experiment-id"), help: ArgumentHelp("Experiment id (repeatable).", valueName: "id"))
    var experimentIDs: [String] = []
    @Option(help: "MLflow search filter, e.g. \"params.model = 'gpt-4o' and metrics.latency_p95 < 1200\".") var filter: String = ""
    @Option(help: "Order, e.g. 'metrics.rmse DESC' (repeatable).") var orderBy: [String] = []
    @Option(help: "ACTIVE_ONLY, DELETED_ONLY or ALL.") var viewType: ViewType = .activeOnly
    @Option(help: "At most this many runs in all (default: every run).") var maxResults: Int?
    @Option(help: "table, csv or json.") var format: OutputFormat = .table
    @Option(help: ArgumentHelp("Columns after run_id for table and csv output, in MLflow's key syntax, e.g. "
                               + "metrics.f1,params.lr,tags.team,attributes.status (default: table: the run's "
                               + "attributes and the --order-by keys; csv: every attribute, metric, param and tag).",
                               valueName: "keys"))
    var columns: String?

    func validate() throws {
        if experimentNames.isEmpty && experimentIDs.isEmpty {
            throw ValidationError("Name at least one experiment with --experiment-id or --experiment-name.")
        }
        if let maxResults, maxResults < 1 { throw ValidationError("--max-results must be a positive integer.") }
        if columns != nil && format == .json {
            throw ValidationError("--columns applies to table and csv output; json keeps MLflow's runs/search shape.")
        }
    }

    func run() async throws {
        try await Output.reporting(format) {
            let fields = try columns.map(RunField.parseList)
            let store = try store.open()
            var ids = experimentIDs
            for name in experimentNames { ids.append(try await store.getExperimentByName(name).experimentID) }
            let runs = try await searchAll(store, experimentIDs: ids)
            switch format {
            case .json: Output.json(RESTResponse.runs(runs))
            case .csv:
                let (header, rows) = fields.map { RunsCommand.chosen(runs, $0, exact: true) } ?? RunsCommand.frame(runs)
                Output.csv(header: header, rows: rows)
            case .table:
                let (header, rows) = fields.map { RunsCommand.chosen(runs, $0, exact: false) } ?? RunsCommand.summary(runs, orderBy: orderBy)
                Output.table(header: header, rows: rows)
            }
        }
    }

    /// Pages through the results; pages are as large as MLflow allows, so a local store sorts once.
    private func searchAll(_ store: any TrackingStore, experimentIDs: [String]) async throws -> [Run] {
        var runs: [Run] = []
        var request = RunSearch(experimentIDs: experimentIDs, filter: filter, orderBy: orderBy, viewType: viewType)
        while true {
            let remaining = (maxResults ?? Int.max) - runs.count
            request.maxResults = min(remaining, RunSearch.maxResultsLimit)
            let page = try await store.searchRuns(request)
            runs += page.items
            guard let token = page.nextPageToken, runs.count < (maxResults ?? Int.max) else { return runs }
            request.pageToken = token
        }
    }

    /// run_id (once, even if listed), then the `--columns` fields.
    static func chosen(_ runs: [Run], _ fields: [RunField], exact: Bool) -> (header: [String], rows: [[String]]) {
        let fields = fields.filter { $0.header != "run_id" }
        return (["run_id"] + fields.map(\.header), runs.map { run in [run.info.runID] + fields.map { $0.value(of: run, exact: exact) } })
    }

    /// The default table: who ran what, when and for how long, then the columns of the
    /// `--order-by` keys not already shown (the rows' order should be visible in them).
    static func summary(_ runs: [Run], orderBy: [String]) -> (header: [String], rows: [[String]]) {
        let header = ["run_id", "run_name", "status", "start_time", "duration", "user_id"]
        var extra: [RunField] = []
        for field in RunField.ordering(orderBy) where !header.contains(field.header) && !extra.contains(field) { extra.append(field) }
        let now = Date().timeIntervalSince1970
        let rows = runs.map { run in
            [run.info.runID, run.info.runName, run.info.status.rawValue, TimeText.local(run.info.startTime),
             formatDuration(run, now: now), run.info.userID] + extra.map { $0.value(of: run, exact: false) }
        }
        return (header + extra.map(\.header), rows)
    }

    /// The columns of `mlflow.search_runs`' data frame: run attributes, then metrics.*, params.*,
    /// tags.* for every key seen, each group sorted.
    static func frame(_ runs: [Run]) -> (header: [String], rows: [[String]]) {
        var metricKeys = Set<String>(), paramKeys = Set<String>(), tagKeys = Set<String>()
        for run in runs {
            run.data.metrics.forEach { metricKeys.insert($0.key) }
            run.data.params.forEach { paramKeys.insert($0.key) }
            run.data.tags.forEach { tagKeys.insert($0.key) }
        }
        let metrics = metricKeys.sorted(), params = paramKeys.sorted(), tags = tagKeys.sorted()
        let header = ["run_id", "experiment_id", "status", "artifact_uri", "start_time", "end_time"]
            + metrics.map { "metrics.\($0)" } + params.map { "params.\($0)" } + tags.map { "tags.\($0)" }
        let rows = runs.map { run -> [String] in
            var row = [run.info.runID, run.info.experimentID, run.info.status.rawValue, run.info.artifactURI,
                       run.info.startTime.map(String.init) ?? "", run.info.endTime.map(String.init) ?? ""]
            row += metrics.map { key in run.data.metric(key).map { JSONWriter.pythonRepr($0.value) } ?? "" }
            row += params.map { run.data.param($0) ?? "" }
            row += tags.map { run.data.tag($0) ?? "" }
            return row
        }
        return (header, rows)
    }
}
