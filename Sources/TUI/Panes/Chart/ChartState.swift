import Foundation
import Terminal
import Tracking

/// The chart pane: one metric of the selected or marked runs, overlaid.
struct ChartView: Equatable, Sendable {
    var runIDs: [String]
    var runNames: [String: String]
    /// Runs still RUNNING when last seen; their curves are reloaded on the refresh tick.
    var running: Set<String>
    /// Every metric key across the runs, for the picker.
    var keys: [String]
    var key: String
    /// Histories as loaded so far (pages arrive one by one), by run id.
    var histories: [String: ChartSeries] = [:]
    /// Runs whose history is still loading (first load, not live refreshes).
    var pending: Set<String> = []
    var errors: [String: String] = [:]
    var transform = PlotTransform()
    /// Zoom: the shown x range; nil shows everything.
    var xRange: ClosedRange<Double>?
    /// The cursor's x, nil when hidden.
    var cursor: Double?
    var glyphs: ChartGlyphs
    /// Whether the runs are the marked ones (else the selected run); the title says which.
    var marked = false
    /// Series ready to draw for `transform`, by run id; recomputed when a history or the
    /// transform changes, never while rendering.
    var preparedByRun: [String: PlotSeries] = [:]
    /// The drawable series in `runIDs` order.
    var prepared: [PlotSeries] { runIDs.compactMap { preparedByRun[$0] } }
    /// A grouped chart (the runs table is grouped): the groups charted, their members making up
    /// `runIDs`; empty for a chart of runs (ChartGroups.swift).
    var groups: [ChartGroup] = []
    /// Per group, its mean line and band, recomputed once all its members' histories are loaded.
    var bands: [BandSeries] = []
    /// Groups beyond `ChartGroup.maxGroups`, not charted.
    var hiddenGroups = 0
    /// Whether a grouped chart draws its member runs' lines under the bands.
    var showMembers = false
    var isGrouped: Bool { !groups.isEmpty }

    var isLoading: Bool { !pending.isEmpty }
    var loadedPoints: Int { histories.values.reduce(0) { $0 + $1.count } }

    init(runIDs: [String], runNames: [String: String], running: Set<String>, keys: [String], key: String, glyphs: ChartGlyphs) {
        self.runIDs = runIDs
        self.runNames = runNames
        self.running = running
        self.keys = keys
        self.key = key
        self.glyphs = glyphs
    }

    /// Re-prepares one run's series, or all of them (after a transform change).
    mutating func reprepare(_ runID: String? = nil) {
        for id in runID.map({ [$0] }) ?? runIDs {
            guard var series = histories[id] else { preparedByRun[id] = nil; continue }
            series.label = runNames[id] ?? id
            preparedByRun[id] = series.prepared(transform)
        }
        rebandGroups(of: runID)
    }

    /// The range the chart shows now.
    var visibleRange: ClosedRange<Double>? { xRange ?? chartXExtent(prepared) }
}

/// Sparklines of one metric for the runs table, loaded for visible rows only and cached.
struct SparklineCache: Equatable, Sendable {
    /// Reduced histories (at most `SparklineCache.points` values) by metric key, then run id.
    var values: [String: [String: [Double]]] = [:]
    var pending: Set<String> = []
    /// Loads that failed (cached as empty), loaded again when the store comes back.
    var failed: Set<String> = []
    /// One scale per metric across the table's runs (`ChartPane.updateSparklineRanges`).
    var ranges: [String: ClosedRange<Double>] = [:]

    /// Points kept per run: min and max of 64 buckets, enough for any cell width.
    static let buckets = 64

    func has(_ key: String, _ runID: String) -> Bool { values[key]?[runID] != nil || pending.contains(key + "\u{0}" + runID) }
}

extension Sparkline {
    /// A history reduced for the cache: for each of `buckets` buckets its min then max (or max
    /// then min, in the order they occur), NaN for a bucket with no finite value, so spikes
    /// and gaps survive the reduction.
    static func reduced(_ values: [Double], buckets: Int = SparklineCache.buckets) -> [Double] {
        guard values.count > buckets * 2 else { return values }
        var out: [Double] = []
        out.reserveCapacity(buckets * 2)
        for b in 0..<buckets {
            let start = b * values.count / buckets, end = (b + 1) * values.count / buckets
            var lo = Double.infinity, hi = -Double.infinity, loAt = 0, hiAt = 0
            for i in start..<end where values[i].isFinite {
                if values[i] < lo { lo = values[i]; loAt = i }
                if values[i] > hi { hi = values[i]; hiAt = i }
            }
            if lo > hi { out.append(.nan); continue }
            out += loAt <= hiAt ? [lo, hi] : [hi, lo]
        }
        return out
    }
}
