import Analysis
import Tracking

/// What has been asked of the store for best-of columns (`RunsTable.summaries`), per metric.
struct SummaryLoads: Equatable, Sendable {
    /// Answers carrying another generation are stale: a reload or refresh began a new one.
    var generation = 0
    var metrics: [String: MetricLoad] = [:]
    /// A load failed since the last refresh: said once, asked again on Ctrl-R or when the store
    /// answers again after being unreachable (`retryFailedSummaries`), not every frame.
    var failed = false
    /// Set by Ctrl-R: the reload that follows keeps no summary (histories may have grown anywhere).
    var forgetOnReload = false

    var isLoading: Bool { metrics.values.contains { !$0.pending.isEmpty || !$0.queue.isEmpty } }
}

/// One metric's summaries: which runs were asked for, which answers are still out, and the
/// runs waiting for their turn (a server is asked a few runs at a time).
struct MetricLoad: Equatable, Sendable {
    /// The steps every asked summary covers: the steps of this metric's at-step columns.
    var steps: Set<Int64> = []
    /// Runs asked for, answered or not.
    var asked: Set<String> = []
    var pending: Set<String> = []
    var queue: [String] = []
    /// Batches sent and not answered.
    var inFlight = 0
    /// How many of `table.runs` a whole-table load has looked at (runs only grow between reloads).
    var scanned = 0
    /// Runs with the metric among those looked at, for the progress of a whole-table load.
    var wanted = 0
    /// Progress over the runs needed now, shown while loading.
    var done = 0
    var total = 0

    var isLoading: Bool { !pending.isEmpty || !queue.isEmpty }
}

extension AppState {
    /// A tracking server: each run's history is one or more `get-history` calls, so best-of
    /// values load for the rows in view only, a few runs per request.
    var storeIsRemote: Bool {
        if case .rest? = try? TrackingURI.parse(source, cwd: "/") { return true }
        return false
    }
}

extension RunsPane {
    /// Runs per request to a server and requests out at once; a local store answers a whole
    /// table in one query.
    static let remoteBatch = 12
    static let remoteBatchesInFlight = 3

    /// The metrics best-of columns (and a local sort) need, with the steps of their at-step columns.
    static func bestOfNeeds(_ table: RunsTable) -> [(key: String, steps: Set<Int64>)] {
        var needs: [String: Set<Int64>] = [:]
        for case .best(let best, let key) in table.columns + [table.view.localSort?.column].compactMap({ $0 }) {
            if case .atStep(let step) = best { needs[key, default: []].insert(step) } else { needs[key] = needs[key] ?? [] }
        }
        return needs.sorted { $0.key < $1.key }.map { (key: $0.key, steps: $0.value) }
    }

    /// Whether a metric's summaries load for every loaded run, not only the rows in view: always
    /// on a local store; on a server when the table sorts by it or is grouped (aggregates need all).
    static func loadsWholeTable(_ state: AppState, _ key: String) -> Bool {
        guard state.storeIsRemote else { return true }
        if !state.table.view.groupBy.isEmpty { return true }
        if case .best(_, let k)? = state.table.view.localSort?.column { return k == key }
        return false
    }

    /// Run after every action: asks for the summaries best-of columns need and do not have.
    static func summaryEffects(_ state: inout AppState) -> [Effect] {
        guard state.table.experimentID != nil else { return [] }
        let needs = bestOfNeeds(state.table)
        guard !needs.isEmpty else { return [] }
        // A table opened afresh starts at 0: its first loads get an id no earlier table used.
        if state.table.summaryLoads.generation == 0 { state.table.summaryLoads.generation = state.nextRequest() }
        var effects: [Effect] = []
        for (key, steps) in needs {
            var load = state.table.summaryLoads.metrics[key] ?? MetricLoad(steps: steps)
            if !steps.isSubset(of: load.steps) {
                // A new at-step column: what was asked lacks its step, so ask again for all steps.
                load = MetricLoad(steps: load.steps.union(steps))
                state.table.summaries.byMetric[key] = nil
            }
            if loadsWholeTable(state, key) { queueWholeTable(state.table.runs, key, &load) }
            else { queueInView(state, key, &load) }
            let remote = state.storeIsRemote
            while !load.queue.isEmpty, !remote || load.inFlight < remoteBatchesInFlight {
                let batch = Array(load.queue.prefix(remote ? remoteBatch : load.queue.count))
                load.queue.removeFirst(batch.count)
                load.asked.formUnion(batch)
                load.pending.formUnion(batch)
                load.inFlight += 1
                effects.append(.loadSummaries(request: state.table.summaryLoads.generation, key: key, steps: load.steps, runIDs: batch))
            }
            if loadsWholeTable(state, key) { load.total = load.wanted; load.done = max(0, load.wanted - load.pending.count - load.queue.count) }
            state.table.summaryLoads.metrics[key] = load
        }
        return effects
    }

    /// Every loaded run with the metric, looking only at runs added since the last look.
    private static func queueWholeTable(_ runs: [Run], _ key: String, _ load: inout MetricLoad) {
        guard load.scanned < runs.count else { return }
        for run in runs[load.scanned...] where run.data.metric(key) != nil {
            load.wanted += 1
            let id = run.info.runID
            if !load.asked.contains(id) { load.queue.append(id) }
        }
        load.scanned = runs.count
    }

    /// The rows in view and a page ahead; rows scrolled past leave the queue unasked.
    private static func queueInView(_ state: AppState, _ key: String, _ load: inout MetricLoad) {
        let table = state.table
        let page = Layout(state).runRows
        let rows = table.rows[min(table.cursor.top, table.rows.count)..<min(table.rows.count, table.cursor.top + 2 * max(1, page))]
        load.queue = []
        load.total = 0
        load.done = 0
        for row in rows {
            let run = table.runs[row.index]
            guard run.data.metric(key) != nil else { continue }
            let id = run.info.runID
            load.total += 1
            if load.pending.contains(id) { continue }
            if load.asked.contains(id) { load.done += 1 } else { load.queue.append(id) }
        }
        // Whole-table counting starts over when the table sorts or groups by this metric.
        load.scanned = 0
        load.wanted = 0
    }

    /// An answer: merged when it belongs to the current generation and steps, else dropped.
    static func summariesLoaded(_ state: inout AppState, request: Int, key: String, steps: Set<Int64>, runIDs: [String],
                                _ result: Result<[String: MetricSummary], MLflowError>) {
        guard request == state.table.summaryLoads.generation, var load = state.table.summaryLoads.metrics[key],
              load.steps == steps else { return }
        load.pending.subtract(runIDs)
        load.inFlight = max(0, load.inFlight - 1)
        state.table.summaryLoads.metrics[key] = load
        switch result {
        case .success(let found):
            // A run the store found no history for is absent: its cell stays empty.
            for id in runIDs { state.table.summaries.byMetric[key, default: [:]][id] = found[id] }
        case .failure(let error):
            // Kept as asked: a dead server is not asked again every frame; a refresh retries.
            if !state.table.summaryLoads.failed {
                state.table.summaryLoads.failed = true
                showMessage(&state, "best-of values of \(key): \(error.oneLineMessage)", isError: true)
            }
        }
        for column in state.table.columns { if case .best(_, key) = column { state.table.contentWidths[column] = nil } }
        if case .best(_, key)? = state.table.view.localSort?.column { resortKeepingCursor(&state) }
        clampAll(&state)
    }

    /// Ctrl-R: every summary is read again once the runs have reloaded.
    static func forgetSummaries(_ state: inout AppState) {
        state.table.summaryLoads.forgetOnReload = true
        state.table.summaryLoads.failed = false
    }

    /// When the store answers again after a failed load: the runs whose values never came are
    /// asked again (a new generation, so nothing is counted twice).
    static func retryFailedSummaries(_ state: inout AppState) {
        guard state.table.summaryLoads.failed else { return }
        var loads = SummaryLoads(generation: state.nextRequest())
        for (key, old) in state.table.summaryLoads.metrics {
            let have = state.table.summaries.byMetric[key] ?? [:]
            loads.metrics[key] = MetricLoad(steps: old.steps, asked: old.asked.filter { have[$0] != nil && !old.pending.contains($0) })
        }
        state.table.summaryLoads = loads
    }

    /// After the table reloads (a new search or the live refresh): summaries are kept for runs
    /// whose history cannot have changed — not running, and with the same latest value of the
    /// metric (MLflow updates it with every logged point) — and read again for the rest.
    static func keepSummaries(_ state: inout AppState, previous: [Run]) {
        guard !state.table.summaryLoads.metrics.isEmpty || !state.table.summaries.byMetric.isEmpty else { return }
        let before = Dictionary(previous.map { ($0.info.runID, $0) }, uniquingKeysWith: { a, _ in a })
        let runs = state.table.runs
        var kept = HistorySummaries()
        let forget = state.table.summaryLoads.forgetOnReload
        var loads = SummaryLoads(generation: state.nextRequest(), failed: state.table.summaryLoads.failed)
        for (key, old) in state.table.summaryLoads.metrics {
            var load = MetricLoad(steps: old.steps)
            for run in runs where !forget {
                let id = run.info.runID
                guard old.asked.contains(id), !old.pending.contains(id), let prior = before[id],
                      unchanged(prior, run, key) else { continue }
                load.asked.insert(id)
                kept.byMetric[key, default: [:]][id] = state.table.summaries.summary(key, run: id)
            }
            loads.metrics[key] = load
        }
        state.table.summaries = kept
        state.table.summaryLoads = loads
    }

    private static func unchanged(_ a: Run, _ b: Run, _ key: String) -> Bool {
        guard a.info.status != .running, b.info.status == a.info.status else { return false }
        switch (a.data.metric(key), b.data.metric(key)) {
        case (nil, nil): return true
        case let (x?, y?):
            return x.step == y.step && x.timestamp == y.timestamp && x.value.bitPattern == y.value.bitPattern
        default: return false
        }
    }

    /// `…` in a best-of cell whose value is on its way.
    static func pendingBestOfText(_ table: RunsTable, _ run: Run, _ column: RunColumn) -> String? {
        guard case .best(_, let key) = column, let load = table.summaryLoads.metrics[key],
              table.summaries.summary(key, run: run.info.runID) == nil else { return nil }
        let id = run.info.runID
        // Asked, or waiting in the queue (set lookups only: a frame draws many cells).
        let queued = !load.queue.isEmpty && !load.asked.contains(id) && run.data.metric(key) != nil
        return load.pending.contains(id) || queued ? "…" : nil
    }

    /// `max(loss) 40/1,000…` for each metric still loading, named by its first best-of column.
    static func bestOfProgress(_ table: RunsTable) -> String? {
        let parts = bestOfNeeds(table).compactMap { need -> String? in
            let key = need.key
            guard let load = table.summaryLoads.metrics[key], load.isLoading, load.total > 0 else { return nil }
            let name = table.columns.first { if case .best(_, key) = $0 { return true } else { return false } }?.title
                ?? table.view.localSort?.column.title ?? key
            return "\(name) \(grouped(load.done))/\(grouped(load.total))…"
        }
        return parts.isEmpty ? nil : parts.joined(separator: " ")
    }

    /// 1000 → 1,000.
    private static func grouped(_ n: Int) -> String {
        var digits = Array(String(n)), out = ""
        while digits.count > 3 { out = "," + String(digits.suffix(3)) + out; digits.removeLast(3) }
        return String(digits) + out
    }
}
