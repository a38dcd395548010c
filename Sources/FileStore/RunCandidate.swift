import Tracking

/// The keys a search reads besides meta.yaml: only these files are opened for each run.
struct SearchFields {
    var metrics: [String] = []
    var params: [String] = []
    var tags: [String] = []
    /// `run_name` falls back to the `mlflow.runName` tag when meta.yaml's is empty.
    var runName = false
    var datasets = false

    init(filter: Filter, order: [OrderClause]) {
        var seen = Set<SearchKey>()
        for key in filter.map(\.key) + order.map(\.key) where seen.insert(key).inserted {
            switch key.kind {
            case .metric: metrics.append(key.key)
            case .param: params.append(key.key)
            case .tag: tags.append(key.key)
            case .dataset: datasets = true
            case .attribute: if key.key == "run_name" { runName = true }
            }
        }
    }
}

/// A run as a search sees it: meta.yaml plus just the values the filter and order use.
/// A class: filtering and sorting 10,000 of them then moves one reference each, not a RunInfo's
/// strings and a dictionary (their retains and releases were a quarter of a search's time).
final class RunCandidate: SearchableRun {
    var info: RunInfo
    /// Position in the search's run index, to load the full run for the page.
    var index: Int
    var values: [SearchKey: FieldValue] = [:]
    var datasets: [DatasetInput] = []

    /// `cached(file, read)` answers `read()` for `file` (relative to the run's experiment
    /// folder), or what it answered for the same version of the file before (FileStore.cachedValue).
    init(run: FileStore.IndexedRun, index: Int, fields: SearchFields, files: RunDirectory,
         dataset: (String) -> Dataset?, cached: (String, () -> FieldValue?) -> FieldValue?) {
        info = run.info
        self.index = index
        let runID = info.runID
        let folder = String(run.path.dropFirst(run.experimentPath.count + 1))   // relative to the experiment
        for key in fields.metrics where RunDirectory.isSafeKey(key) {
            let value = cached(folder + "/metrics/" + key) {
                files.latestMetric(key, runID: runID).map { .number($0.value) }
            }
            if let value { values[SearchKey(.metric, key)] = value }
        }
        for key in fields.params where RunDirectory.isSafeKey(key) {
            let value = cached(folder + "/params/" + key) { files.param(key).map(FieldValue.string) }
            if let value { values[SearchKey(.param, key)] = value }
        }
        for key in fields.tags where RunDirectory.isSafeKey(key) {
            let value = cached(folder + "/tags/" + key) { files.tag(key).map(FieldValue.string) }
            if let value { values[SearchKey(.tag, key)] = value }
        }
        if fields.runName && info.runName.isEmpty, let name = files.tag("mlflow.runName") {
            info.runName = name
        }
        if fields.datasets {
            datasets = files.inputs(dataset: dataset).datasetInputs
        }
    }

    var searchRunID: String { info.runID }
    var searchDatasets: [DatasetInput] { datasets }

    func fieldValue(_ key: SearchKey) -> FieldValue? {
        if key.kind == .attribute { return Run(info: info).fieldValue(key) }
        return values[key]
    }
}
