import Foundation
import TestSupport
import XCTest

/// MLflow's own system metrics monitor (`log_system_metrics=True`, psutil) logs `system/…`
/// metrics beside a model metric; under tmux the run details show them in their own section,
/// grouped by device with sparklines, apart from the model metrics, `s` charts each by device,
/// and the chart's metric picker leaves them out until the query asks for them.
final class SystemMetricsEndToEndTests: XCTestCase {
    private var folder = ""
    private var session: TmuxSession?

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "mltui-sysmetrics-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        session?.close()
        try? FileManager.default.removeItem(atPath: folder)
        super.tearDown()
    }

    static let script = """
        import sys, time, mlflow
        from mlflow.system_metrics import set_system_metrics_sampling_interval, set_system_metrics_samples_before_logging
        mlflow.set_tracking_uri(sys.argv[1])
        mlflow.set_experiment("system")
        set_system_metrics_sampling_interval(0.2)
        set_system_metrics_samples_before_logging(1)
        with mlflow.start_run(run_name="trainer", log_system_metrics=True):
            for i in range(10):
                mlflow.log_metric("loss", 1.0 / (i + 1), step=i)
                time.sleep(0.3)
        """

    func testSystemMetricsHaveTheirOwnSectionAndStayOutOfThePicker() throws {
        let uri = "sqlite:///\(folder)/mlflow.db"
        let script = folder + "/log_system_metrics.py"
        try Self.script.write(toFile: script, atomically: true, encoding: .utf8)
        let logged = try CommandRunner.run(try RepoLayout.mlflowPython(), [script, uri], cwd: URL(fileURLWithPath: folder), timeout: 180)
        XCTAssertEqual(logged.status, 0, logged.stderrText.suffix(3000).description)

        let binary = try RepoLayout.mltuiBinary().path
        let tui = try TmuxSession(command: "TERM=xterm-256color XDG_STATE_HOME='\(folder)/state' '\(binary)' --refresh 0 --experiment system '\(uri)'; echo \"EXITED $?\"; sleep 30",
                                  width: 140, height: 45)
        session = tui
        try tui.waitFor("trainer")
        try tui.send("Enter")
        try tui.waitFor("Run details · trainer")
        try tui.send("7")
        let screen = try tui.waitUntil("the system metrics with their sparklines") { $0.contains("System metrics (") && $0.contains("(") && $0.contains("values)") }
        let lines = screen.split(separator: "\n").map(String.init)
        XCTAssertTrue(lines.contains { $0.contains("Metrics (1, latest value)") }, "only loss among the model metrics:\n\(screen)")
        let systemLine = try XCTUnwrap(lines.first { $0.contains("System metrics (") }, screen)
        XCTAssertTrue(systemLine.contains("System metrics (8, latest value)"), screen)
        // Groups in device order, each metric under its group by its short name, with a sparkline.
        let groups = lines.compactMap { line -> String? in
            let t = line.trimmingCharacters(in: .whitespaces)
            return ["CPU", "Memory", "Disk", "Network"].contains(t) ? t : nil
        }
        XCTAssertEqual(groups, ["CPU", "Memory", "Disk", "Network"], screen)
        let cpu = try XCTUnwrap(lines.first { $0.contains("utilization_percentage") }, screen)
        XCTAssertNotNil(cpu.range(of: "[▁▂▃▄▅▆▇█]{2,}", options: .regularExpression), cpu)
        XCTAssertFalse(screen.contains("system/cpu_utilization_percentage"), "shown by their short names:\n\(screen)")

        // Their own charts: one per metric, by device, against the time since the start.
        try tui.send("s")
        let charts = try tui.waitUntil("the system charts drawn") { $0.contains("System metrics · trainer · 8 metrics") && $0.contains("rel.") }
        let titles = charts.split(separator: "\n").flatMap { line in
            line.components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.contains(" · ") && !$0.hasPrefix("System") }
        }
        XCTAssertEqual(titles, ["CPU · utilization_percentage", "Memory · usage_megabytes", "Memory · usage_percentage",
                                "Disk · available_megabytes", "Disk · usage_megabytes", "Disk · usage_percentage",
                                "Network · receive_megabytes", "Network · transmit_megabytes"], charts)
        XCTAssertNotNil(charts.range(of: "[⠁-⣿]", options: .regularExpression), "lines drawn:\n\(charts)")
        try tui.send("Escape")
        try tui.waitFor("Run details · trainer")

        // The chart's metric picker: loss, and the system metrics only once asked for.
        try tui.send("Escape")
        try tui.waitFor("Runs · system ·")
        try tui.send("v")
        try tui.waitFor("Chart · loss ·")
        try tui.send("m")
        var picker = try tui.waitFor("8 system metrics: type sys")
        XCTAssertFalse(picker.contains("system/cpu_utilization_percentage"), picker)
        XCTAssertTrue(picker.contains("loss"), picker)
        try tui.type("sys")
        picker = try tui.waitFor("system/cpu_utilization_percentage")
        XCTAssertFalse(picker.contains("type sys"), picker)
        try tui.send("Escape")
        try tui.send("q")
        try tui.waitFor("EXITED 0")
    }
}
