/// The requests compared against `mlflow server`. Grammar facts: `mlflow/utils/search_utils.py`
/// `SearchUtils.parse_search_filter`; orderings: `SearchUtils.sort` and `sqlalchemy_store.py`
/// `_get_orderby_clauses`.
enum ConformanceCases {
    static let bench = ["llm-benchmark"]
    static let japanese = ["日本語-実験"]
    static let everyExperiment = ConformanceHarness.activeExperiments + ["archived-2024"]

    static let validFilters: [RunsCase] = [
        RunsCase("no filter"),
        RunsCase("benchmark filter", filter: "params.model = 'gpt-4o' and metrics.latency_p95 < 1200"),
        RunsCase("benchmark filter, upper-case AND", experiments: bench, filter: "params.model = 'gpt-4o' AND metrics.latency_p95 < 1200"),
        RunsCase("metric >=", filter: "metrics.latency_p95 >= 1000"),
        RunsCase("metric prefix singular", experiments: bench, filter: "metric.accuracy > 0.8 AND params.temperature = '0.2'"),
        RunsCase("backticked metric key with slash", experiments: japanese, filter: "metrics.`train/loss` < 0.5"),
        RunsCase("double-quoted metric key with space", experiments: japanese, filter: "metrics.\"eval loss\" > 0.1"),
        RunsCase("param equals float text", experiments: japanese, filter: "params.lr = '0.001'"),
        RunsCase("param LIKE", filter: "params.model LIKE 'gpt%'"),
        RunsCase("param ILIKE", filter: "params.model ILIKE 'LLAMA%'"),
        RunsCase("param LIKE is case-sensitive", filter: "params.model LIKE 'GPT%'"),
        RunsCase("param IS NULL", experiments: japanese, filter: "params.lr IS NULL"),
        RunsCase("param IS NOT NULL", filter: "params.lr IS NOT NULL"),
        RunsCase("tag !=", experiments: bench, filter: "tags.stage != 'prod'"),
        RunsCase("tag key with dots", filter: "tags.mlflow.runName = 'trial-0'"),
        RunsCase("status attribute", filter: "attributes.status = 'FAILED'"),
        RunsCase("status without prefix", filter: "status = 'RUNNING'"),
        RunsCase("run. prefix, !=", filter: "run.status != 'FINISHED'"),
        RunsCase("status is case-sensitive", filter: "status = 'finished'"),
        RunsCase("Run name alias LIKE", filter: "attributes.`Run name` LIKE 'trial-%'"),
        RunsCase("run_name ILIKE", filter: "attributes.run_name ILIKE '%FOLD%'"),
        RunsCase("start_time >", filter: "attributes.start_time > 1735692000000"),
        RunsCase("created alias, float", filter: "created >= 1735700000000.5"),
        RunsCase("end_time > 0 (running runs excluded)", filter: "attributes.end_time > 0"),
        RunsCase("dataset name", filter: "datasets.name = 'eval-v2'"),
        RunsCase("dataset context", filter: "datasets.context = 'training'"),
        RunsCase("dataset name IN", filter: "datasets.name IN ('wiki-ja', 'wiki-ja-dev')"),
        RunsCase("NaN is != everything", experiments: japanese, filter: "metrics.nan_metric != 0"),
        RunsCase("NaN never =", experiments: japanese, filter: "metrics.nan_metric = 0"),
        RunsCase("empty param value", experiments: japanese, filter: "params.empty_param = ''"),
        RunsCase("param key with spaces", experiments: japanese, filter: "params.`key with spaces` = 'v a l u e'"),
        RunsCase("unicode param key and value", experiments: japanese, filter: "params.`unicode_ключ` = 'значение'"),
        RunsCase("multi-line tag LIKE", experiments: japanese, filter: "tags.multi_line LIKE '%second%'"),
        RunsCase("user_id", filter: "user_id = 'bob'"),
        RunsCase("run_id IN", filter: "attributes.run_id IN ('{run:trial-0}', '{run:gpt-4o-t1}')"),
        RunsCase("run_id NOT IN", experiments: japanese, filter: "attributes.run_id NOT IN ('{run:trial-0}')"),
        RunsCase("+inf compares as a number", experiments: japanese, filter: "metrics.inf_metric > 1e300"),
        RunsCase("-inf compares as a number", experiments: japanese, filter: "metrics.neg_inf_metric < 0"),
        RunsCase("three clauses", filter: "metrics.latency_p95 < 1200 and metrics.latency_p95 > 800 and params.model != 'mistral'"),
        RunsCase("children of a parent", filter: "tags.`mlflow.parentRunId` = '{run:sweep-親}'"),
        RunsCase("artifact_uri LIKE", experiments: bench, filter: "attributes.artifact_uri LIKE '%artifacts'"),
        RunsCase("latest of out-of-order metric", experiments: japanese, filter: "metrics.out_of_order = 7"),
        // MLflow's sqlparse-based parser accepts a dangling AND.
        RunsCase("trailing AND", experiments: bench, filter: "params.model = 'gpt-4o' and"),
        RunsCase("empty experiment", experiments: ["empty-experiment"]),
        RunsCase("by experiment name", experiments: ["日本語-実験", "émoji 🚀 runs"], filter: "params.lr IS NULL", byName: true),
        // sqlparse keeps a dot no name follows in the identifier: MLflow reads key ".model".
        RunsCase("dotted key params..model", filter: "params..model = 'gpt-4o'"),
        RunsCase("dotted key params.model. IS NULL", experiments: bench, filter: "params.model. IS NULL"),
        // 3,300 values with their commas and spaces are 9,906 of the 10,000 tokens sqlparse groups.
        RunsCase("run_id IN, 3,300 values", experiments: bench,
                 filter: "attributes.run_id IN ('{run:gpt-4o-t1}', " + (1..<3300).map { "'x\($0)'" }.joined(separator: ", ") + ")"),
    ]

    static let invalidFilters: [RunsCase] = [
        "metrics.loss > '0.1'",
        "params.lr = 0.01",
        "params.lr IN ('0.01', '0.1')",
        "tags.stage = dev",
        "attributes.status IN ('FAILED', 'RUNNING')",
        "attributes.start_time > '0'",
        "attributes.experiment_id = '1'",
        "attributes.end_time IS NULL",
        "metrics.loss IS NULL",
        "metrics.loss < 0.5 OR params.lr = '0.01'",
        "(metrics.loss < 0.5)",
        "metrics.loss > 0.1;",
        "foo.bar = 'x'",
        "params.lr == '0.01'",
        "params.lr <> '0.01'",
        "params.lr > '0.001'",
        "metrics.loss <",
        "datasets.foo = 'x'",
        // sqlparse finds no statement in a blank filter: "Invalid filter '   '. Could not be parsed."
        "   ",
        "\n",
    ].map { (filter: String) in RunsCase("invalid filter \(filter)", filter: filter) } + [
        // 10,007 tokens: sqlparse refuses more than 10,000, MLflow answers "Error on parsing filter".
        RunsCase("invalid filter: 1,001 clauses, past sqlparse's 10,000 tokens",
                 filter: Array(repeating: "params.model = 'gpt-4o'", count: 1001).joined(separator: " AND ")),
        RunsCase("invalid filter: run_id IN with 5,000 values, past sqlparse's 10,000 tokens",
                 filter: "attributes.run_id IN (" + (0..<5000).map { "'x\($0)'" }.joined(separator: ", ") + ")"),
    ]

    static let orderings: [RunsCase] = [
        RunsCase("order metric DESC", orderBy: ["metrics.latency_p95 DESC"]),
        RunsCase("order metric default ASC", orderBy: ["metrics.latency_p95"]),
        RunsCase("order param then metric", experiments: bench, orderBy: ["params.model ASC", "metrics.accuracy DESC"]),
        RunsCase("order start_time ASC", orderBy: ["attributes.start_time ASC"]),
        RunsCase("order created DESC", orderBy: ["created DESC"]),
        RunsCase("order run_name", orderBy: ["run_name"]),
        RunsCase("order status DESC, run_id", orderBy: ["attributes.status DESC", "run_id"]),
        RunsCase("order NaN and missing ASC", experiments: japanese, orderBy: ["metrics.loss ASC"]),
        RunsCase("order NaN and missing DESC", experiments: japanese, orderBy: ["metrics.loss DESC"]),
        RunsCase("order mixed_nan latest", experiments: japanese, orderBy: ["metrics.mixed_nan"]),
        RunsCase("order tag DESC", experiments: bench, orderBy: ["tags.stage DESC"]),
        RunsCase("order user_id, end_time DESC", orderBy: ["user_id", "end_time DESC"]),
        RunsCase("order backticked key", experiments: japanese, orderBy: ["metrics.`train/loss` DESC"]),
        RunsCase("order params as strings", experiments: japanese, orderBy: ["params.lr DESC"]),
        RunsCase("order lower-case direction", orderBy: ["metrics.accuracy desc"]),
        RunsCase("filter and order", filter: "params.model = 'gpt-4o'", orderBy: ["metrics.latency_p95 DESC"]),
        RunsCase("invalid order NULLS LAST", orderBy: ["metrics.loss NULLS LAST"]),
        RunsCase("invalid order entity", orderBy: ["foo.bar"]),
        RunsCase("invalid order experiment_id", orderBy: ["attributes.experiment_id"]),
        RunsCase("invalid order two directions", orderBy: ["metrics.loss ASC DESC"]),
        // The file store accepts a repeated key, SQL rejects it (`_get_orderby_clauses`:
        // "`order_by` contains duplicate fields"): mltui must follow its store.
        RunsCase("order same key twice", orderBy: ["metrics.loss", "metrics.loss DESC"]),
    ]

    static let viewsAndLimits: [RunsCase] = [
        RunsCase("view ALL", experiments: everyExperiment, viewType: "ALL"),
        RunsCase("view DELETED_ONLY", experiments: everyExperiment, viewType: "DELETED_ONLY"),
        RunsCase("view ACTIVE_ONLY", experiments: everyExperiment, viewType: "ACTIVE_ONLY"),
        RunsCase("deleted experiment, default view", experiments: ["archived-2024"]),
        RunsCase("view ALL with filter", experiments: everyExperiment, filter: "params.model = 'gpt-4o' and metrics.latency_p95 < 1200", viewType: "ALL"),
        RunsCase("max_results 1", maxResults: 1),
        RunsCase("max_results 5 ordered", orderBy: ["metrics.latency_p95 ASC"], maxResults: 5),
        RunsCase("max_results 10 filtered", filter: "params.model = 'gpt-4o'", maxResults: 10),
        RunsCase("max_results larger than result", experiments: bench, maxResults: 1000),
    ]

    /// (run name, metric key): curves, 5000 steps, special values, odd keys, missing things.
    static let histories: [(run: String, key: String)] = [
        ("trial-0", "loss"), ("trial-0", "accuracy"), ("trial-0", "lr"), ("trial-0", "train/loss"), ("trial-0", "eval loss"),
        ("edge-cases", "random_walk"), ("edge-cases", "out_of_order"), ("edge-cases", "mixed_nan"),
        ("edge-cases", "dup_metric"), ("edge-cases", "nan_metric"), ("edge-cases", "inf_metric"),
        ("edge-cases", "neg_inf_metric"), ("edge-cases", "big"), ("edge-cases", "tiny"), ("edge-cases", "no_such_metric"),
        ("nan-run", "loss"), ("deleted-trial", "loss"), ("gpt-4o-live", "latency_p95"), ("old-run-1", "latency_p95"),
    ]

    /// (run name, artifact path).
    static let artifactLists: [(run: String, path: String?)] = [
        ("artifact-zoo 🦓", nil), ("artifact-zoo 🦓", "config"), ("artifact-zoo 🦓", "model"), ("artifact-zoo 🦓", "docs"),
        ("artifact-zoo 🦓", "a"), ("artifact-zoo 🦓", "a/b/c/d"), ("artifact-zoo 🦓", "plots"), ("artifact-zoo 🦓", "logs"),
        ("artifact-zoo 🦓", "hello.txt"), ("artifact-zoo 🦓", "no/such/dir"), ("artifact-zoo 🦓", "../escape"),
        ("no-artifacts", nil), ("sweep-親", nil), ("old-run-1", nil),
    ]

    static let experimentViews: [String?] = [nil, "ACTIVE_ONLY", "DELETED_ONLY", "ALL"]
}
