import Foundation
import Tracking

/// Histories page through the store (`metricHistory` with page tokens, as the REST client
/// pages through get-history); each page of a first load is posted as it arrives so the pane
/// shows progress and a partial curve. A live reload (`refresh`, running runs' sparklines)
/// reads only what was logged since the last one (`LiveHistories`).
func runChartEffect(_ effect: Effect, store: any TrackingStore, live: LiveHistories, inbox: ActionInbox) {
    switch effect {
    case .loadHistory(let request, let runID, let key, true, let held?) where live.enabled:
        // The chart holds the points before: only those after them are read and appended.
        Task.detached {
            do {
                if let tail = try await store.metricHistoryTail(runID: runID, key: key, after: held) {
                    if !tail.isEmpty { inbox.post(.historyPage(request: request, runID: runID, .success(HistoryPage(metrics: tail, first: false, done: true, after: held)))) }
                } else {
                    let all = try await store.fullMetricHistory(runID: runID, key: key)
                    inbox.post(.historyPage(request: request, runID: runID, .success(HistoryPage(metrics: all, first: true, done: true))))
                }
            } catch {
                inbox.post(.historyPage(request: request, runID: runID, .failure(error.asMLflowError)))
            }
        }
    case .loadHistory(let request, let runID, let key, let refresh, _):
        Task.detached {
            var token: String?
            var all: [Metric] = []
            var first = true
            do {
                repeat {
                    let page = try await store.metricHistory(runID: runID, key: key, maxResults: 25_000, pageToken: token)
                    token = page.nextPageToken
                    if refresh { all += page.items; continue }
                    inbox.post(.historyPage(request: request, runID: runID,
                                            .success(HistoryPage(metrics: page.items, first: first, done: token == nil))))
                    first = false
                } while token != nil
                if refresh { inbox.post(.historyPage(request: request, runID: runID, .success(HistoryPage(metrics: all, first: true, done: true)))) }
            } catch {
                inbox.post(.historyPage(request: request, runID: runID, .failure(error.asMLflowError)))
            }
        }
    case .loadSparklines(let key, let runIDs, let running):
        Task.detached {
            for id in runIDs {
                do {
                    let values = running ? try await live.valuesByStep(store, runID: id, key: key)
                        : try await sparklineValues(store, runID: id, key: key)
                    inbox.post(.sparklineLoaded(key: key, runID: id, .success(Sparkline.reduced(values))))
                } catch {
                    inbox.post(.sparklineLoaded(key: key, runID: id, .failure(error.asMLflowError)))
                }
            }
        }
    default: break
    }
}

/// A finished run's history as a sparkline reads it: by step.
private func sparklineValues(_ store: any TrackingStore, runID: String, key: String) async throws -> [Double] {
    ChartSeries(label: key, metrics: try await store.fullMetricHistory(runID: runID, key: key)).valuesByStep
}
