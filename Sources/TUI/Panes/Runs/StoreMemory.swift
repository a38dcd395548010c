/// What mltui remembers of one store between sessions: each experiment's view and the
/// experiment used last. One JSON file per store (Runtime/StoreMemoryFile.swift); the reducer
/// only sees it as the `.loadMemory` effect's answer and asks for `.saveMemory` when it changes.
struct StoreMemory: Equatable, Sendable, Codable {
    /// The store's URI, so a person reading the file knows which store it is about.
    var store: String
    var lastExperiment: String?
    var views: [String: ExperimentView]

    init(store: String, lastExperiment: String? = nil, views: [String: ExperimentView] = [:]) {
        self.store = store
        self.lastExperiment = lastExperiment
        self.views = views
    }
}

/// The answer to `.loadMemory`.
enum MemoryLoad: Equatable, Sendable {
    case found(StoreMemory)
    /// No file yet, or no state directory: nothing remembered.
    case none
    /// The file exists but cannot be read or parsed: ignored, with this note.
    case unreadable(String)
}

extension RunsPane {
    static func memoryLoaded(_ state: inout AppState, _ load: MemoryLoad) -> [Effect] {
        switch load {
        case .found(let memory) where memory.store == state.source:
            // Views already changed this session (a key pressed before the answer) win.
            state.memory.views.merge(memory.views) { current, _ in current }
            state.memory.lastExperiment = state.memory.lastExperiment ?? memory.lastExperiment
            if let id = state.table.experimentID, let view = memory.views[id], state.table.view == state.defaultView {
                state.table.view = view
                state.memory.views[id] = view
            }
        case .found, .none: break
        case .unreadable(let note): showMessage(&state, note)
        }
        state.memoryLoaded = true
        return ExperimentsPane.openAtStartup(&state)
    }

    /// The memory with the open experiment's view as it is now.
    static func remembered(_ state: AppState) -> StoreMemory {
        var memory = state.memory
        if let id = state.table.experimentID {
            memory.views[id] = state.table.view
            memory.lastExperiment = id
        }
        // Untouched views are the defaults again when read: not worth a line of the file.
        memory.views = memory.views.mapValues(\.persisted).filter { $0.value != state.defaultView }
        return memory
    }

    /// What decides whether the state file needs writing, compared before and after an action.
    struct MemoryStamp: Equatable {
        var experimentID: String?
        var view: ExperimentView
        var memory: StoreMemory
        init(_ state: AppState) {
            experimentID = state.table.experimentID
            view = state.table.view.persisted
            memory = state.memory
        }
    }

    /// Saves on every change of the remembered value (nothing while it has not been read yet:
    /// a save then would overwrite the file before it was read).
    static func saveIfChanged(_ state: AppState, since stamp: MemoryStamp?) -> [Effect] {
        guard let stamp, state.memoryLoaded, MemoryStamp(state) != stamp else { return [] }
        return [.saveMemory(remembered(state))]
    }
}
