import Foundation
import Tracking

/// The metric histories a live refresh keeps current (running runs' charts, sparklines and
/// system charts): each is read whole once, then every tick asks the store only for the points
/// after those held (`TrackingStore.metricHistoryTail`), so a tick's reads stay flat however
/// long the run has logged (docs/live-refresh.md). Held compactly (24 bytes a point) and
/// bounded; the least recently used history goes first. `MLTUI_LIVE_RELOAD=whole` reads every
/// history whole on every tick, as mltui did before (the benchmark's baseline).
final class LiveHistories: Sendable {
    private struct Key: Hashable {
        var runID: String
        var key: String
    }

    private struct Point {
        var value: Double
        var timestamp: Int64
        var step: Int64
    }

    private struct Held {
        var points: [Point]
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

    /// The whole history of `key` for `runID`, read incrementally after the first time.
    func history(_ store: any TrackingStore, runID: String, key: String) async throws -> [Metric] {
        guard enabled else { return try await store.fullMetricHistory(runID: runID, key: key) }
        let id = Key(runID: runID, key: key)
        let kept = state.withLock { $0.held[id]?.points }.map { points in
            points.map { Metric(key: key, value: $0.value, timestamp: $0.timestamp, step: $0.step) }
        }
        var metrics: [Metric]
        if let kept, let tail = try await store.metricHistoryTail(runID: runID, key: key, after: HistoryHeld(kept)) {
            metrics = kept + tail
        } else {
            metrics = try await store.fullMetricHistory(runID: runID, key: key)
        }
        keep(id, metrics.map { Point(value: $0.value, timestamp: $0.timestamp, step: $0.step) })
        return metrics
    }

    /// How many histories are held (tests).
    var count: Int { state.withLock { $0.held.count } }

    private func keep(_ id: Key, _ points: [Point]) {
        guard points.count <= Self.pointLimit else { return }
        state.withLock { state in
            state.clock += 1
            state.points += points.count - (state.held[id]?.points.count ?? 0)
            state.held[id] = Held(points: points, used: state.clock)
            while state.points > Self.pointLimit, let oldest = state.held.min(by: { $0.value.used < $1.value.used }) {
                state.points -= oldest.value.points.count
                state.held[oldest.key] = nil
            }
        }
    }
}
