import Foundation
import XCTest
@testable import Tracking

/// The logged-model and registry searches on hand-built entities, for the places where MLflow's
/// file and SQL stores answer differently (the conformance battery checks both against
/// `mlflow server` over real stores).
final class ModelSearchTests: XCTestCase {
    private func model(_ id: String, _ name: String, created: Int64, status: LoggedModelStatus = .ready, type: String? = nil,
                       metrics: [Metric] = [], params: [Param] = [], tags: [Tag] = []) -> LoggedModel {
        LoggedModel(modelID: id, experimentID: "1", name: name, artifactLocation: "/a/\(id)", creationTimestamp: created,
                    lastUpdatedTimestamp: created, modelType: type, sourceRunID: "r", status: status,
                    tags: tags, params: params, metrics: metrics)
    }

    private func accuracy(_ value: Double, at timestamp: Int64, dataset: String? = nil, digest: String? = nil) -> Metric {
        Metric(key: "accuracy", value: value, timestamp: timestamp, step: 0, runID: "r", datasetName: dataset, datasetDigest: digest)
    }

    private lazy var models = [
        model("m-a", "clf-small", created: 3, type: "classifier", metrics: [accuracy(0.9, at: 1), accuracy(0.7, at: 2, dataset: "hard", digest: "d1")],
              params: [Param("hidden", "64")], tags: [Tag("framework", "sklearn")]),
        model("m-b", "clf-large", created: 2, status: .pending, type: "classifier", metrics: [accuracy(0.85, at: 1, dataset: "eval", digest: "d2")]),
        model("m-c", "baseline", created: 1, status: .failed),
    ]

    private func ids(_ request: LoggedModelSearch, _ kind: StoreKind, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        do { return try LoggedModelSearching.search(models, request, kind: kind).items.map(\.modelID) } catch {
            XCTFail("\(request): \(error)", file: file, line: line)
            return []
        }
    }

    func testDefaultOrderIsNewestFirst() {
        XCTAssertEqual(ids(LoggedModelSearch(experimentIDs: ["1"]), .file), ["m-a", "m-b", "m-c"])
    }

    func testFileStoreComparesTheFirstMetricValueAndSQLAnyValue() {
        let below = LoggedModelSearch(experimentIDs: ["1"], filter: "metrics.accuracy < 0.8")
        XCTAssertEqual(ids(below, .file), [])
        XCTAssertEqual(ids(below, .sql), ["m-a"])
    }

    func testStatusIsTheNameInTheFileStoreAndTheNumberInSQL() {
        XCTAssertEqual(ids(LoggedModelSearch(experimentIDs: ["1"], filter: "status = 'READY'"), .file), ["m-a"])
        XCTAssertEqual(ids(LoggedModelSearch(experimentIDs: ["1"], filter: "status = 'READY'"), .sql), [])
        XCTAssertEqual(ids(LoggedModelSearch(experimentIDs: ["1"], filter: "status = '2'"), .sql), ["m-a"])
    }

    func testParamsTagsAndAttributes() {
        XCTAssertEqual(ids(LoggedModelSearch(experimentIDs: ["1"], filter: "params.hidden = '64' AND tags.framework LIKE 'sk%'"), .file), ["m-a"])
        XCTAssertEqual(ids(LoggedModelSearch(experimentIDs: ["1"], filter: "name IN ('baseline', 'clf-large')"), .sql), ["m-b", "m-c"])
        XCTAssertEqual(ids(LoggedModelSearch(experimentIDs: ["1"], filter: "model_type = 'classifier' AND creation_timestamp >= 2"), .file),
                       ["m-a", "m-b"])
    }

    func testDatasetFilters() {
        let eval = LoggedModelSearch(experimentIDs: ["1"], datasets: [.init(name: "eval")])
        XCTAssertEqual(ids(eval, .file), ["m-b"])
        XCTAssertEqual(ids(eval, .sql), ["m-b"], "called directly, SQL ignores an absent digest")
        // Through REST the handler always passes a digest key; SQL then wants it NULL.
        let viaREST = LoggedModelSearch(experimentIDs: ["1"], datasets: [.init(name: "eval", digestGiven: true)])
        XCTAssertEqual(ids(viaREST, .file), ["m-b"])
        XCTAssertEqual(ids(viaREST, .sql), [])
        let hard = LoggedModelSearch(experimentIDs: ["1"], filter: "metrics.accuracy < 0.8", datasets: [.init(name: "hard", digest: "d1")])
        XCTAssertEqual(ids(hard, .file), ["m-a"], "with datasets, metric clauses see only their values")
        XCTAssertThrowsError(try LoggedModelSearching.search(models, LoggedModelSearch(experimentIDs: ["1"], datasets: [.init(name: "")]), kind: .file))
    }

    func testMetricOrderPutsModelsWithoutTheMetricLast() {
        let descending = LoggedModelSearch(experimentIDs: ["1"], orderBy: [.init(fieldName: "metrics.accuracy", ascending: false)])
        XCTAssertEqual(ids(descending, .file), ["m-b", "m-a", "m-c"], "m-a's latest value (0.7) sorts below m-b's 0.85")
        let ascending = LoggedModelSearch(experimentIDs: ["1"], orderBy: [.init(fieldName: "metrics.accuracy")])
        XCTAssertEqual(ids(ascending, .sql), ["m-a", "m-b", "m-c"])
        let onEval = LoggedModelSearch(experimentIDs: ["1"], orderBy: [.init(fieldName: "metrics.accuracy", datasetName: "eval")])
        XCTAssertEqual(ids(onEval, .file), ["m-b", "m-a", "m-c"])
    }

    func testBadOrderFieldsAreRefusedInEachStoresWords() {
        let foo = LoggedModelSearch(experimentIDs: ["1"], orderBy: [.init(fieldName: "foo")])
        XCTAssertThrowsError(try LoggedModelSearching.search(models, foo, kind: .file)) { error in
            XCTAssertEqual((error as? MLflowError)?.message, "Invalid order by field name: foo.")
        }
        XCTAssertThrowsError(try LoggedModelSearching.search(models, foo, kind: .sql)) { error in
            XCTAssertEqual((error as? MLflowError)?.errorClass, "ATTRIBUTE_NOT_FOUND")
        }
        let params = LoggedModelSearch(experimentIDs: ["1"], orderBy: [.init(fieldName: "params.hidden")])
        XCTAssertThrowsError(try LoggedModelSearching.search(models, params, kind: .file))
    }

    func testSQLPageTokenIsMLflowsAndChecksTheRequest() throws {
        var request = LoggedModelSearch(experimentIDs: ["1"], maxResults: 2)
        let first = try LoggedModelSearching.search(models, request, kind: .sql)
        let token = try XCTUnwrap(first.nextPageToken)
        XCTAssertEqual(String(decoding: Data(base64Encoded: token)!, as: UTF8.self),
                       "{\"experiment_ids\": [\"1\"], \"filter_string\": null, \"order_by\": null, \"offset\": 2}")
        request.pageToken = token
        XCTAssertEqual(try LoggedModelSearching.search(models, request, kind: .sql).items.map(\.modelID), ["m-c"])
        request.filter = "name != 'x'"
        XCTAssertThrowsError(try LoggedModelSearching.search(models, request, kind: .sql), "the token belongs to another filter")
        let fileFirst = try LoggedModelSearching.search(models, LoggedModelSearch(experimentIDs: ["1"], maxResults: 2), kind: .file)
        XCTAssertEqual(fileFirst.nextPageToken, PageToken.encode(offset: 2))
    }

    func testLoggedModelFilterGrammar() {
        XCTAssertNoThrow(try SearchGrammar.parseLoggedModelFilter("metrics.`accuracy` >= 0.5 AND attributes.name != 'x'"))
        for bad in ["name = 'a' OR name = 'b'", "metrics.accuracy >> 1", "params.hidden > '100'", "foo.bar = 'x'",
                    "foo = 'x'", "metrics.accuracy = 'x'", "tags.t IS NULL", "datasets.name = 'x'"] {
            XCTAssertThrowsError(try SearchGrammar.parseLoggedModelFilter(bad), bad) { error in
                XCTAssertEqual((error as? MLflowError)?.code, .invalidParameterValue, bad)
            }
        }
    }

    // MARK: registry

    private func version(_ name: String, _ number: Int, stage: String = "None", updated: Int64, tags: [Tag] = []) -> ModelVersion {
        ModelVersion(name: name, version: String(number), creationTimestamp: updated, lastUpdatedTimestamp: updated,
                     currentStage: stage, source: "models:/m-\(name)-\(number)", runID: "run\(number)", status: "READY", tags: tags)
    }

    private lazy var versions = [
        version("clf", 1, stage: "Archived", updated: 10), version("clf", 2, updated: 20, tags: [Tag("validated", "true")]),
        version("clf", 3, stage: "Production", updated: 30), version("clf", 4, stage: ModelStage.deletedInternal, updated: 40),
        version("agent", 1, stage: "Staging", updated: 25),
    ]

    func testModelVersionSearchLeavesDeletedVersionsOutAndOrdersByUpdateTime() throws {
        let all = try RegistrySearching.searchModelVersions(versions, RegistrySearch(maxResults: 100), kind: .file)
        XCTAssertEqual(all.items.map { "\($0.name)/\($0.version)" }, ["clf/3", "agent/1", "clf/2", "clf/1"])
        let quoted = try RegistrySearching.searchModelVersions(versions, RegistrySearch(filter: "version_number = '2'", maxResults: 100), kind: .sql)
        XCTAssertEqual(quoted.items.map(\.version), ["2"])
        let tagged = try RegistrySearching.searchModelVersions(versions, RegistrySearch(filter: "tags.validated = 'true'", maxResults: 100), kind: .file)
        XCTAssertEqual(tagged.items.map(\.version), ["2"])
        XCTAssertThrowsError(try SearchGrammar.parseModelVersionFilter("current_stage = 'Production'"))
    }

    func testLatestVersionsPerStage() throws {
        let latest = try RegistrySearching.latestVersions(versions.filter { $0.name == "clf" }, stages: [])
        XCTAssertEqual(latest.map(\.version), ["2", "3", "1"], "None, Production, Archived; the deleted v4 never counts")
        XCTAssertEqual(try RegistrySearching.latestVersions(versions, stages: ["staging"]).map(\.name), ["agent"])
        XCTAssertThrowsError(try RegistrySearching.latestVersions(versions, stages: ["Bogus"])) { error in
            XCTAssertEqual((error as? MLflowError)?.message,
                           "Invalid Model Version stage: Bogus. Value must be one of None, Staging, Production, Archived.")
        }
    }

    func testRegisteredModelSearchHidesPromptsAndFollowsEachStoresOrderKeys() throws {
        let models = [RegisteredModel(name: "b", creationTimestamp: 1, lastUpdatedTimestamp: 5),
                      RegisteredModel(name: "a", creationTimestamp: 2, lastUpdatedTimestamp: 3),
                      RegisteredModel(name: "prompt", creationTimestamp: 3, lastUpdatedTimestamp: 4, tags: [Tag("mlflow.prompt.is_prompt", "true")])]
        XCTAssertEqual(try RegistrySearching.searchRegisteredModels(models, RegistrySearch(maxResults: 10), kind: .file).items.map(\.name), ["a", "b"])
        let prompts = RegistrySearch(filter: "tags.`mlflow.prompt.is_prompt` = 'true'", maxResults: 10)
        XCTAssertEqual(try RegistrySearching.searchRegisteredModels(models, prompts, kind: .sql).items.map(\.name), ["prompt"])
        let byTime = RegistrySearch(orderBy: ["timestamp DESC"], maxResults: 10)
        XCTAssertEqual(try RegistrySearching.searchRegisteredModels(models, byTime, kind: .sql).items.map(\.name), ["b", "a"])
        XCTAssertThrowsError(try RegistrySearching.searchRegisteredModels(models, byTime, kind: .file))
        XCTAssertThrowsError(try RegistrySearching.searchRegisteredModels(models, RegistrySearch(orderBy: ["creation_timestamp"], maxResults: 10), kind: .sql))
        let empty = try RegistrySearching.searchRegisteredModels(models, RegistrySearch(maxResults: 0), kind: .sql)
        XCTAssertEqual(empty.items.count, 0)
        XCTAssertEqual(empty.nextPageToken, PageToken.encode(offset: 0), "SQL answers max_results 0 with a token to offset 0")
        XCTAssertThrowsError(try RegistrySearching.searchRegisteredModels(models, RegistrySearch(maxResults: 0), kind: .file))
    }

    func testDatasetSchemaAndProfile() {
        let schema = DatasetSchema(json: "{\"mlflow_colspec\": [{\"type\": \"string\", \"name\": \"prompt\", \"required\": true}, {\"type\": \"long\", \"name\": \"length\", \"required\": false}]}")
        XCTAssertEqual(schema?.columns.map(\.name), ["prompt", "length"])
        XCTAssertEqual(schema?.columns.map(\.required), [true, false])
        XCTAssertNil(DatasetSchema(json: "not json"))
        XCTAssertEqual(DatasetProfile.fields("{\"num_rows\": 12, \"num_elements\": 36}").map(\.0), ["num_rows", "num_elements"])
    }
}
