import Analysis
import ArgumentParser
import Foundation
import Tracking

/// `mltui watch`: polls the watched experiments and prints an alert line when a run fails or
/// is killed, a metric's latest value is NaN or infinite, or a RUNNING run stops logging; for
/// scripts and CI logs. With --fail-on-alert it exits 1 at the first alert.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Print an alert line when a run fails or is killed, a metric goes NaN or infinite, or a running run stops logging.",
        discussion: """
            Watches the RUNNING runs of the experiments, and the runs that ended within --since \
            before it started (alerts already true then count). Each alert is printed once: \
            TIME KIND EXPERIMENT RUN RUN_ID MESSAGE, KIND one of failed, killed, nan, inf, stalled \
            (--format json: one JSON object a line). A run is stalled when its newest metric is \
            older than --stall-factor times its usual logging interval (the median gap between \
            the timestamps of its history) and --stall-minimum seconds.

            Examples:
              mltui watch --experiment sweep
              mltui watch --experiment sweep --fail-on-alert --since 0   # in CI, beside the training job
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case text, json }

    @OptionGroup var store: StoreOptions
    @Option(help: ArgumentHelp("Experiment name or id to watch (repeatable; default: every active experiment).", valueName: "name"),
            completion: Completions.experiments)
    var experiment: [String] = []
    @Option(help: "Seconds between reads of the store.")
    var interval: Double = 5
    @Option(help: "Seconds before the start whose ended runs are checked too (0: runs ending from now, and the running ones; a running run silent for over a day is taken as abandoned).")
    var since: Double = 3600
    @Option(help: "A running run is stalled after this many times its usual logging interval...")
    var stallFactor: Double = 5
    @Option(help: "...and at least this many seconds.")
    var stallMinimum: Double = 60
    @Flag(help: "Exit 1 at the first alert (after printing it).")
    var failOnAlert = false
    @Option(help: "Output format: text or json (one object a line).")
    var format: Format = .text

    func validate() throws {
        guard interval >= 0.1, interval <= 86400 else { throw ValidationError("--interval takes 0.1 to 86400 seconds.") }
        guard since >= 0, since <= 3.2e8 else { throw ValidationError("--since takes 0 to 320000000 seconds (ten years).") }
        guard stallFactor >= 1, stallFactor <= 1000 else { throw ValidationError("--stall-factor takes 1 to 1000.") }
        guard stallMinimum >= 0, stallMinimum <= 86400 * 7 else { throw ValidationError("--stall-minimum takes 0 to 604800 seconds.") }
    }

    func run() async throws {
        // MLflow's client retries a refused connection for about 4 minutes: a watch that says
        // nothing that long looks like "no alerts". Two retries, unless the user set their own.
        setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2", 0)
        var failed = false
        try await Output.reporting(jsonErrors: false) {
            let store = try store.open()
            var names: [String: String] = [:]
            var ids: [String] = []
            if experiment.isEmpty {
                for e in try await store.allExperiments(ExperimentSearch()) { names[e.experimentID] = e.name; ids.append(e.experimentID) }
            } else {
                for wanted in experiment {
                    let e = try await RunLookup.experiment(wanted, in: store)
                    names[e.experimentID] = e.name
                    if !ids.contains(e.experimentID) { ids.append(e.experimentID) }
                }
            }
            let start = Self.nowMs()
            var endedSince = start - Int64(since * 1000)
            // A RUNNING run silent for over a day before the window is taken as left behind by a
            // job that died, not as news; one that went quiet lately is stalled, --since 0 or not.
            var detector = AlertDetector(stallFactor: stallFactor, stallMinimumMs: Int64(stallMinimum * 1000),
                                         silentSince: min(endedSince, start - 86_400_000))
            Diagnostics.note("watching \(ids.count) experiment\(ids.count == 1 ? "" : "s") (\(ids.compactMap { names[$0] }.prefix(5).joined(separator: ", ")))"
                             + " on \(store.uri): RUNNING runs, and runs ended since \(ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(endedSince) / 1000)))")
            var polls = 0
            while true {
                let poll: AlertPoll
                do {
                    poll = try await AlertPoll.read(store, experimentIDs: ids, endedSince: endedSince, knownIntervals: detector.knownIntervals)
                } catch where polls > 0 {
                    // A server restarting or a busy database: say so, keep watching.
                    Diagnostics.warn("\(error.asMLflowError.oneLineMessage) (still watching)")
                    try await Task.sleep(nanoseconds: UInt64(interval * 1e9))
                    continue
                }
                polls += 1
                endedSince = max(endedSince, poll.nextEndedSince)
                let alerts = detector.observe(poll)
                for alert in alerts { Output.write(line(alert, experimentName: names[alert.experimentID] ?? alert.experimentID)) }
                if failOnAlert && !alerts.isEmpty { failed = true; return }
                try await Task.sleep(nanoseconds: UInt64(interval * 1e9))
            }
        }
        if failed { throw ExitCode.failure }
    }

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    func line(_ alert: RunAlert, experimentName: String) -> String {
        let time = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(alert.time) / 1000))
        switch format {
        case .text:
            let kind = alert.kind.name.padding(toLength: 7, withPad: " ", startingAt: 0)
            // One line an alert whatever the names hold: a newline in a run name cannot forge one.
            let run = alert.runName.isEmpty ? "-" : alert.runName
            return "\(time) \(kind) \(MLflowError.oneLine(experimentName)) \(MLflowError.oneLine(run)) \(alert.runID) \(MLflowError.oneLine(alert.message))\n"
        case .json:
            var json = JSONWriter(pretty: false)
            json.beginObject()
            json.field("time", time)
            json.field("kind", alert.kind.name)
            json.field("experiment_id", alert.experimentID)
            json.field("experiment_name", experimentName)
            json.field("run_id", alert.runID)
            json.field("run_name", alert.runName)
            json.field("message", alert.message)
            if case .nonFinite(let metric, _, let step) = alert.kind {
                json.field("metric", metric)
                json.field("step", step)
            }
            json.endObject()
            return String(decoding: json.bytes, as: UTF8.self) + "\n"
        }
    }
}
