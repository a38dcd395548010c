import Foundation
import TestSupport
import XCTest

/// A file store whose model entries are damaged (a copy of the fixture store): a logged model,
/// a registered model and a model version whose meta.yaml is garbage are each skipped with one
/// warning naming the file; every other entry is listed as before, and the command exits 0.
final class BadModelEntriesTests: XCTestCase {
    func mltui(_ args: [String]) throws -> CommandResult {
        var environment = ProcessInfo.processInfo.environment
        environment["MLTUI_CACHE_DIR"] = ""
        environment.removeValue(forKey: "MLFLOW_TRACKING_URI")
        return try CommandRunner.run(try RepoLayout.mltuiBinary(), args, environment: environment, timeout: 60)
    }

    func json(_ result: CommandResult, _ list: String) throws -> [[String: Any]] {
        XCTAssertEqual(result.status, 0, result.stderrText)
        let document = try XCTUnwrap(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        return document[list] as? [[String: Any]] ?? []
    }

    func testDamagedModelFilesAreSkippedWithAWarning() throws {
        let source = try FixtureStores.shared().trackingURI(.file)
        let dir = try temporaryDirectory("badmodels")
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        let root = dir + "/mlruns"
        try FileManager.default.copyItem(atPath: source, toPath: root)
        let fm = FileManager.default
        let zoo = try XCTUnwrap(try fm.contentsOfDirectory(atPath: root).first { id in
            (try? String(contentsOfFile: "\(root)/\(id)/meta.yaml", encoding: .utf8))?.contains("name: model-zoo") ?? false
        })
        let models = try fm.contentsOfDirectory(atPath: "\(root)/\(zoo)/models").sorted()
        let before = try json(try mltui(["models", "--tracking-uri", root, "--experiment", zoo, "--format", "json"]), "models")
        XCTAssertEqual(before.count, models.count)
        let registeredBefore = try json(try mltui(["registry", "--tracking-uri", root, "--format", "json"]), "registered_models")
        let versionsBefore = try json(try mltui(["registry", "review-classifier", "--tracking-uri", root, "--format", "json"]), "model_versions")

        try "{{{ not yaml".write(toFile: "\(root)/\(zoo)/models/\(models[0])/meta.yaml", atomically: true, encoding: .utf8)
        try "".write(toFile: "\(root)/models/empty-model/meta.yaml", atomically: true, encoding: .utf8)
        try "{{{ broken".write(toFile: "\(root)/models/review-classifier/version-2/meta.yaml", atomically: true, encoding: .utf8)

        let logged = try mltui(["models", "--tracking-uri", root, "--experiment", zoo, "--format", "json"])
        XCTAssertEqual(try json(logged, "models").compactMap { ($0["info"] as? [String: Any])?["model_id"] as? String }.sorted(),
                       before.compactMap { ($0["info"] as? [String: Any])?["model_id"] as? String }.filter { $0 != models[0] }.sorted())
        XCTAssertTrue(logged.stderrText.contains(models[0]), logged.stderrText)
        XCTAssertEqual(logged.stderrText.split(separator: "\n").count, 1, logged.stderrText)

        let registry = try mltui(["registry", "--tracking-uri", root, "--format", "json"])
        XCTAssertEqual(try json(registry, "registered_models").compactMap { $0["name"] as? String },
                       registeredBefore.compactMap { $0["name"] as? String }.filter { $0 != "empty-model" })
        XCTAssertTrue(registry.stderrText.contains("models/empty-model/meta.yaml"), registry.stderrText)

        let versions = try mltui(["registry", "review-classifier", "--tracking-uri", root, "--format", "json"])
        XCTAssertEqual(try json(versions, "model_versions").compactMap { $0["version"] as? String },
                       versionsBefore.compactMap { $0["version"] as? String }.filter { $0 != "2" })
        XCTAssertTrue(versions.stderrText.contains("version-2"), versions.stderrText)
    }
}
