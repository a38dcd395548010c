import Tracking

/// A piece of SQL with the values for its `?` placeholders, in order. Values are always bound,
/// never spliced into the text.
struct SQLFragment {
    var sql: String
    var bindings: [SQLValue] = []

    init(_ sql: String, _ bindings: [SQLValue] = []) {
        self.sql = sql
        self.bindings = bindings
    }

    static func + (a: SQLFragment, b: SQLFragment) -> SQLFragment {
        SQLFragment(a.sql + b.sql, a.bindings + b.bindings)
    }

    static func joined(_ parts: [SQLFragment], separator: String) -> SQLFragment {
        SQLFragment(parts.map(\.sql).joined(separator: separator), parts.flatMap(\.bindings))
    }

    /// The parts joined by AND, parenthesized as a balanced tree: SQLite parses `a AND b AND c`
    /// as a chain as deep as it is long and refuses a chain of 1,000 ("Expression tree is too
    /// large (maximum depth 1000)", SQLITE_MAX_EXPR_DEPTH), which a filter of 10,000 tokens
    /// reaches. Groups of 32 keep short filters' SQL as before.
    static func conjunction(_ parts: [SQLFragment]) -> SQLFragment {
        let group = 32
        if parts.count <= group { return joined(parts, separator: " AND ") }
        var level = parts
        while level.count > group {
            level = stride(from: 0, to: level.count, by: group).map { start in
                let slice = Array(level[start..<min(start + group, level.count)])
                return slice.count == 1 ? slice[0] : SQLFragment("(") + joined(slice, separator: " AND ") + SQLFragment(")")
            }
        }
        return joined(level, separator: " AND ")
    }
}

/// `column <op> ?` for one comparison, as SearchUtils.get_sql_comparison_func renders it: LIKE
/// is case-sensitive (on SQLite because the connection sets case_sensitive_like, from
/// `mlflow/store/db/utils.py` `_get_managed_session_maker`), ILIKE is SQLAlchemy's `ilike`.
func comparisonSQL(_ column: String, _ comparator: Comparator, _ value: SearchValue, numeric: Bool,
                   _ dialect: SQLDialect) -> SQLFragment {
    func bound(_ value: SearchValue) -> SQLValue {
        switch value {
        case .number(let d): return numeric ? numberBinding(d) : .double(d)
        case .string(let s): return .text(s)
        case .list, .none: return .null
        }
    }
    switch comparator {
    case .equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual:
        return SQLFragment("\(column) \(comparator.rawValue) ?", [bound(value)])
    case .like:
        return SQLFragment("\(column) LIKE ?", [bound(value)])
    case .ilike:
        return SQLFragment(dialect.ilike(column), [bound(value)])
    case .in, .notIn:
        let items: [String]
        switch value {
        case .list(let list): items = list
        case .string(let s): items = [s]
        default: items = []
        }
        // SQLAlchemy renders an empty IN as always false and an empty NOT IN as always true.
        if items.isEmpty { return SQLFragment(comparator == .in ? SQLDialect.never : SQLDialect.always) }
        let marks = Array(repeating: "?", count: items.count).joined(separator: ", ")
        return SQLFragment("\(column) \(comparator.rawValue) (\(marks))", items.map { .text($0) })
    case .isNull:
        return SQLFragment("\(column) IS NULL")
    case .isNotNull:
        return SQLFragment("\(column) IS NOT NULL")
    }
}

/// MLflow binds an integer literal as an int and anything else as a float; for integral
/// values both compare the same in SQLite, and an int keeps 64-bit precision.
func numberBinding(_ d: Double) -> SQLValue {
    if d == d.rounded(), abs(d) < 9.2e18 { return .int(Int64(d)) }
    return .double(d)
}

/// The SQL SqlAlchemyStore._search_runs generates, rewritten as EXISTS subqueries with the same
/// answers (`_get_sqlalchemy_filter_clauses`, `_get_orderby_clauses` in `sqlalchemy_store.py`):
/// one statement that filters, orders and pages in the database.
struct RunSearchSQL {
    var experimentIDs: [Int64]
    var stages: [LifecycleStage]
    var filter: Filter
    var orderBy: [OrderClause]
    var limit: Int?
    var offset: Int
    var features: SchemaFeatures
    /// The order_by strings as given, for MLflow's duplicate-field message.
    var orderByText: [String] = []
    /// Select only each run's rowid: sorting 10,000 narrow rows and then reading the columns
    /// of the page's runs costs a third of sorting the full rows.
    var rowIDsOnly = false

    /// The RunInfo columns; `runs.name` is absent in the oldest schemas (the tag stands in).
    static func runColumns(_ features: SchemaFeatures) -> String {
        "r.run_uuid, \(features.runName ? "r.name" : "NULL AS name"), r.experiment_id, r.user_id, r.status, r.start_time, r.end_time, r.artifact_uri, r.lifecycle_stage"
    }

    func build() throws -> SQLFragment {
        var joins: [SQLFragment] = []
        var orderTerms: [String] = []
        var seen = Set<SearchKey>()
        for (i, clause) in orderBy.enumerated() {
            let key = clause.key
            let value: String
            let group: String
            switch key.kind {
            case .attribute:
                value = try runColumn(key.key)
                group = "CASE WHEN \(value) IS NULL THEN 1 ELSE 0 END"
            case .metric, .param, .tag:
                let alias = "o\(i)"
                let table = key.kind == .metric ? "latest_metrics" : key.kind == .param ? "params" : "tags"
                joins.append(SQLFragment("LEFT JOIN \(table) \(alias) ON \(alias).run_uuid = r.run_uuid AND \(alias).\"key\" = ?",
                                         [.text(key.key)]))
                value = "\(alias).value"
                // NaN and missing sort after real values whatever the direction (the CASE in
                // `_get_orderby_clauses`).
                group = key.kind == .metric
                    ? "CASE WHEN \(features.dialect.isTrue("\(alias).is_nan")) THEN 1 WHEN \(alias).value IS NULL THEN 2 ELSE 0 END"
                    : "CASE WHEN \(alias).value IS NULL THEN 1 ELSE 0 END"
            case .dataset:
                throw MLflowError.invalidParameter("Invalid identifier type 'dataset'")
            }
            if !seen.insert(key).inserted {
                throw MLflowError(.internalError, "`order_by` contains duplicate fields: \(pythonList(orderByText))")
            }
            orderTerms.append(group)
            orderTerms.append(value + (clause.ascending ? "" : " DESC"))
        }
        if !seen.contains(SearchKey(.attribute, "start_time")) { orderTerms.append("r.start_time DESC") }
        orderTerms.append("r.run_uuid")

        var conditions: [SQLFragment] = []
        if experimentIDs.isEmpty {
            conditions.append(SQLFragment(SQLDialect.never))
        } else {
            conditions.append(SQLFragment("r.experiment_id IN (" + marks(experimentIDs.count) + ")", experimentIDs.map { .int($0) }))
        }
        conditions.append(SQLFragment("r.lifecycle_stage IN (" + marks(stages.count) + ")", stages.map { .text($0.rawValue) }))
        var filterJoins: [SQLFragment] = []
        // SQLite joins at most 64 tables ("at most 64 tables in a join"); MLflow's SQL store,
        // which joins one subquery per clause (SqlAlchemyStore._search_runs), fails from 64
        // clauses on. Past the limit the remaining comparisons become EXISTS conditions, which
        // keep the same runs, so every filter MLflow's parser accepts gets its answer.
        let joinable = features.dialect.joinedTables - 1 - joins.count
        // A correlated EXISTS costs SQLite time in proportion to the statement's other subqueries
        // (936 of them over 45 runs: 2 s), so a filter past the join limit tests membership in
        // uncorrelated subqueries instead, which SQLite materializes once each.
        let membership = filter.count > joinable
        var members: [(subquery: SQLFragment, negated: Bool)] = []
        for (i, comparison) in filter.enumerated() {
            if filterJoins.count < joinable, let join = filterJoin(comparison, alias: "f\(i)") {
                filterJoins.append(join)
            } else if membership, let member = membershipSubquery(comparison) {
                members.append(member)
            } else {
                conditions.append(try condition(comparison))
            }
        }
        conditions += memberships(members)

        // Filter joins come before the order-by joins so a run is dropped before its sort
        // values are looked up; CROSS JOIN keeps runs as the outer loop, which stays cheap for
        // a small experiment in a big store (a key's rows span every experiment).
        var sql = SQLFragment("SELECT \(rowIDsOnly ? "r.rowid" : RunSearchSQL.runColumns(features)) FROM runs r")
        let allJoins = filterJoins + joins
        if !allJoins.isEmpty { sql = sql + SQLFragment(" ") + SQLFragment.joined(allJoins, separator: " ") }
        sql = sql + SQLFragment(" WHERE ") + SQLFragment.conjunction(conditions)
        sql = sql + SQLFragment(" ORDER BY " + orderTerms.joined(separator: ", "))
        if let limit {
            sql = sql + SQLFragment(" LIMIT ? OFFSET ?", [.int(Int64(limit)), .int(Int64(offset))])
        } else if offset > 0 {
            sql = sql + SQLFragment(" \(features.dialect.noLimit) OFFSET ?", [.int(Int64(offset))])
        }
        return sql
    }



    private func runColumn(_ attribute: String) throws -> String {
        switch attribute {
        case "run_id": return "r.run_uuid"
        case "run_name": return features.runName ? "r.name" : "NULL"
        case "status", "user_id", "artifact_uri", "start_time", "end_time": return "r.\(attribute)"
        default: throw MLflowError.invalidParameter("Invalid attribute key '\(attribute)' specified.")
        }
    }

    /// A metric, param or tag comparison (and run_name, which is the mlflow.runName tag) as an
    /// inner join on the table's (key, run_uuid) primary key: at most one row per run, so it
    /// keeps exactly the runs the EXISTS form keeps, and one probe per run is about 10% less
    /// SQLite work than a correlated subquery. IS NULL / IS NOT NULL stay (NOT) EXISTS.
    private func filterJoin(_ c: Comparison, alias x: String) -> SQLFragment? {
        let table: String
        let key: String
        switch c.key.kind {
        case .attribute where c.key.key == "run_name": (table, key) = ("tags", "mlflow.runName")
        case .metric: (table, key) = ("latest_metrics", c.key.key)
        case .param: (table, key) = ("params", c.key.key)
        case .tag: (table, key) = ("tags", c.key.key)
        default: return nil
        }
        if c.comparator == .isNull || c.comparator == .isNotNull { return nil }
        return SQLFragment("\(features.dialect.innerJoin) \(table) \(x) ON \(x).run_uuid = r.run_uuid AND \(x).\"key\" = ? AND ", [.text(key)])
            + valueTest(c, column: x)
    }

    /// The comparison on a metric/param/tag row's value.
    private func valueTest(_ c: Comparison, column x: String) -> SQLFragment {
        let test = comparisonSQL("\(x).value", c.comparator, c.value, numeric: false, features.dialect)
        guard c.key.kind == .metric else { return test }
        // NaN is stored as 0 with is_nan = 1: it never satisfies a comparison except
        // "!=", which it always satisfies (`_get_sqlalchemy_filter_clauses`).
        return c.comparator == .notEqual
            ? SQLFragment("(") + test + SQLFragment(" OR \(features.dialect.isTrue("\(x).is_nan")))")
            : SQLFragment("(") + test + SQLFragment(" AND \(features.dialect.isFalse("\(x).is_nan")))")
    }

    /// A metric, param, tag or dataset comparison as the uncorrelated subquery of the runs it
    /// keeps (`negated`: of the runs it drops); the same runs as the EXISTS form of `condition`
    /// (run_uuid is never NULL in these tables).
    private func membershipSubquery(_ c: Comparison) -> (subquery: SQLFragment, negated: Bool)? {
        let table: String
        var key = c.key.key
        switch c.key.kind {
        case .attribute where c.key.key == "run_name": (table, key) = ("tags", "mlflow.runName")
        case .metric: table = "latest_metrics"
        case .param: table = "params"
        case .tag: table = "tags"
        case .dataset:
            guard features.datasets else { return nil }
            switch c.key.key {
            case "name", "digest":
                return (SQLFragment("SELECT i.destination_id FROM inputs i JOIN datasets d ON i.source_id = d.dataset_uuid WHERE ")
                        + comparisonSQL("d.\(c.key.key)", c.comparator, c.value, numeric: false, features.dialect), false)
            case "context":
                return (SQLFragment("SELECT i.destination_id FROM inputs i JOIN datasets d ON i.source_id = d.dataset_uuid JOIN input_tags it ON it.input_uuid = i.input_uuid AND it.name = ? WHERE ",
                                    [.text("mlflow.data.context")])
                        + comparisonSQL("it.value", c.comparator, c.value, numeric: false, features.dialect), false)
            default: return nil
            }
        default: return nil
        }
        let head = SQLFragment("SELECT x.run_uuid FROM \(table) x WHERE x.\"key\" = ?", [.text(key)])
        switch c.comparator {
        case .isNull: return (head, true)
        case .isNotNull: return (head, false)
        default: return (head + SQLFragment(" AND ") + valueTest(c, column: "x"), false)
        }
    }

    /// The membership tests as conditions. SQLite: `r.run_uuid [NOT] IN (subquery)` each, which
    /// it materializes once each. PostgreSQL would pull every IN up into a semi-join and plan
    /// hundreds of them as one join, or use hundreds of `= ANY` arrays as keys of one index scan
    /// (its btree walks their combinations): there the kept runs are one INTERSECT and the
    /// dropped ones one UNION, each computed once.
    private func memberships(_ members: [(subquery: SQLFragment, negated: Bool)]) -> [SQLFragment] {
        guard features.dialect == .postgres else {
            return members.map { SQLFragment("r.run_uuid \($0.negated ? "NOT IN" : "IN") (") + $0.subquery + SQLFragment(")") }
        }
        func combined(_ parts: [SQLFragment], _ setOperation: String) -> SQLFragment {
            SQLFragment.joined(parts.map { SQLFragment("(") + $0 + SQLFragment(")") }, separator: " \(setOperation) ")
        }
        var out: [SQLFragment] = []
        let kept = members.filter { !$0.negated }.map(\.subquery), dropped = members.filter(\.negated).map(\.subquery)
        if !kept.isEmpty { out.append(SQLFragment("r.run_uuid = ANY(ARRAY(") + combined(kept, "INTERSECT") + SQLFragment("))")) }
        if !dropped.isEmpty { out.append(SQLFragment("r.run_uuid NOT IN (") + combined(dropped, "UNION") + SQLFragment(")")) }
        return out
    }

    private func condition(_ c: Comparison) throws -> SQLFragment {
        let key = c.key
        switch key.kind {
        case .attribute where key.key == "run_name":
            // Filtering by run name reads the mlflow.runName tag, because runs.name is empty
            // for runs logged by MLflow <= 1.29 (`_get_sqlalchemy_filter_clauses` does the same).
            return SQLFragment("EXISTS (SELECT 1 FROM tags t WHERE t.run_uuid = r.run_uuid AND t.\"key\" = ? AND ",
                               [.text("mlflow.runName")])
                + comparisonSQL("t.value", c.comparator, c.value, numeric: false, features.dialect) + SQLFragment(")")
        case .attribute:
            return comparisonSQL(try runColumn(key.key), c.comparator, c.value, numeric: key.isNumericAttribute, features.dialect)
        case .metric, .param, .tag:
            let table = key.kind == .metric ? "latest_metrics" : key.kind == .param ? "params" : "tags"
            let head = "SELECT 1 FROM \(table) x WHERE x.run_uuid = r.run_uuid AND x.\"key\" = ?"
            switch c.comparator {
            case .isNull: return SQLFragment("NOT EXISTS (\(head))", [.text(key.key)])
            case .isNotNull: return SQLFragment("EXISTS (\(head))", [.text(key.key)])
            default: break
            }
            return SQLFragment("EXISTS (\(head) AND ", [.text(key.key)]) + valueTest(c, column: "x") + SQLFragment(")")
        case .dataset:
            guard features.datasets else { return SQLFragment(SQLDialect.never) }
            switch key.key {
            case "name", "digest":
                return SQLFragment("EXISTS (SELECT 1 FROM inputs i JOIN datasets d ON i.source_id = d.dataset_uuid WHERE i.destination_id = r.run_uuid AND ")
                    + comparisonSQL("d.\(key.key)", c.comparator, c.value, numeric: false, features.dialect) + SQLFragment(")")
            case "context":
                return SQLFragment("EXISTS (SELECT 1 FROM inputs i JOIN datasets d ON i.source_id = d.dataset_uuid JOIN input_tags it ON it.input_uuid = i.input_uuid AND it.name = ? WHERE i.destination_id = r.run_uuid AND ",
                                   [.text("mlflow.data.context")])
                    + comparisonSQL("it.value", c.comparator, c.value, numeric: false, features.dialect) + SQLFragment(")")
            default:
                throw MLflowError.invalidParameter("Invalid dataset key '\(key.key)'")
            }
        }
    }
}

/// The SQL of SqlAlchemyStore._search_experiments (`_get_search_experiments_filter_clauses`,
/// `_get_search_experiments_order_by_clauses`).
struct ExperimentSearchSQL {
    var stages: [LifecycleStage]
    var filter: Filter
    var orderBy: [OrderClause]
    var limit: Int
    var offset: Int

    static let columns = "e.experiment_id, e.name, e.artifact_location, e.lifecycle_stage, e.creation_time, e.last_update_time"

    /// False for schemas older than 97727af70f4d: the time columns read as NULL.
    var experimentTimes = true
    /// False before MLflow 3.x's workspaces: the column reads as NULL.
    var workspace = true
    var features = SchemaFeatures()

    func build(features: SchemaFeatures) throws -> SQLFragment {
        var me = self
        me.experimentTimes = features.experimentTimes
        me.workspace = features.workspace
        me.features = features
        return try me.buildSQL()
    }

    private func buildSQL() throws -> SQLFragment {
        var conditions: [SQLFragment] = []
        for c in filter { conditions.append(try condition(c)) }
        conditions.append(SQLFragment("e.lifecycle_stage IN (" + marks(stages.count) + ")", stages.map { .text($0.rawValue) }))

        // No order_by means "creation_time DESC, experiment_id ASC"; otherwise experiment_id
        // DESC is appended as tie-breaker unless already ordered by it (as MLflow does).
        let clauses = orderBy.isEmpty
            ? [OrderClause(SearchKey(.attribute, "creation_time"), ascending: false),
               OrderClause(SearchKey(.attribute, "experiment_id"), ascending: true)]
            : orderBy
        var terms: [String] = []
        for clause in clauses {
            guard clause.key.kind == .attribute else {
                throw MLflowError.invalidParameter("Invalid order_by entity: \(clause.key.kind.rawValue)")
            }
            terms.append(try column(clause.key.key) + (clause.ascending ? " ASC" : " DESC"))
        }
        if !clauses.contains(where: { $0.key == SearchKey(.attribute, "experiment_id") }) {
            terms.append("e.experiment_id DESC")
        }
        let selected = "e.experiment_id, e.name, e.artifact_location, e.lifecycle_stage, \(try column("creation_time")) AS creation_time, \(try column("last_update_time")) AS last_update_time, \(workspace ? "e.workspace" : "NULL AS workspace")"
        return SQLFragment("SELECT \(selected) FROM experiments e WHERE ")
            + SQLFragment.conjunction(conditions)
            + SQLFragment(" ORDER BY " + terms.joined(separator: ", ") + " LIMIT ? OFFSET ?",
                          [.int(Int64(limit)), .int(Int64(offset))])
    }

    private func column(_ attribute: String) throws -> String {
        switch attribute {
        case "name", "experiment_id": return "e.\(attribute)"
        case "creation_time", "last_update_time": return experimentTimes ? "e.\(attribute)" : "NULL"
        default: throw MLflowError.invalidParameter("Invalid attribute key '\(attribute)' specified.")
        }
    }

    private func condition(_ c: Comparison) throws -> SQLFragment {
        let op = c.comparator
        switch c.key.kind {
        case .attribute where c.key.key == "experiment_id":
            // experiment_id is an INTEGER column; MLflow coerces the quoted values to int.
            guard [.equal, .notEqual, .in, .notIn].contains(op) else {
                throw MLflowError.invalidParameter("Invalid comparator for experiment_id: \(op.rawValue)")
            }
            let ids: [String]
            switch c.value {
            case .string(let s): ids = [s]
            case .list(let l): ids = l
            case .number(let d): ids = [String(d)]
            case .none: ids = []
            }
            let parsed = try ids.map { SQLValue.int(try parseExperimentID($0)) }
            if op == .in || op == .notIn {
                if parsed.isEmpty { return SQLFragment(op == .in ? SQLDialect.never : SQLDialect.always) }
                return SQLFragment("e.experiment_id \(op.rawValue) (" + marks(parsed.count) + ")", parsed)
            }
            return SQLFragment("e.experiment_id \(op.rawValue) ?", parsed)
        case .attribute where c.key.key == "name":
            guard [.equal, .notEqual, .like, .ilike].contains(op) else {
                throw MLflowError.invalidParameter("Invalid comparator for string attribute: \(op.rawValue)")
            }
            return comparisonSQL("e.name", op, c.value, numeric: false, features.dialect)
        case .attribute:
            let col = try column(c.key.key)
            guard [.equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual].contains(op) else {
                throw MLflowError.invalidParameter("Invalid comparator for numeric attribute: \(op.rawValue)")
            }
            guard case .number(let d) = c.value, d == d.rounded(), abs(d) < 9.2e18 else {
                throw MLflowError.invalidParameter("Invalid value for numeric attribute '\(c.key.key)': \(pythonRepr(c.value))")
            }
            return SQLFragment("\(col) \(op.rawValue) ?", [.int(Int64(d))])
        case .tag:
            let head = "SELECT 1 FROM experiment_tags t WHERE t.experiment_id = e.experiment_id AND t.\"key\" = ?"
            switch op {
            case .isNull: return SQLFragment("NOT EXISTS (\(head))", [.text(c.key.key)])
            case .isNotNull: return SQLFragment("EXISTS (\(head))", [.text(c.key.key)])
            case .equal, .notEqual, .like, .ilike:
                return SQLFragment("EXISTS (\(head) AND ", [.text(c.key.key)])
                    + comparisonSQL("t.value", op, c.value, numeric: false, features.dialect) + SQLFragment(")")
            default:
                throw MLflowError.invalidParameter("Invalid comparator for tag: \(op.rawValue)")
            }
        default:
            throw MLflowError.invalidParameter("Invalid token type: \(c.key.kind.rawValue)")
        }
    }
}

/// SQL stores require integer experiment ids: MLflow's `_parse_experiment_id` is Python's
/// `int()`, which also accepts surrounding whitespace, a sign and digit-separating underscores.
func parseExperimentID(_ id: String) throws -> Int64 {
    let invalid = MLflowError.invalidParameter("Invalid experiment ID '\(id)'. Experiment ID must be a valid integer.")
    var text = Substring(id.trimmingCharacters(in: .whitespacesAndNewlines))
    var negative = false
    if let sign = text.first, sign == "+" || sign == "-" {
        negative = sign == "-"
        text = text.dropFirst()
    }
    guard let first = text.first, let last = text.last, first.isASCII, first.isNumber, last.isASCII, last.isNumber,
          !text.contains("__"), text.allSatisfy({ ($0.isASCII && $0.isNumber) || $0 == "_" }),
          let value = Int64(text.filter { $0 != "_" }) else { throw invalid }
    return negative ? -value : value
}

/// n placeholders for an IN list.
func marks(_ n: Int) -> String { Array(repeating: "?", count: n).joined(separator: ", ") }

/// A Python list repr of strings, as MLflow's messages print `order_by` lists.
func pythonList(_ items: [String]) -> String {
    "[" + items.map { "'\($0)'" }.joined(separator: ", ") + "]"
}

private func pythonRepr(_ value: SearchValue) -> String {
    switch value {
    case .number(let d): return "'\(d)'"
    case .string(let s): return "'\(s)'"
    case .list(let l): return pythonList(l)
    case .none: return "None"
    }
}
