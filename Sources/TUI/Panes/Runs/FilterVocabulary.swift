import Tracking

/// The keys and values seen in an experiment's runs, for Tab in the filter line. It outlives
/// the table's rows: a filter that matches nothing still completes from what earlier loads (and
/// the sample `/` asks for when no unfiltered load was seen) brought in.
struct FilterVocabulary: Equatable, Sendable {
    var keys: Set<SearchKey> = []
    /// String values by key (params, tags, string attributes, dataset fields), capped per key.
    var values: [SearchKey: Set<String>] = [:]
    /// Whether an unfiltered load was seen; until then `/` asks for a sample.
    var sampled = false
    var sampleRequested = false

    static let valuesPerKey = 500

    mutating func add(_ runs: [Run]) {
        for run in runs {
            for p in run.data.params { insert(SearchKey(.param, p.key), p.value) }
            for m in run.data.metrics { keys.insert(SearchKey(.metric, m.key)) }
            for t in run.data.tags { insert(SearchKey(.tag, t.key), t.value) }
            for attribute in ["run_id", "run_name", "status", "user_id"] {
                let key = SearchKey(.attribute, attribute)
                if case .string(let v)? = run.fieldValue(key) { insert(key, v) }
            }
            for input in run.inputs.datasetInputs {
                insert(SearchKey(.dataset, "name"), input.dataset.name)
                insert(SearchKey(.dataset, "digest"), input.dataset.digest)
                if let context = input.context { insert(SearchKey(.dataset, "context"), context) }
            }
        }
    }

    private mutating func insert(_ key: SearchKey, _ value: String) {
        if key.kind != .attribute && key.kind != .dataset { keys.insert(key) }
        guard !value.isEmpty, values[key, default: []].count < Self.valuesPerKey else { return }
        values[key, default: []].insert(value)
    }
}

extension RunsPane {
    /// Loaded runs feed the open experiment's vocabulary; an unfiltered load counts as a sample.
    static func learnFilterVocabulary(_ state: inout AppState, _ runs: [Run], unfiltered: Bool) {
        guard let id = state.table.experimentID else { return }
        state.filterVocabulary[id, default: FilterVocabulary()].add(runs)
        if unfiltered { state.filterVocabulary[id]!.sampled = true }
    }

    /// Opening the filter line: one bounded unfiltered search, when no unfiltered load was seen,
    /// so completion knows the experiment's keys and values even while the filter matches nothing.
    static func sampleForCompletion(_ state: inout AppState) -> [Effect] {
        guard let id = state.table.experimentID else { return [] }
        let vocabulary = state.filterVocabulary[id] ?? FilterVocabulary()
        guard !vocabulary.sampled, !vocabulary.sampleRequested else { return [] }
        state.filterVocabulary[id, default: FilterVocabulary()].sampleRequested = true
        return [.sampleRuns(experimentID: id, RunSearch(experimentIDs: [id], maxResults: state.pageSize))]
    }

    /// The sample's answer; a failure leaves completion to what the loads brought in.
    static func sampled(_ state: inout AppState, experimentID id: String, _ result: Result<Page<Run>, MLflowError>) {
        state.filterVocabulary[id, default: FilterVocabulary()].sampleRequested = false
        guard case .success(let page) = result else { return }
        state.filterVocabulary[id]!.add(page.items)
        state.filterVocabulary[id]!.sampled = true
    }
}
