import Foundation
import TestSupport
import XCTest

/// `--format table` pads by terminal columns, so CJK and emoji names keep the columns aligned.
final class CLITableTests: XCTestCase {
    func testTableColumnsAlignByDisplayWidth() throws {
        let demo = RepoLayout.root.appendingPathComponent("demo/sqlite/mlflow.db").path
        let result = try MltuiCLI.run(["experiments", "--tracking-uri", demo])
        XCTAssertEqual(result.status, 0, result.stderrText)
        let lines = result.stdoutText.split(separator: "\n").map(String.init)
        // The name column is as wide as "empty-experiment" (16 columns), then two spaces.
        XCTAssertTrue(lines.contains { $0.contains("日本語-実験" + String(repeating: " ", count: 16 - 11 + 2) + "active") },
                      result.stdoutText)
        XCTAssertTrue(lines.contains { $0.contains("émoji 🚀 runs" + String(repeating: " ", count: 16 - 13 + 2) + "active") },
                      result.stdoutText)
    }
}
