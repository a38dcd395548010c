import Foundation
import TestSupport
import Tracking
import XCTest

/// `mltui` reading a store directly must answer exactly as `mlflow server` over the same store.
/// One server per store format, started once per class and stopped (by process group) after it.
class StoreConformanceTests: XCTestCase {
    class var format: StoreFormat { .file }
    static let harnesses = Locked<[StoreFormat: Result<ConformanceHarness, Error>]>([:])

    override class func setUp() {
        super.setUp()
        guard self != StoreConformanceTests.self else { return }
        let harness = Result { try ConformanceHarness(format: format) }
        harnesses.withLock { $0[format] = harness }
    }

    override class func tearDown() {
        let harness = harnesses.withLock { $0.removeValue(forKey: format) }
        if let harness = try? harness?.get() { harness.server.stop() }
        super.tearDown()
    }

    func harness() throws -> ConformanceHarness {
        guard let result = Self.harnesses.withLock({ $0[Self.format] }) else { throw SupportError("conformance harness was not set up") }
        return try result.get()
    }

    /// Compares every case, reporting each mismatch separately, and fails if any case differs.
    func compareAll<Case>(_ cases: [Case], _ check: (Case) throws -> String?) rethrows {
        var failures = 0
        for item in cases {
            if let failure = try check(item) {
                failures += 1
                XCTFail(failure)
            }
        }
        XCTAssertEqual(failures, 0, "\(failures) of \(cases.count) cases differ from MLflow")
    }

    func checkRuns(_ cases: [RunsCase]) throws {
        let h = try harness()
        try compareAll(cases) { item in
            let args = try h.mltuiRunsArguments(item)
            return h.compare(label: item.label, mltuiArguments: args, request: item.requestDescription,
                             expected: try h.serverRuns(item), actual: try h.mltui(args))
        }
    }

    func runValidFilters() throws {
        XCTAssertGreaterThanOrEqual(ConformanceCases.validFilters.count + ConformanceCases.invalidFilters.count, 30)
        try checkRuns(ConformanceCases.validFilters)
    }

    func runInvalidFilters() throws {
        let h = try harness()
        // Guard the cases themselves: each must really be rejected by MLflow.
        for item in ConformanceCases.invalidFilters {
            if case .document = try h.serverRuns(item) { XCTFail("MLflow accepts \(item.label); move it to validFilters") }
        }
        try checkRuns(ConformanceCases.invalidFilters)
    }

    func runOrderings() throws { try checkRuns(ConformanceCases.orderings) }

    func runViewsAndLimits() throws { try checkRuns(ConformanceCases.viewsAndLimits) }

    func runExperiments() throws {
        let h = try harness()
        try compareAll(ConformanceCases.experimentViews) { view in
            var args = ["experiments", "--tracking-uri", h.trackingURI]
            if let view { args += ["--view-type", view] }
            args += ["--format", "json"]
            return h.compare(label: "experiments view \(view ?? "default")", mltuiArguments: args,
                             request: "experiments/search view_type=\(view ?? "default")",
                             expected: try h.serverExperiments(viewType: view), actual: try h.mltui(args))
        }
    }

    func runHistories() throws {
        let h = try harness()
        var cases = try ConformanceCases.histories.map { (try h.runID($0.run), $0.key, "\($0.run)/\($0.key)") }
        cases.append(("0123456789abcdef0123456789abcdef", "loss", "unknown run"))
        try compareAll(cases) { runID, key, label in
            let args = ["history", runID, key, "--tracking-uri", h.trackingURI, "--format", "json"]
            return h.compare(label: "history \(label)", mltuiArguments: args, request: "metrics/get-history run_id=\(runID) metric_key=\(key)",
                             expected: try h.serverHistory(runID: runID, key: key), actual: try h.mltui(args))
        }
    }

    func runArtifacts() throws {
        let h = try harness()
        var cases = try ConformanceCases.artifactLists.map { (try h.runID($0.run), $0.path, "\($0.run):\($0.path ?? "<root>")") }
        cases.append(("0123456789abcdef0123456789abcdef", nil, "unknown run"))
        try compareAll(cases) { runID, path, label in
            var args = ["artifacts", runID]
            if let path { args.append(path) }
            args += ["--tracking-uri", h.trackingURI, "--format", "json"]
            return h.compare(label: "artifacts \(label)", mltuiArguments: args, request: "artifacts/list run_id=\(runID) path=\(path ?? "none")",
                             expected: try h.serverArtifacts(runID: runID, path: path), actual: try h.mltui(args))
        }
    }
}

final class FileStoreConformanceTests: StoreConformanceTests {
    override class var format: StoreFormat { .file }
    func testRunsValidFilters() throws { try runValidFilters() }
    func testRunsInvalidFilters() throws { try runInvalidFilters() }
    func testRunsOrderings() throws { try runOrderings() }
    func testRunsViewTypesAndMaxResults() throws { try runViewsAndLimits() }
    func testExperiments() throws { try runExperiments() }
    func testMetricHistory() throws { try runHistories() }
    func testArtifactLists() throws { try runArtifacts() }
    func testLoggedModels() throws { try runLoggedModels() }
    func testRegistry() throws { try runRegistry() }
    func testDatasets() throws { try runDatasets() }
}

final class SQLiteStoreConformanceTests: StoreConformanceTests {
    override class var format: StoreFormat { .sqlite }
    func testRunsValidFilters() throws { try runValidFilters() }
    func testRunsInvalidFilters() throws { try runInvalidFilters() }
    func testRunsOrderings() throws { try runOrderings() }
    func testRunsViewTypesAndMaxResults() throws { try runViewsAndLimits() }
    func testExperiments() throws { try runExperiments() }
    func testMetricHistory() throws { try runHistories() }
    func testArtifactLists() throws { try runArtifacts() }
    func testLoggedModels() throws { try runLoggedModels() }
    func testRegistry() throws { try runRegistry() }
    func testDatasets() throws { try runDatasets() }
}

/// The same battery over the fixture content in PostgreSQL (ICU en-US collation), read by
/// `mltui postgresql://…` directly and by `mlflow server` over the same database.
final class PostgresStoreConformanceTests: StoreConformanceTests {
    override class var format: StoreFormat { .postgres }
    func testRunsValidFilters() throws { try runValidFilters() }
    func testRunsInvalidFilters() throws { try runInvalidFilters() }
    func testRunsOrderings() throws { try runOrderings() }
    func testRunsViewTypesAndMaxResults() throws { try runViewsAndLimits() }
    func testExperiments() throws { try runExperiments() }
    func testMetricHistory() throws { try runHistories() }
    func testArtifactLists() throws { try runArtifacts() }
    func testLoggedModels() throws { try runLoggedModels() }
    func testRegistry() throws { try runRegistry() }
    func testDatasets() throws { try runDatasets() }
}
