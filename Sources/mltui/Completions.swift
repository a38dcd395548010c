import ArgumentParser
import Backends
import Foundation
import Tracking

/// Dynamic shell completions (bash, zsh and fish, through swift-argument-parser's scripts):
/// experiment names, run ids and names, and metric keys, read from the store the command line
/// names (`--tracking-uri`, else MLFLOW_TRACKING_URI, else the current folder's store). A
/// completion never prints an error or waits long: a store that cannot be read completes nothing.
enum Completions {
    static let experiments = CompletionKind.custom { words, _, prefix in
        await candidates(words, prefix) { store in
            try await allPages { token in
                try await store.searchExperiments(ExperimentSearch(viewType: .activeOnly, maxResults: 1000, pageToken: token))
            }.map(\.name)
        }
    }

    static let runs = CompletionKind.custom { words, _, prefix in
        await candidates(words, prefix) { store in
            let runs = try await recentRuns(store, words)
            return runs.map(\.info.runID) + runs.map(\.info.runName).filter { !$0.isEmpty }
        }
    }

    /// The keys of the run the command line names by id (`history RUN KEY`), else of recent runs.
    static let metricKeys = CompletionKind.custom { words, _, prefix in
        await candidates(words, prefix) { store in
            for word in words where word.count == 32 && word.allSatisfy(\.isHexDigit) {
                if let run = try? await store.getRun(id: word) { return run.data.metrics.map(\.key) }
            }
            return Array(Set(try await recentRuns(store, words).flatMap { $0.data.metrics.map(\.key) }))
        }
    }

    /// The candidates starting with `prefix`, sorted and unique; none when the store fails.
    private static func candidates(_ words: [String], _ prefix: String,
                                   _ list: @Sendable (any TrackingStore) async throws -> [String]) async -> [String] {
        // A server that is down must not hold the shell: one try, two seconds.
        setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0", 1)
        setenv("MLFLOW_HTTP_REQUEST_TIMEOUT", "2", 1)
        guard let store = try? StoreOptions.open(trackingURI(in: words), warn: { _ in }),
              let found = try? await list(store) else { return [] }
        return Array(Set(found.filter { $0.hasPrefix(prefix) })).sorted()
    }

    /// The value of `--tracking-uri` on the command line being completed, if any.
    static func trackingURI(in words: [String]) -> String? {
        for (i, word) in words.enumerated() {
            if word.hasPrefix("--tracking-uri=") { return String(word.dropFirst("--tracking-uri=".count)) }
            if word == "--tracking-uri", i + 1 < words.count { return words[i + 1] }
        }
        return nil
    }

    /// The newest 1,000 active runs of the experiment the command line names (`--experiment`,
    /// `--experiment-name`), else of every active experiment.
    private static func recentRuns(_ store: any TrackingStore, _ words: [String]) async throws -> [Run] {
        let experiments = try await allPages { token in
            try await store.searchExperiments(ExperimentSearch(viewType: .activeOnly, maxResults: 1000, pageToken: token))
        }
        var named: String?
        for (i, word) in words.enumerated() where i + 1 < words.count && (word == "--experiment" || word == "--experiment-name") {
            named = words[i + 1]
        }
        let ids = named.map { name in experiments.filter { $0.name == name || $0.experimentID == name }.map(\.experimentID) }
            ?? experiments.map(\.experimentID)
        guard !ids.isEmpty else { return [] }
        return try await store.searchRuns(RunSearch(experimentIDs: ids, orderBy: ["attributes.start_time DESC"], maxResults: 1000)).items
    }

    private static func allPages<T>(_ page: (String?) async throws -> Page<T>) async throws -> [T] {
        var items: [T] = [], token: String?
        repeat {
            let next = try await page(token)
            items += next.items
            token = next.nextPageToken
        } while token != nil && items.count < 10_000
        return items
    }
}
