import Foundation
import TestSupport
import XCTest

/// The real binary under tmux at 80×24 on the analysis file store (experiment "sweep", written
/// by the real client): the runs table grouped by `:group params.model`, `v` then the metric picker chart
/// loss by group, one legend entry per group with its run count, and `r` draws the members.
final class GroupedChartEndToEndTests: XCTestCase {
    func testGroupedChartOfLossOnTheFileStore() throws {
        let store = try FixtureStores.analysis().fileStore
        let stateHome = NSTemporaryDirectory() + "mltui-band-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: stateHome, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: stateHome) }
        let binary = try RepoLayout.mltuiBinary().path
        let command = "TERM=xterm-256color LANG=C.UTF-8 XDG_STATE_HOME='\(stateHome)' \(binary) --refresh 0 --experiment sweep '\(store.path)'; echo \"EXITED $?\"; sleep 30"

        let tui = try TmuxSession(command: command, width: 80, height: 24)
        defer { tui.close() }
        try tui.waitUntil("the runs loaded") { $0.contains("Runs · sweep") && $0.contains("sweep-") }
        try tui.send(":")
        try tui.type("group params.model")
        try tui.send("Enter")
        try tui.waitFor("grouped by params.model")
        try tui.send("v")
        try tui.waitFor("Chart · ")
        try tui.send("m")
        try tui.waitFor("Metric to chart (")
        try tui.type("loss")
        try tui.send("Enter")
        let expected = try modelCounts(store)
        var screen = try tui.waitUntil("the loss chart of every group") { s in
            s.contains("Chart · loss · \(expected.count) groups") && !s.contains("loading")
                && expected.allSatisfy { s.contains("━━░ model=\($0.key) (\($0.value))") }
        }
        screen = try settled(tui)
        let legend = screen.split(separator: "\n").filter { $0.hasPrefix("━━░ ") }
        XCTAssertEqual(legend.count, expected.count, screen)
        XCTAssertTrue(screen.contains("░"), "bands drawn\n\(screen)")
        let before = brailleCells(screen)
        XCTAssertGreaterThan(before, 20, "mean lines drawn\n\(screen)")

        try tui.send("r")
        try tui.waitUntil("members shown") { $0.contains("members shown") && $0.contains("member runs shown") }
        screen = try settled(tui)
        XCTAssertGreaterThan(brailleCells(screen), before, "member lines add dots\n\(screen)")
        try tui.send("r")
        try tui.waitUntil("members hidden") { !$0.contains("members shown") && $0.contains("member runs hidden") }
        screen = try settled(tui)
        XCTAssertEqual(brailleCells(screen), before, screen)
        try tui.send("q")
        try tui.waitFor("EXITED 0")
    }

    /// The screen once two captures in a row agree: a capture can land in the middle of a frame.
    func settled(_ tui: TmuxSession) throws -> String {
        var previous = try tui.capture()
        for _ in 0..<50 {
            usleep(50_000)
            let next = try tui.capture()
            if next == previous { return next }
            previous = next
        }
        return previous
    }

    func brailleCells(_ screen: String) -> Int { screen.unicodeScalars.filter { (0x2801...0x28FF).contains($0.value) }.count }

    /// Runs per value of params.model in the file store's "sweep" experiment, "(none)" for the
    /// runs without it, read from the store's files (`FileStore` layout: meta.yaml, params/).
    func modelCounts(_ store: URL) throws -> [String: Int] {
        let fm = FileManager.default
        let experiments = try fm.contentsOfDirectory(atPath: store.path).map { store.appendingPathComponent($0) }
        let sweep = try XCTUnwrap(experiments.first {
            (try? String(contentsOf: $0.appendingPathComponent("meta.yaml"), encoding: .utf8))?.contains("name: sweep\n") == true
        })
        var counts: [String: Int] = [:]
        for run in try fm.contentsOfDirectory(atPath: sweep.path).map({ sweep.appendingPathComponent($0) }) {
            guard let meta = try? String(contentsOf: run.appendingPathComponent("meta.yaml"), encoding: .utf8),
                  meta.contains("run_id:"), meta.contains("lifecycle_stage: active") else { continue }
            let model = try? String(contentsOf: run.appendingPathComponent("params/model"), encoding: .utf8)
            counts[model ?? "(none)", default: 0] += 1
        }
        XCTAssertGreaterThan(counts.count, 1, "sweep has several models")
        return counts
    }
}
