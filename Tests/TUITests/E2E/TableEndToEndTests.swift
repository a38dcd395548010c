import Foundation
import TestSupport
import XCTest

/// The real binary under tmux: a tracking server that goes away and comes back, the runs table
/// on a wide terminal, and the sparkline column's scale. Stores from make_store.py.
extension TUIEndToEndTests {
    /// A server stopped mid-session and started again on the same port over the same store:
    /// details and the chart show the error and "disconnected", then reload by themselves.
    func testPanesReloadWhenTheServerComesBack() throws {
        let first = try startServer()
        let tui = try launch(first.url, width: 120, refresh: 1, extra: "--experiment 'vision-模型'")
        defer { tui.close() }
        try tui.waitFor("● connected", timeout: 30)
        try tui.waitFor("Runs · vision-模型 · 7", timeout: 30)
        // Select child-0 (it has metrics, for the chart).
        try tui.send("f")
        try tui.type("child-0")
        try tui.send("Enter")
        try tui.waitFor("Runs · vision-模型 · 1 of 7")

        // Details: the server goes away, details fail, then come back with no key pressed.
        first.stop()
        try tui.waitFor("○ disconnected", timeout: 30)
        try tui.send("Enter")
        var screen = try tui.waitUntil("an error in the details pane", timeout: 30) {
            $0.contains("Run details") && $0.contains("error: Cannot reach the tracking server")
        }
        XCTAssertTrue(screen.contains("○ disconnected"), screen)
        var server = try restartServer(like: first)
        screen = try tui.waitUntil("details reloaded and connected", timeout: 30) {
            $0.contains("Run details · child-0-λ") && $0.contains("checkpoint") && $0.contains("● connected") && !$0.contains("error:")
        }

        // The chart: opened while the server is down, it shows the error, then reloads.
        try tui.send("Escape")
        try tui.waitFor("Runs · vision-模型 · 1 of 7")
        server.stop()
        try tui.waitFor("○ disconnected", timeout: 30)
        try tui.send("v")
        screen = try tui.waitUntil("an error in the chart", timeout: 30) {
            $0.contains("Chart · f1") && $0.contains("✗ child-0-λ: Cannot reach the tracking server")
        }
        XCTAssertTrue(screen.contains("○ disconnected"), screen)
        server = try restartServer(like: server)
        screen = try tui.waitUntil("the chart reloaded and connected", timeout: 30) {
            $0.contains("━━ child-0-λ") && $0.contains("● connected") && !$0.contains("✗ child-0-λ")
        }
        try tui.send("q")
        try tui.waitFor("EXITED 0")
    }

    /// A server on the port and store of `stopped`, kept for tearDown to stop.
    func restartServer(like stopped: MLflowServer) throws -> MLflowServer {
        let started = try MLflowServer(backendStoreURI: try XCTUnwrap(serverStoreURI), port: stopped.port)
        server = started
        return started
    }

    /// The UI on the SQLite store with the vision experiment's runs shown.
    func openVision(width: Int) throws -> TmuxSession {
        let tui = try launch("sqlite:///" + (try store()) + "/sqlite/mlflow.db", width: width, height: 30,
                             extra: "--experiment 'vision-模型'")
        do { try tui.waitFor("Runs · vision-模型 · 7") } catch { tui.close(); throw error }
        return tui
    }

    /// Presses `key`, waits for `prompt` when given, types `text` and Enter.
    func answer(_ tui: TmuxSession, _ key: String, _ text: String, after prompt: String? = nil) throws {
        try tui.send(key)
        if let prompt { try tui.waitFor(prompt) }
        try tui.type(text)
        try tui.send("Enter")
    }

    /// At 200 columns a param column grows to show a whole value the 80-column layout cuts.
    func testWideTerminalShowsWholeValues() throws {
        let tui = try openVision(width: 200)
        defer { tui.close() }
        try answer(tui, ":", "sort params.checkpoint asc")
        let screen = try tui.waitUntil("the checkpoint column") { $0.contains("p:checkpoint ▲") && !$0.contains("loading") }
        for i in 0..<3 {
            XCTAssertTrue(screen.contains("gpt-4o-mini-2024-07-18-ckpt\(i)"), "whole value of child-\(i)\n\(screen)")
        }
        XCTAssertTrue(screen.contains("日本語の実験-run"), screen)
        try tui.send("q")
        try tui.waitFor("EXITED 0")
    }

    /// Two runs logged the same curve shape on ranges far apart: on the shared scale one draws
    /// low and one high; `~` puts each on its own scale, where they look alike.
    func testSparklinesShareOneScaleAcrossRuns() throws {
        let tui = try openVision(width: 140)
        defer { tui.close() }
        try answer(tui, "S", "loss", after: "Sparkline column")
        func curve(_ screen: String, _ run: String) -> String {
            let line = screen.split(separator: "\n").first { $0.contains(run) }.map(String.init) ?? ""
            return String(line.filter { "▁▂▃▄▅▆▇█".contains($0) })
        }
        var screen = try tui.waitUntil("both loss sparklines") {
            curve($0, "child-0-λ").count == 8 && curve($0, "child-1-λ").count == 8
        }
        XCTAssertTrue(screen.contains("~loss (shared)"), screen)
        XCTAssertTrue(curve(screen, "child-0-λ").allSatisfy { "▁▂".contains($0) }, "low on the shared scale\n\(screen)")
        XCTAssertTrue(curve(screen, "child-1-λ").allSatisfy { "▇█".contains($0) }, "high on the shared scale\n\(screen)")
        try tui.send("~")
        screen = try tui.waitFor("~loss (per run)")
        XCTAssertEqual(curve(screen, "child-0-λ"), "▁▂▃▄▅▆▇█", screen)
        XCTAssertEqual(curve(screen, "child-1-λ"), "▁▂▃▄▅▆▇█", screen)
        try tui.send("q")
        try tui.waitFor("EXITED 0")
    }
}
