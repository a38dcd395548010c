/// MLflow's search grammar (reference §5): one parser for every backend.
/// Every function throws MLflowError(.invalidParameterValue) whose message points at the
/// offending token (its text and 1-based column).
public enum SearchGrammar {
    /// `runs/search` filter: comparisons joined by AND. "" is no filter.
    public static func parseRunFilter(_ text: String) throws -> Filter {
        throw MLflowError(.notImplemented, "search grammar not built yet")
    }

    /// `runs/search` order_by entries: `<identifier> [ASC|DESC]`.
    public static func parseRunOrderBy(_ clauses: [String]) throws -> [OrderClause] {
        throw MLflowError(.notImplemented, "search grammar not built yet")
    }

    /// `experiments/search` filter (reference §5.5: different prefixes and attributes).
    public static func parseExperimentFilter(_ text: String) throws -> Filter {
        throw MLflowError(.notImplemented, "search grammar not built yet")
    }

    public static func parseExperimentOrderBy(_ clauses: [String]) throws -> [OrderClause] {
        throw MLflowError(.notImplemented, "search grammar not built yet")
    }
}
