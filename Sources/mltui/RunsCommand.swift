import Analysis
import ArgumentParser
import Foundation
import Tracking
import TUI

enum RunsFormat: String, ExpressibleByArgument, CaseIterable {
    case table, csv, json, md
}

struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs", abstract: "Search runs (as MLflow's runs/search, every page followed).",
        discussion: """
            Columns and group keys are written in MLflow's key syntax: metrics.f1, params.lr, \
            tags.team, attributes.status (or status), plus duration, datasets.name (the run's input \
            datasets), and best-of columns over a metric's whole history: min(metrics.loss), \
            max(metrics.acc), metrics.loss@100 (the value logged at step 100).

            --group-by prints one row per group: the group keys, count, and for each metric (or each \
            numeric --columns entry) .mean .min .max .median .std, as pandas' groupby(...).agg(...) on \
            mlflow.search_runs' frame (NaN skipped; std with one degree of freedom). Runs missing a key \
            form their own group, last.

            Examples:
              mltui runs --experiment-name sweep \\
                --columns 'params.lr,min(metrics.loss),metrics.loss@10'
              mltui runs --experiment-name sweep \\
                --group-by params.model,params.optimizer --format md
              mltui runs --experiment-name sweep --group-by tags.team \\
                --columns 'max(metrics.acc)' --format csv
            """)

    @OptionGroup var store: StoreOptions
    @Option(name: .customLong("experiment-name"), help: ArgumentHelp("Experiment name (repeatable).", valueName: "name"),
            completion: Completions.experiments)
    var experimentNames: [String] = []
    @Option(name: .customLong("experiment-id"), help: ArgumentHelp("Experiment id (repeatable).", valueName: "id"))
    var experimentIDs: [String] = []
    @Option(help: "MLflow search filter, e.g. \"params.model = 'gpt-4o' and metrics.latency_p95 < 1200\".") var filter: String = ""
    @Option(help: "Order, e.g. 'metrics.rmse DESC' (repeatable).") var orderBy: [String] = []
    @Option(help: "ACTIVE_ONLY, DELETED_ONLY or ALL.") var viewType: ViewType = .activeOnly
    @Option(help: "At most this many runs in all (default: every run).") var maxResults: Int?
    @Option(help: "table, csv, json or md (a Markdown table).") var format: RunsFormat = .table
    @Option(help: ArgumentHelp("Columns after run_id, e.g. metrics.f1,params.lr,tags.team,max(metrics.acc),metrics.loss@10 "
                               + "(default: table and md: the run's attributes and the --order-by keys; csv: every "
                               + "attribute, metric, param and tag; json: MLflow's runs/search answer).",
                               valueName: "keys"))
    var columns: String?
    @Option(name: .customLong("group-by"),
            help: ArgumentHelp("Group the runs by a param, tag, attribute or datasets.name (repeatable, or "
                               + "comma-separated), e.g. params.model.", valueName: "key"))
    var groupBy: [String] = []

    func validate() throws {
        if experimentNames.isEmpty && experimentIDs.isEmpty {
            throw ValidationError("Name at least one experiment with --experiment-id or --experiment-name.")
        }
        if let maxResults, maxResults < 1 { throw ValidationError("--max-results must be a positive integer.") }
    }

    func run() async throws {
        try await Output.reporting(jsonErrors: format == .json) {
            let chosen = try columns.map { try ColumnKey.parseList($0, naming: "--columns entry") }
            let groupKeys = try groupBy.flatMap { try ColumnKey.parseGroupKeys($0, naming: "--group-by entry") }
            let store = try store.open()
            var ids = experimentIDs
            for name in experimentNames { ids.append(try await store.getExperimentByName(name).experimentID) }
            var search = RunSearch(experimentIDs: ids, filter: filter, orderBy: orderBy, viewType: viewType)
            // A table of attributes and best-of columns needs no run's metrics, params or tags.
            search.withData = !(chosen.map { Self.infoOnly($0 + groupKeys) } ?? false)
            let runs = try await searchAll(store, search)
            if format == .json && chosen == nil && groupKeys.isEmpty {
                Output.json(RESTResponse.runs(runs))
                return
            }
            let spec = FrameSpec(search: search, columns: chosen ?? defaultColumns(runs, grouped: !groupKeys.isEmpty),
                                 groupBy: groupKeys)
            let summaries = try await Self.summaries(spec, of: runs, in: store)
            let frame = spec.frame(runs, summaries: summaries, now: Int64(Date().timeIntervalSince1970 * 1000))
            switch format {
            case .json: Output.write(FrameWriters.json(frame))
            case .csv: Output.write(FrameWriters.csv(frame))
            case .md: Output.write(FrameWriters.markdown(frame, display: displayText))
            case .table: Output.table(header: frame.header, rows: frame.rows.map { $0.map(displayText) })
            }
        }
    }

    /// Pages through the results; pages are as large as MLflow allows, so a local store sorts once.
    private func searchAll(_ store: any TrackingStore, _ search: RunSearch) async throws -> [Run] {
        var runs: [Run] = []
        var request = search
        while true {
            let remaining = (maxResults ?? Int.max) - runs.count
            request.maxResults = min(remaining, RunSearch.maxResultsLimit)
            let page = try await store.searchRuns(request)
            runs += page.items
            guard let token = page.nextPageToken, runs.count < (maxResults ?? Int.max) else { return runs }
            request.pageToken = token
        }
    }

    /// Without --columns: grouped rows aggregate every metric the runs have; csv has the columns
    /// of `mlflow.search_runs`' frame; table and md show who ran what, when and for how long, then
    /// the `--order-by` keys not already shown (the rows' order should be visible in them).
    private func defaultColumns(_ runs: [Run], grouped: Bool) -> [ColumnKey] {
        if grouped { return RunFrame.metricColumns(runs) }
        if format == .csv || format == .json { return RunFrame.searchRunsColumns(runs) }
        var shown: [ColumnKey] = [.attribute("run_name"), .attribute("status"), .attribute("start_time"), .duration,
                                  .attribute("user_id")]
        let ordering = ((try? SearchGrammar.parseRunOrderBy(orderBy)) ?? []).map { ColumnKey($0.key) }
        for key in ordering where key != .attribute("run_id") && !shown.contains(key) { shown.append(key) }
        return shown
    }

    /// Whether these columns read nothing but the runs' `RunInfo` and metric histories.
    static func infoOnly(_ columns: [ColumnKey]) -> Bool {
        columns.allSatisfy { column in
            switch column {
            case .attribute, .duration, .best: return true
            case .param, .tag, .metric, .datasetNames: return false
            }
        }
    }

    /// The best-of columns' values: one `metricSummaries` call per metric, over the runs that
    /// logged it (every run when the search read no metrics), for the union of the steps its
    /// columns read.
    static func summaries(_ spec: FrameSpec, of runs: [Run], in store: any TrackingStore) async throws -> HistorySummaries {
        var summaries = HistorySummaries()
        for (metric, steps) in spec.historyNeeds.sorted(by: { $0.key < $1.key }) {
            let ids = runs.filter { !spec.search.withData || $0.data.metric(metric) != nil }.map(\.info.runID)
            if ids.isEmpty { continue }
            summaries.byMetric[metric] = try await store.metricSummaries(runIDs: ids, key: metric, steps: steps)
        }
        return summaries
    }
}
