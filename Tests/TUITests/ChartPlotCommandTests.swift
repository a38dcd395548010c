import Foundation
import TestSupport
import XCTest

/// `mltui plot` (the real binary) over both fixture stores: the same chart as the pane, plain
/// text when stdout is not a terminal, one clear line for bad input.
final class ChartPlotCommandTests: XCTestCase {
    func run(_ args: [String]) throws -> CommandResult {
        try CommandRunner.run(try RepoLayout.mltuiBinary(), args, timeout: 60)
    }

    func testPlotsTwoRunsFromEachStoreFormat() throws {
        for format in StoreFormat.allCases {
            let uri = try FixtureStores.shared().trackingURI(format)
            let runs = try run(["runs", "--tracking-uri", uri, "--experiment-name", "日本語-実験", "--format", "json"])
            XCTAssertEqual(runs.status, 0, runs.stderrText)
            let body = try JSONSerialization.jsonObject(with: runs.stdout) as? [String: Any]
            let infos = (body?["runs"] as? [[String: Any]] ?? []).compactMap { $0["info"] as? [String: Any] }
            let ids = ["trial-1", "trial-3"].compactMap { name in infos.first { $0["run_name"] as? String == name }?["run_id"] as? String }
            guard ids.count == 2 else { return XCTFail("trial-1 and trial-3 not found: \(runs.stdoutText.prefix(500))") }
            let plot = try run(["plot", "--tracking-uri", uri] + ids + ["--metric", "loss", "--width", "100", "--height", "24", "--log", "--smooth", "0.6"])
            XCTAssertEqual(plot.status, 0, plot.stderrText)
            let text = plot.stdoutText
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            XCTAssertTrue(lines[0].hasPrefix("loss · x step · log y · smoothing 0.6"), text)
            XCTAssertEqual(lines.filter { $0.hasPrefix("━━ trial-1") || $0.hasPrefix("━━ trial-3") }.count, 2, text)
            XCTAssertTrue(text.contains("@299") && text.contains("@119"), text)
            XCTAssertGreaterThan(text.unicodeScalars.filter { (0x2801...0x28FF).contains($0.value) }.count, 50, text)
            XCTAssertFalse(text.contains("\u{1B}["), "no escapes when stdout is not a terminal")
            XCTAssertTrue(lines.allSatisfy { $0.count <= 100 }, text)
            let blocks = try run(["plot", "--tracking-uri", uri, ids[0], "--metric", "loss", "--glyphs", "blocks", "--x", "relative"])
            XCTAssertTrue(blocks.stdoutText.contains("▄") || blocks.stdoutText.contains("▀") || blocks.stdoutText.contains("█"), blocks.stdoutText)
            XCTAssertTrue(blocks.stdoutText.contains("rel."), blocks.stdoutText)
        }
    }

    func testBadInputIsOneClearLine() throws {
        let uri = try FixtureStores.shared().trackingURI(.file)
        let missing = try run(["plot", "--tracking-uri", uri, "0123456789abcdef0123456789abcdef", "--metric", "loss"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertEqual(missing.stderrText.split(separator: "\n").count, 1, missing.stderrText)
        XCTAssertTrue(missing.stderrText.contains("RESOURCE_DOES_NOT_EXIST"), missing.stderrText)
        let smooth = try run(["plot", "--tracking-uri", uri, "x", "--metric", "loss", "--smooth", "1.5"])
        XCTAssertNotEqual(smooth.status, 0)
        XCTAssertTrue(smooth.stderrText.contains("--smooth must be in [0, 1)"), smooth.stderrText)
    }
}
