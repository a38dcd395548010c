import Foundation
import Tracking

/// The metric histories a live refresh keeps current for the sparkline column and the system
/// charts (the chart holds its own and asks for what follows it, `ChartPane.liveEffects`): each
/// is read whole once, then every tick asks the store only for the points after those held
/// (`TrackingStore.metricHistoryTail`) and appends them in place, so a tick's reads and copies
/// stay flat however long the run has logged (docs/live-refresh.md). Held as columns (24 bytes a
/// point), at most `pointLimit` points, the least recently used history dropped first.
/// `MLTUI_LIVE_RELOAD=whole` reads every history whole on every tick, as mltui did before (the
/// benchmark's baseline).
final class LiveHistories: Sendable {
    private struct Key: Hashable {
        var runID: String
        var key: String
    }

    private struct Held {
        var series: ChartSeries
        var used: UInt64
    }

    private struct State {
        var held: [Key: Held] = [:]
        var points = 0
        var clock: UInt64 = 0
    }

    /// At most this many points held in all (~48 MB).
    static let pointLimit = 2_000_000

    let enabled: Bool
    private let state = Locked(State())

    init(enabled: Bool = ProcessInfo.processInfo.environment["MLTUI_LIVE_RELOAD"] != "whole") {
        self.enabled = enabled
    }

    /// The whole history of `key` for `runID` as the store orders it, read incrementally after
    /// the first time.
    func history(_ store: any TrackingStore, runID: String, key: String) async throws -> [Metric] {
        let series = try await follow(store, runID: runID, key: key)
        return series.values.indices.map { Metric(key: key, value: series.values[$0], timestamp: series.timestamps[$0], step: series.steps[$0]) }
    }

    /// The history's values by step (a sparkline's order).
    func valuesByStep(_ store: any TrackingStore, runID: String, key: String) async throws -> [Double] {
        try await follow(store, runID: runID, key: key).valuesByStep
    }

    /// How many histories are held (tests).
    var count: Int { state.withLock { $0.held.count } }

    private func follow(_ store: any TrackingStore, runID: String, key: String) async throws -> ChartSeries {
        let id = Key(runID: runID, key: key)
        let held = enabled ? state.withLock { state -> HistoryHeld? in
            guard let series = state.held[id]?.series, let last = series.values.indices.last else { return nil }
            return HistoryHeld(count: series.count, last: Metric(key: key, value: series.values[last],
                                                                timestamp: series.timestamps[last], step: series.steps[last]))
        } : nil
        if let held, let tail = try await store.metricHistoryTail(runID: runID, key: key, after: held) {
            let grown = state.withLock { state -> ChartSeries? in
                // Dropped or grown by another reader meanwhile: read whole below.
                guard state.held[id]?.series.count == held.count else { return nil }
                state.clock += 1
                // In place: the held columns grow by the tail, not copied.
                state.held[id]!.series.append(tail)
                state.held[id]!.used = state.clock
                state.points += tail.count
                evict(&state, keeping: id)
                return state.held[id]?.series
            }
            if let grown { return grown }
        }
        let series = ChartSeries(label: key, metrics: try await store.fullMetricHistory(runID: runID, key: key))
        guard enabled, series.count <= Self.pointLimit else { return series }
        state.withLock { state in
            state.clock += 1
            state.points += series.count - (state.held[id]?.series.count ?? 0)
            state.held[id] = Held(series: series, used: state.clock)
            evict(&state, keeping: id)
        }
        return series
    }

    private func evict(_ state: inout State, keeping id: Key) {
        while state.points > Self.pointLimit,
              let oldest = state.held.filter({ $0.key != id }).min(by: { $0.value.used < $1.value.used }) {
            state.points -= oldest.value.series.count
            state.held[oldest.key] = nil
        }
        // One history past the limit alone is not held (it is read whole each time).
        if state.points > Self.pointLimit, let alone = state.held[id] {
            state.points -= alone.series.count
            state.held[id] = nil
        }
    }
}
