import Tracking

/// Runs and experiments named on the command line by id or by name, as the UI's --experiment
/// takes either.
enum RunLookup {
    /// The experiment whose id, else whose name, is `idOrName`.
    static func experiment(_ idOrName: String, in store: any TrackingStore) async throws -> Experiment {
        if let found = try await unlessNotFound({ try await store.getExperiment(id: idOrName) }) { return found }
        if let found = try await unlessNotFound({ try await store.getExperimentByName(idOrName) }) { return found }
        throw CLIError(MLflowError(.resourceDoesNotExist, "no experiment has the id or name '\(idOrName)'"))
    }

    /// The run whose id, else whose name, is `idOrName`; names are searched in `experimentIDs`
    /// (every active experiment when nil). A name shared by several runs is an error that
    /// lists them, since a chart of the wrong run looks just as plausible. `viewType` says which
    /// runs a name may name (`restore` looks among deleted ones).
    static func run(_ idOrName: String, in store: any TrackingStore, experimentIDs: [String]?,
                    viewType: ViewType = .activeOnly) async throws -> Run {
        if let found = try await unlessNotFound({ try await store.getRun(id: idOrName) }) { return found }
        var ids = experimentIDs ?? []
        if experimentIDs == nil { ids = try await store.allExperiments(ExperimentSearch()).map(\.experimentID) }
        let filter = "attributes.run_name = " + (try quoted(idOrName))
        let search = RunSearch(experimentIDs: ids, filter: filter, viewType: viewType)
        let matches = ids.isEmpty ? [] : try await store.allRuns(search)
        guard let first = matches.first else {
            throw CLIError(MLflowError(.resourceDoesNotExist, "no run has the id or name '\(idOrName)'"
                                       + (experimentIDs == nil ? "" : " in the given experiment")))
        }
        guard matches.count == 1 else {
            let listed = matches.map { "\($0.info.runID) (experiment \($0.info.experimentID))" }.joined(separator: ", ")
            throw CLIError(MLflowError(.invalidParameterValue,
                                       "\(matches.count) runs are named '\(idOrName)': \(listed); give a run id, or --in EXPERIMENT"))
        }
        return first
    }

    /// The body's answer, or nil when it reports the thing missing.
    private static func unlessNotFound<T>(_ body: () async throws -> T) async throws -> T? {
        do { return try await body() } catch where isNotFound(error.asMLflowError) { return nil }
    }

    /// Stores answer an unknown id with RESOURCE_DOES_NOT_EXIST, or INVALID_PARAMETER_VALUE
    /// when it cannot be an id at all (MLflow's `_validate_run_id`, SQL stores' integer ids).
    private static func isNotFound(_ error: MLflowError) -> Bool {
        error.code == .resourceDoesNotExist || error.code == .invalidParameterValue
    }

    /// A string literal for MLflow's filter grammar, which has no escapes: the quote it does
    /// not contain (`SearchUtils` strips one pair of ' or ").
    private static func quoted(_ name: String) throws -> String {
        if !name.contains("'") { return "'\(name)'" }
        if !name.contains("\"") { return "\"\(name)\"" }
        throw CLIError(MLflowError(.invalidParameterValue, "a run name with both ' and \" cannot be searched for; give the run id"))
    }
}
