import Terminal
import Tracking
import XCTest
@testable import TUI

/// The models list, the registry and the model pages on hand-built data: the effects each key
/// asks for and what the buffer shows (the tmux tests run the same screens on real stores).
final class ModelPanesTests: XCTestCase {
    let model = LoggedModel(modelID: "m-1", experimentID: "1", name: "clf-large", artifactLocation: "file:///a/m-1/artifacts",
                            creationTimestamp: Int64(Fixtures.now * 1000) - 60_000, lastUpdatedTimestamp: Int64(Fixtures.now * 1000),
                            modelType: "classifier", sourceRunID: "bbb222", status: .ready,
                            tags: [Tag("framework", "torch")], params: [Param("hidden", "256")],
                            metrics: [Metric(key: "accuracy", value: 0.88, timestamp: 1, step: 0, runID: "bbb222", datasetName: "eval", datasetDigest: "d1")])
    let pending = LoggedModel(modelID: "m-2", experimentID: "1", name: "wip", artifactLocation: "", creationTimestamp: 0,
                              lastUpdatedTimestamp: 0, status: .pending)
    lazy var version = ModelVersion(name: "review-classifier", version: "3", creationTimestamp: 0, lastUpdatedTimestamp: 0,
                                    currentStage: "Production", source: "models:/m-1", runID: "bbb222", status: "READY",
                                    aliases: ["champion"])

    private func openedList() -> AppState {
        var state = Fixtures.loadedState(width: 100, height: 30)
        state.pane = .runs
        let effects = state.press(.char("m"))
        XCTAssertEqual(effects, [.loadModelList(request: state.modelListRequest, ModelListQuery(kind: .logged(experimentID: "1"), filter: ""))])
        _ = reduce(&state, .modelListLoaded(request: state.modelListRequest, .success(.logged([model, pending], runNames: ["bbb222": "child-0-λ"]))))
        return state
    }

    func testTheExperimentsLoggedModelsListShowsStatusSourceRunAndMetrics() {
        let state = openedList()
        let text = render(state).text
        XCTAssertTrue(text.contains("Logged models · vision-模型 · 2"), text)
        XCTAssertTrue(text.contains("✓  clf-large"), text)
        XCTAssertTrue(text.contains("child-0-λ"), text)
        XCTAssertTrue(text.contains("accuracy=0.88"), text)
        XCTAssertTrue(text.contains("…  wip"), text)
    }

    func testTheFilterIsCheckedInTheListsGrammarBeforeItLoads() {
        var state = openedList()
        state.press(.char("/"))
        state.type("params.hidden > '1'")
        XCTAssertNotNil(state.filterError, "params take no >")
        XCTAssertEqual(state.press(.enter), [], "a bad filter loads nothing")
        state.press(.ctrl("u"))
        state.type("metrics.accuracy > 0.8")
        XCTAssertNil(state.filterError)
        let effects = state.press(.enter)
        XCTAssertEqual(effects, [.loadModelList(request: state.modelListRequest,
                                                ModelListQuery(kind: .logged(experimentID: "1"), filter: "metrics.accuracy > 0.8"))])
        // Tab shows the registry, whose grammar differs; Tab again brings the first filter back.
        let registry = state.press(.tab)
        XCTAssertEqual(registry, [.loadModelList(request: state.modelListRequest, ModelListQuery(kind: .registry, filter: ""))])
        state.press(.char("/"))
        state.type("metrics.accuracy > 0.8")
        XCTAssertNotNil(state.filterError, "the registry has no metrics")
        state.press(.escape)
        XCTAssertEqual(state.press(.tab).first, .loadModelList(request: state.modelListRequest,
                                                              ModelListQuery(kind: .logged(experimentID: "1"), filter: "metrics.accuracy > 0.8")))
    }

    func testPagesStackAndEscWalksBackToWhereTheyWereOpened() {
        var state = openedList()
        XCTAssertEqual(state.press(.enter), [.loadModelPage(request: state.modelPageRequest, .loggedModel("m-1"))])
        _ = reduce(&state, .modelPageLoaded(request: state.modelPageRequest, .success(.loggedModel(model, sourceRun: Fixtures.runs[1], versions: [version]))))
        var text = render(state).text
        XCTAssertTrue(text.contains("Logged model · m-1"), text)
        XCTAssertTrue(text.contains("↑ source run") && text.contains("child-0-λ  bbb222"), text)
        XCTAssertTrue(text.contains("on eval@d1"), text)
        XCTAssertTrue(text.contains("v3  @champion  Production"), text)
        // `a`: the model's own files in the artifact browser.
        XCTAssertEqual(state.press(.char("a")), [.artifacts(.list(owner: .loggedModel("m-1"), path: ""))])
        state.press(.escape)
        XCTAssertNil(state.browser)
        // The version link, then its source run, then back up the stack.
        let lines = ModelPagePane.lines(state)
        let versionLine = lines.firstIndex { $0.target == .modelVersion(name: "review-classifier", version: "3") }!
        state.modelPage!.cursor.index = versionLine
        XCTAssertEqual(state.press(.enter), [.loadModelPage(request: state.modelPageRequest, .modelVersion(name: "review-classifier", version: "3"))])
        _ = reduce(&state, .modelPageLoaded(request: state.modelPageRequest, .success(.modelVersion(version, aliases: ["champion"], loggedModel: model, sourceRun: Fixtures.runs[1]))))
        text = render(state).text
        XCTAssertTrue(text.contains("Model version · review-classifier v3 · 1 back"), text)
        XCTAssertEqual(state.press(.char("a")), [.artifacts(.list(owner: .loggedModel("m-1"), path: ""))], "a version's files are its model's")
        state.press(.escape)
        let runLine = ModelPagePane.lines(state).firstIndex { $0.link == "bbb222" }!
        state.modelPage!.cursor.index = runLine
        XCTAssertEqual(state.press(.enter), [.loadDetails(request: state.detailsRequest, runID: "bbb222")])
        XCTAssertEqual(state.pane, .details)
        state.press(.escape)
        XCTAssertEqual(state.pane, .modelPage, "Esc on a run opened from a page comes back to the page")
        XCTAssertEqual(state.modelPage?.subject, .modelVersion(name: "review-classifier", version: "3"))
        XCTAssertEqual(state.press(.escape), [.loadModelPage(request: state.modelPageRequest, .loggedModel("m-1"))])
        state.press(.escape)
        XCTAssertEqual(state.pane, .models)
        state.press(.escape)
        XCTAssertEqual(state.pane, .runs)
        XCTAssertNil(state.modelList)
    }

    /// A page → its source run → a model linked from that run → Esc, Esc, Esc, Esc: every page
    /// comes back in turn, then the list, then the runs (the dead end two reviews found).
    func testEscWalksBackThroughPagesAndRunsInTheOrderTheyWereOpened() {
        var state = openedList()
        state.press(.enter)
        _ = reduce(&state, .modelPageLoaded(request: state.modelPageRequest, .success(.loggedModel(model, sourceRun: Fixtures.runs[1], versions: []))))
        state.modelPage!.cursor.index = ModelPagePane.lines(state).firstIndex { $0.link == "bbb222" }!
        state.press(.enter)
        var run = Fixtures.runs[1]
        run.outputs.modelOutputs = [ModelIO(modelID: "m-2")]
        _ = reduce(&state, .detailsLoaded(request: state.detailsRequest, .success(RunWithChildren(run: run, children: [], models: [pending]))))
        state.press(.char("5"))
        XCTAssertEqual(state.press(.enter), [.loadModelPage(request: state.modelPageRequest, .loggedModel("m-2"))])
        XCTAssertEqual(state.detailsStack, [.model(.loggedModel("m-1")), .run("bbb222")])
        XCTAssertTrue(render(state).text.contains("Logged model · m-2 · 2 back"), render(state).text)
        XCTAssertEqual(state.press(.escape), [.loadDetails(request: state.detailsRequest, runID: "bbb222")])
        XCTAssertEqual(state.pane, .details)
        XCTAssertEqual(state.press(.escape), [.loadModelPage(request: state.modelPageRequest, .loggedModel("m-1"))])
        XCTAssertEqual(state.pane, .modelPage)
        state.press(.escape)
        XCTAssertEqual(state.pane, .models)
        XCTAssertNil(state.modelPage)
        state.press(.escape)
        XCTAssertEqual(state.pane, .runs)
    }

    /// `m` over a run's details, a page and a run from it, then Esc to the list and Esc again:
    /// the first run's details are back, with their own back stack.
    func testTheListRestoresTheDetailsItWasOpenedOver() {
        var state = Fixtures.loadedState(width: 100, height: 30)
        state.pane = .runs
        state.press(.enter)
        let first = state.details!.runID
        _ = reduce(&state, .detailsLoaded(request: state.detailsRequest, .success(RunWithChildren(run: Fixtures.runs[0], children: []))))
        state.press(.char("m"))
        _ = reduce(&state, .modelListLoaded(request: state.modelListRequest, .success(.logged([model], runNames: [:]))))
        state.press(.enter)
        _ = reduce(&state, .modelPageLoaded(request: state.modelPageRequest, .success(.loggedModel(model, sourceRun: nil, versions: []))))
        state.modelPage!.cursor.index = ModelPagePane.lines(state).firstIndex { $0.link == "bbb222" }!
        state.press(.enter)
        XCTAssertEqual(state.details?.runID, "bbb222")
        state.press(.escape, .escape)
        XCTAssertEqual(state.pane, .models)
        state.press(.escape)
        XCTAssertEqual(state.pane, .details)
        XCTAssertEqual(state.details?.runID, first)
        state.press(.escape)
        XCTAssertEqual(state.pane, .runs)
    }

    /// A server that went away: the list says so; when the store answers again it reloads by
    /// itself, and Ctrl-R reloads the list or page on screen.
    func testModelPanesReloadAfterAnOutageAndOnCtrlR() {
        var state = openedList()
        let down = MLflowError(.temporarilyUnavailable, "Cannot reach the tracking server http://127.0.0.1:5000 (POST /api/2.0/mlflow/logged-models/search): Connection refused")
        state.press(.ctrl("r"))
        XCTAssertEqual(state.modelList?.loading, true, "Ctrl-R reloads the list shown")
        _ = reduce(&state, .modelListLoaded(request: state.modelListRequest, .failure(down)))
        XCTAssertTrue(state.connection.isFailed)
        XCTAssertTrue(render(state).text.contains("error: Cannot reach the tracking server"), render(state).text)
        let effects = reduce(&state, .experimentsLoaded(request: state.experimentsRequest, .success(Fixtures.experiments)))
        XCTAssertTrue(effects.contains(.loadModelList(request: state.modelListRequest, ModelListQuery(kind: .logged(experimentID: "1"), filter: ""))),
                      "\(effects)")
        state.press(.enter)
        _ = reduce(&state, .modelPageLoaded(request: state.modelPageRequest, .success(.loggedModel(model, sourceRun: nil, versions: []))))
        XCTAssertEqual(state.press(.ctrl("r")).filter { if case .loadModelPage = $0 { return true } else { return false } },
                       [.loadModelPage(request: state.modelPageRequest, .loggedModel("m-1"))])
    }

    func testRunDetailsLinkTheRunsModelsVersionsAndShowADatasetsSchema() {
        var state = Fixtures.loadedState(width: 100, height: 40)
        state.pane = .runs
        var run = Fixtures.runs[1]
        run.outputs.modelOutputs = [ModelIO(modelID: "m-1", step: 0)]
        run.inputs.datasetInputs = [DatasetInput(tags: [Tag("mlflow.data.context", "eval")], dataset: Dataset(
            name: "eval", digest: "d1", sourceType: "local", source: "{}",
            schema: "{\"mlflow_colspec\": [{\"type\": \"string\", \"name\": \"prompt\", \"required\": true}]}",
            profile: "{\"num_rows\": 10, \"num_elements\": 30}"))]
        _ = DetailsPane.open(&state, run.info.runID, push: false)
        _ = reduce(&state, .detailsLoaded(request: state.detailsRequest, .success(RunWithChildren(run: run, children: [], models: [model], versions: [version]))))
        state.press(.char("5"))
        let text = render(state).text
        XCTAssertTrue(text.contains("↳ ✓ clf-large"), text)
        XCTAssertTrue(text.contains("Registered versions (1)"), text)
        XCTAssertEqual(state.press(.enter), [.loadModelPage(request: state.modelPageRequest, .loggedModel("m-1"))])
        state.press(.escape)
        XCTAssertEqual(state.pane, .details)
        XCTAssertEqual(state.details?.runID, run.info.runID, "the run's details come back (read again, as every page Esc returns to)")
        _ = reduce(&state, .detailsLoaded(request: state.detailsRequest, .success(RunWithChildren(run: run, children: [], models: [model], versions: [version]))))
        state.press(.char("6"))
        state.press(.enter)
        let viewer = render(state).text
        XCTAssertTrue(viewer.contains("Schema (1 column)") && viewer.contains("prompt  string"), viewer)
        XCTAssertTrue(viewer.contains("num_rows      10") && viewer.contains("num_elements  30"), viewer)
    }
}
