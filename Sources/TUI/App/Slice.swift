import Terminal

/// One pane or overlay of the UI, as a feature slice: its own rows of the key table, the
/// commands it performs, how its list moves. Its state type and its render function live
/// beside it in its folder. The router (AppReducer.swift) sends each key to the slice whose
/// context has focus, so no slice checks which pane is showing.
protocol Slice {
    static var bindings: [KeyBinding] { get }
    /// Performs one of the slice's own commands (list movement arrives as `move`).
    static func perform(_ state: inout AppState, _ command: KeyCommand) -> [Effect]
    /// Moves the slice's cursor by `delta` rows.
    static func move(_ state: inout AppState, by delta: Int) -> [Effect]
    /// Rows one page key moves.
    static func pageRows(_ state: AppState) -> Int
    /// Keeps the slice's cursor in range after its data or the screen size changed.
    static func clamp(_ state: inout AppState)
}

extension Slice {
    static func move(_ state: inout AppState, by delta: Int) -> [Effect] { [] }
    static func pageRows(_ state: AppState) -> Int { 10 }
    static func clamp(_ state: inout AppState) {}
}

/// The slice a key context routes to; nil for global keys, which the router performs itself.
func slice(for context: KeyContext) -> (any Slice.Type)? {
    switch context {
    case .experiments: return ExperimentsPane.self
    case .runs: return RunsPane.self
    case .details: return DetailsPane.self
    case .compare: return ComparePane.self
    case .chart: return ChartPane.self
    case .scatter: return ScatterPane.self
    case .parallel: return ParallelPane.self
    case .models: return ModelListPane.self
    case .modelPage: return ModelPagePane.self
    case .picker: return PickerOverlay.self
    case .help: return HelpOverlay.self
    case .value: return ValueOverlay.self
    case .alerts: return AlertsOverlay.self
    case .systemChart: return SystemChartPane.self
    case .imageGrid: return ImageGridPane.self
    case .artifacts: return ArtifactsPane.self
    case .global: return nil
    }
}

/// Keeps every cursor inside its list after any change of data or size.
func clampAll(_ state: inout AppState) {
    ExperimentsPane.clamp(&state)
    RunsPane.clamp(&state)
    DetailsPane.clamp(&state)
    ComparePane.clamp(&state)
    ModelListPane.clamp(&state)
    ModelPagePane.clamp(&state)
    PickerOverlay.clamp(&state)
    HelpOverlay.clamp(&state)
    ValueOverlay.clamp(&state)
    AlertsOverlay.clamp(&state)
    ImageGridPane.clamp(&state)
}

/// Moves the cursor of a pane or overlay that may be closed (nil), then clamps.
func moveCursor<Part>(_ state: inout AppState, _ part: WritableKeyPath<AppState, Part?>,
                      _ cursor: WritableKeyPath<Part, ListCursor>, by delta: Int) -> [Effect] {
    guard var value = state[keyPath: part] else { return [] }
    value[keyPath: cursor] = value[keyPath: cursor].moved(by: delta)
    state[keyPath: part] = value
    clampAll(&state)
    return []
}
