import ArgumentParser
import Foundation
import Terminal
import Tracking
import TUI

extension ChartXMode: ExpressibleByArgument {}
extension ChartGlyphs: ExpressibleByArgument {}

/// `mltui plot RUN... --metric KEY`: the chart pane's line chart printed to stdout, for a
/// shell or a CI log. Plain text unless stdout is a terminal and NO_COLOR is unset.
struct PlotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot", abstract: "Draw a metric's history of one or more runs as a text chart.")

    @OptionGroup var store: StoreOptions
    @Argument(help: ArgumentHelp("Run ids or names; each run is one line of the chart.", valueName: "run"),
              completion: Completions.runs)
    var runs: [String]
    @Option(help: "Experiment (id or name) in which run names are looked up (default: every active experiment).",
            completion: Completions.experiments)
    var experiment: String?
    @Option(help: "Metric key, e.g. train/loss.", completion: Completions.metricKeys) var metric: String
    @Option(help: "Columns (default: the terminal's width, else 80).") var width: Int?
    @Option(help: "Rows.") var height: Int = 20
    @Option(name: .customLong("x"), help: "x axis: step, time (wall clock) or relative (since each run's first point).")
    var xMode: ChartXMode = .step
    @Flag(help: "Logarithmic y axis (values ≤ 0 are left out and counted).") var log = false
    @Option(help: "Smoothing weight in [0, 1), as TensorBoard's slider (debiased EMA).") var smooth: Double = 0
    @Option(help: "braille (2x4 dots per cell) or blocks (1x2).") var glyphs: ChartGlyphs?

    func validate() throws {
        guard !runs.isEmpty else { throw ValidationError("give at least one run id or name") }
        guard (0..<1).contains(smooth) else { throw ValidationError("--smooth must be in [0, 1), got \(smooth)") }
        if let width, width < 20 { throw ValidationError("--width must be at least 20") }
        guard height >= 5 else { throw ValidationError("--height must be at least 5") }
    }

    func run() async throws {
        try await Output.reporting(.table) {
            let store = try store.open()
            var series: [ChartSeries] = []
            var experimentIDs: [String]?
            if let experiment { experimentIDs = [try await RunLookup.experiment(experiment, in: store).experimentID] }
            for idOrName in runs {
                let run = try await RunLookup.run(idOrName, in: store, experimentIDs: experimentIDs)
                let id = run.info.runID
                let metrics = try await store.fullMetricHistory(runID: id, key: metric)
                if metrics.isEmpty { Diagnostics.warn("run \(id) has no metric '\(metric)'") }
                series.append(ChartSeries(label: "\(run.info.runName) (\(id.prefix(8)))", metrics: metrics))
            }
            guard series.contains(where: { $0.count > 0 }) else {
                throw CLIError(MLflowError(.resourceDoesNotExist, "no given run has metric '\(metric)'"))
            }
            let environment = ProcessInfo.processInfo.environment
            let tty = isatty(1) == 1
            let transform = PlotTransform(xMode: xMode, smoothing: smooth, logY: log)
            let chartWidth = width ?? (tty ? terminalColumns() : nil) ?? 80
            var buffer = Buffer(size: Size(width: chartWidth, height: height))
            var title = "\(metric) · x \(xMode.rawValue)"
            if log { title += " · log y" }
            if smooth > 0 { title += " · smoothing \(smooth)" }
            buffer.write(title, x: 0, y: 0, style: Theme.defaultTheme[.section])
            let options = LineChartOptions(transform: transform,
                                           glyphs: glyphs ?? (tty ? ChartGlyphs.detect(environment) : .braille),
                                           utcOffset: TimeZone.current.secondsFromGMT())
            renderLineChart(&buffer, Rect(x: 0, y: 1, width: chartWidth, height: height - 1),
                            series.map { $0.prepared(transform) }, options, ChartStyles.from(.defaultTheme))
            let colour = tty && (environment["NO_COLOR"] ?? "").isEmpty
            Output.write(colour ? ANSIText.render(buffer) : buffer.text + "\n")
        }
    }
}

private func terminalColumns() -> Int? {
    var size = winsize()
    guard ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col >= 20 else { return nil }
    return Int(size.ws_col)
}
