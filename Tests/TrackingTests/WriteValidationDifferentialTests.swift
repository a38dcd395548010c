import Foundation
import XCTest
@testable import Tracking

/// Every check of WriteValidation against MLflow's own `mlflow/utils/validation.py` on the same
/// inputs (Tests/mlflow_validation_oracle.py under the real MLflow): both accept or refuse, with
/// the same code and message, and truncate long values to the same text.
final class WriteValidationDifferentialTests: XCTestCase {
    /// One input: how the oracle calls MLflow, and the same check here. The closure returns what
    /// the check returns (a key/value pair, a batch) as JSON-shaped values, or nil.
    struct Case {
        let fn: String
        let args: [Any]
        let check: () throws -> Any?
    }

    static let names = [
        "loss", "train/loss", "a b", "a:b", "a-b_c.d", "a\n", "\n", "a\n\n", "", ".", "..", "./a", "a/./b", "a/../b",
        "/abs", "a//b", "//a", "///a", "a/", "../x", "a..b", "...", "ключ", "名前", "x²", "½", "Ⅻ", "a\u{00A0}b",
        "a\tb", "a'b", "a\"b", "a'\"b", "emoji😀", "a\u{200B}b", "\u{E000}", "a\\b", "a,b", "é", "e\u{301}",
        "a/\u{7F}/..", "x/..\n", String(repeating: "k", count: 251),
    ]

    static var metricValues: [Any] { [1.0, 1e16, 1e15, 0.1, 1e-5, 0.0001, -2.5, "nan", "inf", "-inf",
                                      123456789.123, 5e-324, 1.7976931348623157e308, 0.0, 100.0, 1234.5e10] }

    static func metricValue(_ v: Any) -> Double { (v as? Double) ?? Double(v as! String)! }

    static func pair(_ kv: KeyValue) -> [String] { [kv.key, kv.value] }

    static var cases: [Case] {
        var cases: [Case] = []
        for name in names {
            cases.append(Case(fn: "metric_name", args: [name, "name"]) { try WriteValidation.metricName(name); return nil })
            cases.append(Case(fn: "param_name", args: [name, "params[3].key"]) {
                try WriteValidation.paramName(name, path: "params[3].key"); return nil
            })
            cases.append(Case(fn: "tag_name", args: [name, "key"]) { try WriteValidation.tagName(name); return nil })
            cases.append(Case(fn: "param", args: [name, "v", ""]) { pair(try WriteValidation.param(Param(name, "v"))) })
            cases.append(Case(fn: "tag", args: [name, "v", "tags[0]"]) {
                pair(try WriteValidation.tag(Tag(name, "v"), path: "tags[0]"))
            })
            cases.append(Case(fn: "experiment_tag", args: [name, "v"]) { try WriteValidation.experimentTag(Tag(name, "v")); return nil })
        }
        for value in metricValues {
            for (key, ts) in [("m", Int64(-1)), ("m", Int64(5)), ("a'b", Int64(-7)), (String(repeating: "m", count: 251), Int64(0))] {
                cases.append(Case(fn: "metric", args: [key, value, ts, 0, ""]) {
                    try WriteValidation.metric(Metric(key: key, value: metricValue(value), timestamp: ts, step: 0)); return nil
                })
            }
        }
        cases.append(Case(fn: "metric", args: ["x", 1.0, -3, 0, "metrics[4]"]) {
            try WriteValidation.metric(Metric(key: "x", value: 1, timestamp: -3, step: 0), path: "metrics[4]"); return nil
        })
        for (key, value) in [("p", String(repeating: "v", count: 6001)), ("p", String(repeating: "é", count: 6000)),
                             ("p", String(repeating: "😀", count: 6003)), (String(repeating: "k", count: 250), "v"),
                             (String(repeating: "k", count: 251), "v")] {
            cases.append(Case(fn: "param", args: [key, value, ""]) { pair(try WriteValidation.param(Param(key, value))) })
        }
        for (key, value) in [("t", String(repeating: "v", count: 8001)), ("t", String(repeating: "v", count: 8000)),
                             (String(repeating: "k", count: 251), "v")] {
            cases.append(Case(fn: "tag", args: [key, value, ""]) { pair(try WriteValidation.tag(Tag(key, value))) })
        }
        for (key, value) in [("t", String(repeating: "v", count: 20001)), (String(repeating: "k", count: 251), "v"),
                             ("t", String(repeating: "v", count: 20000))] {
            cases.append(Case(fn: "experiment_tag", args: [key, value]) { try WriteValidation.experimentTag(Tag(key, value)); return nil })
        }
        for id in ["abc", "", String(repeating: "a", count: 256), String(repeating: "a", count: 257), "-abc", "_a",
                   "a-b_c", "ab\n", "ab c", "ключ", "aключ", "a\n\n", "0123456789abcdef", "a/b", "é"] {
            cases.append(Case(fn: "run_id", args: [id]) { try WriteValidation.runID(id); return nil })
            cases.append(Case(fn: "experiment_id", args: [id]) { try WriteValidation.experimentID(id); return nil })
        }
        cases.append(Case(fn: "experiment_id", args: [String(repeating: "7", count: 65)]) {
            try WriteValidation.experimentID(String(repeating: "7", count: 65)); return nil
        })
        for name in [nil, "", "ok", String(repeating: "n", count: 500), String(repeating: "n", count: 501), " "] as [String?] {
            cases.append(Case(fn: "experiment_name", args: [name ?? NSNull()]) { try WriteValidation.experimentName(name); return nil })
        }
        for location in ["runs:/abc/model", "s3://bucket/x", "file:///tmp/x", "mlflow-artifacts:/", "runs"] {
            cases.append(Case(fn: "artifact_location", args: [location]) { try WriteValidation.experimentArtifactLocation(location); return nil })
        }
        for location in [String(repeating: "l", count: 2048), String(repeating: "l", count: 2049)] {
            cases.append(Case(fn: "artifact_location_length", args: [location]) {
                try WriteValidation.experimentArtifactLocationLength(location); return nil
            })
        }
        for name in [nil, "", "m", "a.b", "a/b", "a'b", "model-1", "a%", "a:b", "a\"b", "модель"] as [String?] {
            cases.append(Case(fn: "logged_model_name", args: [name ?? NSNull()]) { try WriteValidation.loggedModelName(name); return nil })
        }
        for keys in [["a", "b"], ["a", "b", "a", "b", "a"], ["x'y", "x'y"], []] {
            cases.append(Case(fn: "param_keys_unique", args: [keys]) {
                try WriteValidation.paramKeysUnique(keys.map { Param($0, "x") }); return nil
            })
        }
        cases += batchCases + datasetCases
        return cases
    }

    static func batch(_ runID: String, _ metrics: [Metric], _ params: [Param], _ tags: [Tag]) -> Case {
        Case(fn: "log_batch", args: [runID, metrics.map { [$0.key, $0.value, $0.timestamp, $0.step] as [Any] },
                                     params.map(pair), tags.map(pair)]) {
            let (p, t) = try WriteValidation.logBatch(runID: runID, metrics: metrics, params: params, tags: tags)
            return [p.map(pair), t.map(pair)]
        }
    }

    static var batchCases: [Case] {
        func metrics(_ n: Int) -> [Metric] { (0..<n).map { Metric(key: "m\($0 % 7)", value: 1, timestamp: 1, step: Int64($0)) } }
        func params(_ n: Int) -> [Param] { (0..<n).map { Param("p\($0)", "v") } }
        func tags(_ n: Int) -> [Tag] { (0..<n).map { Tag("t\($0)", "v") } }
        return [
            batch("run1", metrics(3), params(2), tags(2)),
            batch("run1", metrics(1001), [], []),
            batch("run1", [], params(101), []),
            batch("run1", [], [], tags(101)),
            batch("run1", metrics(900), params(100), tags(1)),
            batch("run1", [], [Param("a", "1"), Param("a", "2")], []),
            batch("bad id", metrics(1), [], []),
            batch("run1", metrics(2) + [Metric(key: "../x", value: 1, timestamp: 1, step: 0)], [], []),
            batch("run1", [Metric(key: "m", value: 1, timestamp: -1, step: 0)], [Param("a b/", "1")], []),
            batch("run1", [], [Param("p", String(repeating: "x", count: 7000))], [Tag("t", String(repeating: "y", count: 9000)), Tag("", "z")]),
            batch("run1", metrics(1001), [Param("../p", "1")], []),
        ]
    }

    static var datasetCases: [Case] {
        func input(name: String = "d", digest: String = "abc", source: String = "{}", schema: String? = nil,
                   profile: String? = nil, tags: [Tag] = [Tag("mlflow.data.context", "train")]) -> DatasetInput {
            DatasetInput(tags: tags, dataset: Dataset(name: name, digest: digest, sourceType: "local", source: source,
                                                      schema: schema, profile: profile))
        }
        let inputs = [
            input(), input(name: String(repeating: "n", count: 501)), input(digest: String(repeating: "d", count: 37)),
            input(source: String(repeating: "s", count: 65536)), input(schema: String(repeating: "s", count: 1_048_576)),
            input(tags: [Tag(String(repeating: "k", count: 256), "v")]), input(tags: [Tag("k", String(repeating: "v", count: 501))]),
            input(name: String(repeating: "n", count: 500), digest: String(repeating: "d", count: 36)),
        ]
        return inputs.map { i in
            let d = i.dataset
            let json: [String: Any] = ["name": d.name, "digest": d.digest, "source_type": d.sourceType, "source": d.source,
                                       "schema": d.schema ?? NSNull(), "profile": d.profile ?? NSNull(),
                                       "tags": i.tags.map(pair)]
            return Case(fn: "dataset_inputs", args: [[json]]) { try WriteValidation.datasetInputs([i]); return nil }
        }
    }

    func testEveryCheckAnswersAsMLflowDoes() throws {
        let cases = Self.cases
        let answers = try SearchGrammarDifferentialTests.askMLflow(
            payload: cases.map { ["fn": $0.fn, "args": $0.args] }, script: "mlflow_validation_oracle.py")
        var mismatches: [String] = []
        for (c, mlflow) in zip(cases, answers) {
            let ours: [String: Any]
            do {
                ours = ["ok": true, "result": try c.check() ?? NSNull()]
            } catch let error as MLflowError {
                ours = ["ok": false, "code": error.code.rawValue, "message": error.message]
            }
            if !Self.sameJSON(ours, mlflow) {
                let args = String(describing: c.args).prefix(200)
                mismatches.append("\(c.fn)(\(args)):\n  mltui:  \(Self.text(ours).prefix(400))\n  MLflow: \(Self.text(mlflow).prefix(400))")
            }
        }
        XCTAssertEqual(answers.count, cases.count)
        XCTAssert(mismatches.isEmpty, "\(mismatches.count) of \(cases.count) differ:\n" + mismatches.prefix(20).joined(separator: "\n"))
    }

    static func text(_ object: [String: Any]) -> String {
        (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "?"
    }

    static func sameJSON(_ a: [String: Any], _ b: [String: Any]) -> Bool { text(a) == text(b) }

    /// The Python formatting the messages depend on, beyond what MLflow's messages exercise.
    func testPythonTextMatchesPython() {
        XCTAssertEqual(PythonText.repr(1e16), "1e+16")
        XCTAssertEqual(PythonText.repr(1e15), "1000000000000000.0")
        XCTAssertEqual(PythonText.repr(0.0001), "0.0001")
        XCTAssertEqual(PythonText.repr(0.00001), "1e-05")
        XCTAssertEqual(PythonText.repr(-1.5e-7), "-1.5e-07")
        XCTAssertEqual(PythonText.repr(123.456), "123.456")
        XCTAssertEqual(PythonText.repr(1.7976931348623157e308), "1.7976931348623157e+308")
        XCTAssertEqual(PythonText.repr("it's"), "\"it's\"")
        XCTAssertEqual(PythonText.repr("a'\"b\n\u{1B}\u{85}\u{200B}😀"), "'a\\'\"b\\n\\x1b\\x85\\u200b😀'")
        XCTAssertEqual(PythonText.jsonString("é😀\u{7F}\"\\"), "\"\\u00e9\\ud83d\\ude00\\u007f\\\"\\\\\"")
        XCTAssertEqual(PythonText.normpath("//a/../b/./c/"), "//b/c")
        XCTAssertEqual(PythonText.normpath("../../a/.."), "../..")
        XCTAssertEqual(PythonText.normpath("/../a"), "/a")
        XCTAssertEqual(PythonText.normpath(""), ".")
    }
}
