import Analysis
import Foundation
import Terminal
import Tracking

/// Actions produced off the input loop (backend results), collected for the loop to drain.
/// Posting wakes the loop through `wake`, which its terminal wait polls.
final class ActionInbox: Sendable {
    let wake = WakeSignal()
    private let pending = Locked<[Action]>([])

    func post(_ action: Action) {
        pending.withLock { $0.append(action) }
        wake.signal()
    }

    func drain() -> [Action] {
        // The pipe first: a post that lands after it signals again, so nothing waits unseen.
        wake.drain()
        return pending.withLock { actions in
            defer { actions = [] }
            return actions
        }
    }
}

/// Performs effects against the store as Swift tasks; every answer comes back as an Action.
struct EffectRunner: Sendable {
    let store: any TrackingStore
    let inbox: ActionInbox
    let themeDirectories: [String]
    /// Where the state files are kept; nil remembers nothing between sessions.
    var memoryFile: StoreMemoryFile? = nil
    /// Opened on the first edit (Runtime/WriteEffects.swift).
    var writer = LazyWriter(nil)
    /// Running runs' histories, read incrementally on each tick.
    var live = LiveHistories()

    func run(_ effect: Effect) {
        let store = self.store, inbox = self.inbox, dirs = themeDirectories
        switch effect {
        case .refreshStore:
            store.refresh()  // synchronous, so the loads that follow it read past the cache
        case .loadExperiments(let request):
            Task.detached {
                let result = await capture { try await store.allExperiments(ExperimentSearch(viewType: .all)) }
                inbox.post(.experimentsLoaded(request: request, result))
            }
        case .searchRuns(let request, let search, let mode):
            Task.detached {
                let result = await capture { try await store.searchRuns(search) }
                inbox.post(.runsLoaded(request: request, mode: mode, result))
            }
        case .sampleRuns(let experimentID, let search):
            Task.detached {
                let result = await capture { try await store.searchRuns(search) }
                inbox.post(.runsSampled(experimentID: experimentID, result))
            }
        case .countRuns(let ids):
            // Counts one experiment at a time, in the background, after the first screen.
            Task.detached(priority: .background) {
                for id in ids {
                    var search = RunSearch(experimentIDs: [id], maxResults: RunSearch.maxResultsLimit)
                    var count = 0
                    var last: Int64?
                    do {
                        while true {
                            let page = try await store.searchRuns(search)
                            count += page.items.count
                            for run in page.items {
                                let t = max(run.info.startTime ?? 0, run.info.endTime ?? 0)
                                if t > 0 { last = max(last ?? 0, t) }
                            }
                            guard let token = page.nextPageToken else { break }
                            search.pageToken = token
                        }
                    } catch { continue }
                    inbox.post(.runCounted(experimentID: id, count: count, lastActivity: last))
                }
            }
        case .findLatestRuns(let request, let ids):
            Task.detached {
                let search = RunSearch(experimentIDs: ids, orderBy: ["attributes.start_time DESC"], maxResults: 50)
                let result = await capture { try await store.searchRuns(search).items }
                inbox.post(.latestRunsLoaded(request: request, result))
            }
        case .loadMemory(let uri):
            // A small local file, read in place: its answer is in the inbox before any store's.
            inbox.post(.memoryLoaded(memoryFile?.load(store: uri) ?? .none))
        case .saveMemory(let memory):
            memoryFile?.save(memory)  // in place too, so saves land in order and before exit
        case .loadDetails(let request, let runID):
            Task.detached {
                let result = await capture { () async throws -> RunWithChildren in
                    let run = try await store.getRun(id: runID)
                    let filter = "tags.mlflow.parentRunId = '\(runID)'"
                    let children = (try? await store.allRuns(RunSearch(experimentIDs: [run.info.experimentID], filter: filter))) ?? []
                    // Min/max only where one page of history holds it all: never page through a
                    // million-point history just for the details pane.
                    var ranges: [String: MetricRange] = [:]
                    // Model metrics first, then system metrics (their own section, with sparklines).
                    let model = run.data.metrics.filter { !SystemMetrics.isSystem($0.key) }.prefix(50)
                    let system = run.data.metrics.filter { SystemMetrics.isSystem($0.key) }.prefix(40)
                    for metric in model + system {
                        guard let page = try? await store.metricHistory(runID: runID, key: metric.key, maxResults: 5000, pageToken: nil),
                              page.nextPageToken == nil, let range = MetricRange(page.items.map(\.value)) else { continue }
                        ranges[metric.key] = range
                    }
                    // The parent's name for its link; a deleted or unreadable parent keeps the id alone.
                    var parent: Run?
                    if let parentID = run.parentRunID { parent = try? await store.getRun(id: parentID) }
                    // MLflow 3: the models the run logged (at most 50 read), and the registry's versions of it.
                    var models: [LoggedModel] = []
                    var versions: [ModelVersion] = []
                    if let modelStore = try? store.models, let byRun = SearchGrammar.literal(runID) {
                        // One search for the models the run logged in its experiment; an output
                        // logged elsewhere is read on its own (at most 20 of them).
                        let outputs = Set(run.outputs.modelOutputs.map(\.modelID))
                        if !outputs.isEmpty {
                            let search = LoggedModelSearch(experimentIDs: [run.info.experimentID], filter: "source_run_id = " + byRun)
                            models = ((try? await modelStore.allLoggedModels(search)) ?? []).filter { outputs.contains($0.modelID) }
                            for id in outputs.subtracting(models.map(\.modelID)).sorted().prefix(20) {
                                if let model = try? await modelStore.loggedModel(id: id, allowDeleted: true) { models.append(model) }
                            }
                        }
                        versions = (try? await modelStore.allModelVersions(RegistrySearch(filter: "run_id = " + byRun, maxResults: 1000))) ?? []
                    }
                    return RunWithChildren(run: run, children: children, metricRanges: ranges, parent: parent,
                                           models: models, versions: versions)
                }
                inbox.post(.detailsLoaded(request: request, result))
            }
        case .loadModelList, .loadModelPage:
            loadModels(effect)
        case .loadCompare(let request, let ids):
            Task.detached {
                let result = await capture { () async throws -> [Run] in
                    var runs: [Run] = []
                    for id in ids { runs.append(try await store.getRun(id: id)) }
                    return runs
                }
                inbox.post(.compareLoaded(request: request, result))
            }
        case .loadTheme(let name):
            do { inbox.post(.themeLoaded(.success(try ThemeLoader.load(name, directories: dirs)))) }
            catch { inbox.post(.themeLoaded(.failure(error as? ThemeError ?? ThemeError(String(describing: error))))) }
        case .loadSummaries(let request, let key, let steps, let runIDs):
            Task.detached {
                let result = await capture { try await store.metricSummaries(runIDs: runIDs, key: key, steps: steps) }
                inbox.post(.summariesLoaded(request: request, key: key, steps: steps, runIDs: runIDs, result))
            }
        case .loadHistory, .loadSparklines:
            runChartEffect(effect, store: store, live: live, inbox: inbox)
        case .pollAlerts(let request, let ids, let endedSince, let known):
            Task.detached {
                let result = await capture { try await AlertPoll.read(store, experimentIDs: ids, endedSince: endedSince, knownIntervals: known) }
                inbox.post(.alertsPolled(request: request, result))
            }
        case .loadSystemHistories(let request, let runID, let keys):
            let live = self.live
            Task.detached {
                let result = await capture { () async throws -> [String: [Metric]] in
                    var histories: [String: [Metric]] = [:]
                    for key in keys.prefix(40) { histories[key] = try await live.history(store, runID: runID, key: key) }
                    return histories
                }
                inbox.post(.systemHistoriesLoaded(request: request, result))
            }
        case .loadImageIndex(let request, let runIDs):
            Task.detached {
                for id in runIDs {
                    let result = await capture { () async throws -> [LoggedImage] in
                        let listing = try await store.listArtifacts(runID: id, path: LoggedImage.folder)
                        return LoggedImage.collect(listing.files.filter { !$0.isDir }.map(\.path))
                    }
                    inbox.post(.imageIndexLoaded(request: request, runID: id, result))
                }
            }
        case .loadGridImages(let request, let images, let keepFiles):
            Task.detached {
                for image in images {
                    let result = await readThumbnail(store, runID: image.runID, path: image.path, side: ImageGridPane.thumbnailSide,
                                                     keepFile: keepFiles)
                    inbox.post(.gridImageLoaded(request: request, id: ImageGridView.id(image.runID, image.path), result))
                }
            }
        case .copy, .editNote, .notify:
            break  // handled by the loop, which owns the terminal
        case .write(let job):
            writer.perform(job) { inbox.post(.written($0)) }
        case .artifacts(let browserEffect):
            performBrowserEffect(browserEffect, store: store) { inbox.post($0) }
        case .export(let job):
            Task.detached {
                let home = ProcessInfo.processInfo.environment["HOME"], directory = FileManager.default.currentDirectoryPath
                let outcome = (try? await BlockingWork.run { ExportWriter.write(job, home: home, directory: directory) })
                    ?? ExportOutcome(job: job, error: "the write did not finish")
                inbox.post(.exported(outcome))
            }
        }
    }
}

func capture<T>(_ body: () async throws -> T) async -> Result<T, MLflowError> {
    do { return .success(try await body()) } catch { return .failure(error.asMLflowError) }
}

/// Model lists and pages (Panes/Models), read through the store's model reads.
extension EffectRunner {
    func loadModels(_ effect: Effect) {
        let store = self.store, inbox = self.inbox
        switch effect {
        case .loadModelList(let request, let query):
            Task.detached {
                let result = await capture { try await Self.modelList(store, query) }
                inbox.post(.modelListLoaded(request: request, result))
            }
        case .loadModelPage(let request, let subject):
            Task.detached {
                let result = await capture { try await Self.modelPage(store, subject) }
                inbox.post(.modelPageLoaded(request: request, result))
            }
        default: break
        }
    }

    static func modelList(_ store: any TrackingStore, _ query: ModelListQuery) async throws -> ModelListContent {
        let models = try store.models
        switch query.kind {
        case .logged(let experimentID):
            let found = try await models.allLoggedModels(LoggedModelSearch(experimentIDs: [experimentID], filter: query.filter))
            // Source runs by name: one search over the runs the models name.
            let ids = Set(found.compactMap(\.sourceRunID)).filter { !$0.isEmpty }.sorted()
            var names: [String: String] = [:]
            if !ids.isEmpty {
                let filter = "attributes.run_id IN (" + ids.map { "'\($0)'" }.joined(separator: ", ") + ")"
                let runs = (try? await store.allRuns(RunSearch(experimentIDs: [experimentID], filter: filter, viewType: .all))) ?? []
                for run in runs { names[run.info.runID] = run.info.runName }
            }
            return .logged(found, runNames: names)
        case .registry:
            return .registry(try await models.allRegisteredModels(RegistrySearch(filter: query.filter, maxResults: RegistrySearch.registeredModelsDefault)))
        }
    }

    static func modelPage(_ store: any TrackingStore, _ subject: ModelSubject) async throws -> ModelPageContent {
        let models = try store.models
        switch subject {
        case .loggedModel(let id):
            let model = try await models.loggedModel(id: id, allowDeleted: true)
            let run = try? await model.sourceRunID.asyncMap { try await store.getRun(id: $0) }
            let source = SearchGrammar.literal("models:/" + id).map { "source_path = " + $0 } ?? ""
            let versions = ((try? await models.allModelVersions(RegistrySearch(filter: source, maxResults: 1000))) ?? [])
                .filter { $0.source == "models:/" + id }
            return .loggedModel(model, sourceRun: run ?? nil, versions: versions)
        case .registeredModel(let name):
            let model = try await models.registeredModel(name: name)
            let byName = SearchGrammar.literal(name).map { "name = " + $0 } ?? ""
            let versions = try await models.allModelVersions(RegistrySearch(filter: byName, orderBy: ["version_number DESC"], maxResults: 1000))
                .filter { $0.name == name }
            return .registeredModel(model, versions: versions)
        case .modelVersion(let name, let number):
            let version = try await models.modelVersion(name: name, version: number)
            let aliases = version.aliases.isEmpty
                ? ((try? await models.registeredModel(name: name))?.aliases.filter { $0.version == version.version }.map(\.alias) ?? [])
                : version.aliases
            let logged = try? await version.loggedModelID.asyncMap { try await models.loggedModel(id: $0, allowDeleted: true) }
            let run = try? await version.runID.asyncMap { try await store.getRun(id: $0) }
            return .modelVersion(version, aliases: aliases, loggedModel: logged ?? nil, sourceRun: run ?? nil)
        }
    }

}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
