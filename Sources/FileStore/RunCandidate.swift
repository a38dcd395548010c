import Tracking

/// The keys a search reads besides meta.yaml: only these files are opened for each run.
struct SearchFields {
    var metrics: [String] = []
    var params: [String] = []
    var tags: [String] = []
    /// `run_name` falls back to the `mlflow.runName` tag when meta.yaml's is empty.
    var runName = false
    var datasets = false

    var isEmpty: Bool { metrics.isEmpty && params.isEmpty && tags.isEmpty && !runName && !datasets }

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
struct RunCandidate: SearchableRun {
    var info: RunInfo
    /// Position in the search's run index, to load the full run for the page.
    var index: Int
    var values: [SearchKey: FieldValue] = [:]
    var datasets: [DatasetInput] = []

    init(run: FileStore.IndexedRun, index: Int, fields: SearchFields, files: RunDirectory,
         dataset: (String) -> Dataset?) {
        info = run.info
        self.index = index
        for key in fields.metrics {
            if let metric = files.latestMetric(key, runID: info.runID) {
                values[SearchKey(.metric, key)] = .number(metric.value)
            }
        }
        for key in fields.params {
            if let value = files.param(key) { values[SearchKey(.param, key)] = .string(value) }
        }
        for key in fields.tags {
            if let value = files.tag(key) { values[SearchKey(.tag, key)] = .string(value) }
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
