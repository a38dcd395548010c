import Analysis
import Terminal
import Tracking

enum PickerPurpose: Equatable, Sendable {
    case tagKey
    case tagValue(String)
    case column
    case chartMetric, sparklineMetric
    case scatterX, scatterY, parallelAxes, parallelColor
    /// Group-by keys of the runs table (multi-select, in order: RunGroups.swift).
    case groupKey
    /// The tag Enter removes from these runs or this experiment (Edits/Edits.swift).
    case removeTag(EditTarget)
}

struct PickerItem: Equatable, Sendable {
    var label: String
    var count: Int
    var checked = false
    var column: RunColumn?
    var groupKey: ColumnKey? = nil

    /// What a query matches: the label, and a column's bare key (`f1` finds `m:f1` exactly).
    var matchTexts: [String] {
        switch column {
        case .param(let key)?, .metric(let key)?, .tag(let key)?, .sparkline(let key)?, .best(_, let key)?: return [label, key]
        default: return [label]
        }
    }
}

/// A list overlay (tag keys, tag values, columns, metrics) with type-to-narrow.
struct Picker: Equatable, Sendable {
    var purpose: PickerPurpose
    var title: String
    var items: [PickerItem]
    var query = ""
    /// The text cursor in `query`, in characters (readline editing, `editLine`).
    var queryCursor = 0
    var cursor = ListCursor()

    /// The items matching the query, best match first (`rankMatches`). MLflow's system metrics
    /// (`system/…`) stay out of metric pickers until the query asks for them ("sys"), or are chosen.
    var visibleItems: [PickerItem] {
        let shown = showsSystemMetrics ? items : items.filter { $0.checked || !isSystemMetric($0) }
        let ranked = rankMatches(query, shown, label: \.label, texts: \.matchTexts)
        return atStepItem.map { [$0] + ranked } ?? ranked
    }

    var showsSystemMetrics: Bool { query.lowercased().contains("sys") }

    /// How many system metrics the query leaves out (the picker says how to see them).
    var hiddenSystemMetrics: Int {
        showsSystemMetrics ? 0 : items.filter { !$0.checked && isSystemMetric($0) }.count
    }

    func isSystemMetric(_ item: PickerItem) -> Bool {
        switch item.column {
        case .metric(let key)?, .sparkline(let key)?, .best(_, let key)?: return SystemMetrics.isSystem(key)
        case .param?, .tag?: return false
        default:
            switch purpose {
            case .chartMetric, .sparklineMetric, .scatterX, .scatterY, .parallelAxes, .parallelColor:
                return item.matchTexts.contains { SystemMetrics.isSystem($0) || $0.hasPrefix("metrics.system/") || $0.hasPrefix("m:system/") }
            default: return false
            }
        }
    }
}

enum PickerOverlay: Slice {
    static let bindings = keyRows(.picker) { t in
        t.bind([.enter], .open, "choose", footer: "choose")
        t.bind([.escape], .back, "close", footer: "close")
    }

    static func perform(_ state: inout AppState, _ command: KeyCommand) -> [Effect] {
        switch command {
        case .open: return choose(&state)
        case .back: state.picker = nil; return []
        default: return []
        }
    }

    static func move(_ state: inout AppState, by delta: Int) -> [Effect] {
        moveCursor(&state, \.picker, \.cursor, by: delta)
    }

    static func clamp(_ state: inout AppState) {
        guard let picker = state.picker else { return }
        state.picker!.cursor.clamp(count: picker.visibleItems.count, visible: max(1, min(picker.items.count, state.size.height - 6)))
    }

    /// The query is a readline line like the input line (`editLine`: every character, Ctrl-U,
    /// Ctrl-W, Ctrl-K, Ctrl-A/E, ←→); Backspace on an empty query closes the picker. Returns
    /// nil for the keys the picker binds (Enter, Esc, ↑↓, paging) and the rest.
    static func edit(_ state: inout AppState, _ key: Key) -> [Effect]? {
        guard var picker = state.picker else { return nil }
        if key == .backspace, picker.query.isEmpty { state.picker = nil; return [] }
        guard !state.keys.binds(key, in: .picker),
              let edit = editLine(&picker.query, cursor: &picker.queryCursor, key) else { return nil }
        if edit == .edited { picker.cursor = ListCursor() }
        state.picker = picker
        clampAll(&state)
        return []
    }

    // MARK: - pickers

    /// Which runs the picker counts cover. Pickers count the runs loaded so far (pages load as the
    /// cursor nears the end); while more exist the title says so and, when the experiment's run
    /// count is known (the background count), how many there are in all, so a key missing from
    /// the list is not taken as absent from the experiment.
    static func scope(_ state: AppState) -> String {
        let loaded = state.table.runs.count
        guard state.table.nextPageToken != nil else { return "all \(loaded) runs" }
        let total = state.currentFilter.isEmpty && !state.table.showDeleted
            ? state.experiments.row(state.table.experimentID)?.runCount : nil
        if let total, total > loaded { return "the first \(loaded) of \(total) runs" }
        return "the first \(loaded) runs (more not loaded)"
    }

    static func tagKeys(_ state: AppState) -> Picker {
        var counts: [String: Int] = [:]
        for run in state.table.runs { for tag in run.data.tags where tag.key != Tag.noteKey { counts[tag.key, default: 0] += 1 } }
        let items = counts.map { PickerItem(label: $0.key, count: $0.value) }.sorted {
            let (a, b) = ($0.label.hasPrefix("mlflow."), $1.label.hasPrefix("mlflow."))
            if a != b { return !a }
            return $0.count != $1.count ? $0.count > $1.count : $0.label < $1.label
        }
        return Picker(purpose: .tagKey, title: "Tag keys in \(scope(state))", items: items)
    }

    static func tagValues(_ state: AppState, key: String) -> Picker {
        var counts: [String: Int] = [:]
        for run in state.table.runs { if let v = run.data.tag(key) { counts[v, default: 0] += 1 } }
        let items = counts.map { PickerItem(label: $0.key, count: $0.value) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.label < $1.label }
        return Picker(purpose: .tagValue(key), title: "Values of tag \(key) in \(scope(state))", items: items)
    }

    static func columns(_ state: AppState) -> Picker {
        var params: [String: Int] = [:], metrics: [String: Int] = [:], tags: [String: Int] = [:]
        for run in state.table.runs {
            for p in run.data.params { params[p.key, default: 0] += 1 }
            for m in run.data.metrics { metrics[m.key, default: 0] += 1 }
            for t in run.data.tags where t.key != Tag.noteKey { tags[t.key, default: 0] += 1 }
        }
        func items(_ counts: [String: Int], _ make: (String) -> RunColumn) -> [PickerItem] {
            counts.keys.sorted().map { key in
                let column = make(key)
                return PickerItem(label: column.title, count: counts[key]!, checked: state.table.columns.contains(column), column: column)
            }
        }
        // Each metric's best-of columns right after it: typing `loss` still puts m:loss first
        // (an exact key match, and the shortest label among them).
        let metricItems = items(metrics, RunColumn.metric).flatMap { item -> [PickerItem] in
            guard case .metric(let key)? = item.column else { return [item] }
            let atSteps = state.table.columns.filter { if case .best(.atStep, key) = $0 { return true } else { return false } }
            return [item] + ([RunColumn.best(.min, key), .best(.max, key)] + atSteps).map { column in
                PickerItem(label: column.title, count: item.count, checked: state.table.columns.contains(column), column: column)
            }
        }
        let all = metricItems + items(params, RunColumn.param) + items(tags, RunColumn.tag)
        return Picker(purpose: .column, title: "Columns in \(scope(state)) · \(state.keys.label(.open, in: .picker)) toggles · type loss@10 for a step", items: all)
    }

    private static func choose(_ state: inout AppState) -> [Effect] {
        guard let picker = state.picker else { return [] }
        let items = picker.visibleItems
        guard items.indices.contains(picker.cursor.index) else { return [] }
        let item = items[picker.cursor.index]
        switch picker.purpose {
        case .tagKey:
            state.picker = tagValues(state, key: item.label)
            return []
        case .tagValue(let key):
            state.picker = nil
            let chip = TagChip(key: key, value: item.label)
            if !state.currentFilter.chips.contains(chip) { state.currentFilter.chips.append(chip) }
            return [RunsPane.searchRuns(&state, mode: .replace)]
        case .column:
            guard let column = item.column else { return [] }
            if let i = state.table.columns.firstIndex(of: column) {
                state.table.columns.remove(at: i)
                state.table.selectedColumn = min(state.table.selectedColumn, state.table.columns.count - 1)
            } else {
                state.table.columns.append(column)
            }
            // An at-step column typed as `loss@10` joins the list after its metric's entries.
            if !state.picker!.items.contains(where: { $0.column == column }), case .best(_, let key) = column,
               let last = state.picker!.items.lastIndex(where: { $0.column?.columnKey.history?.metric == key || $0.column == .metric(key) }) {
                state.picker!.items.insert(PickerItem(label: column.title, count: item.count, checked: false, column: column), at: last + 1)
            }
            // The whole list again, the cursor on the item just toggled, ready for the next query.
            if let i = state.picker!.items.firstIndex(where: { $0.column == column }) {
                state.picker!.items[i].checked.toggle()
                state.picker!.cursor.index = i
            }
            state.picker!.query = ""
            state.picker!.queryCursor = 0
            clampAll(&state)
            return []
        case .chartMetric, .sparklineMetric:
            return ChartPane.chooseMetric(&state, item.label)
        case .scatterX, .scatterY:
            return ScatterPane.choose(&state, picker.purpose, item.label)
        case .parallelAxes:
            return ParallelPane.toggleAxis(&state, item.label)
        case .parallelColor:
            return ParallelPane.chooseColor(&state, item.label)
        case .groupKey:
            guard let key = item.groupKey else { return [] }
            return RunsPane.chooseGroupKey(&state, key)
        case .removeTag(let target):
            return Edits.chooseUntag(&state, target, key: item.label)
        }
    }
}

extension Picker {
    /// In the column picker, a query `KEY@STEP` naming a listed metric offers the column of its
    /// value at that step (`loss@100`) first: the picker's way to the at-step columns.
    var atStepItem: PickerItem? {
        guard purpose == .column, let at = query.lastIndex(of: "@"), let step = Int64(query[query.index(after: at)...]) else { return nil }
        let key = String(query[..<at])
        guard let metric = items.first(where: { $0.column == .metric(key) }) else { return nil }
        let column = RunColumn.best(.atStep(step), key)
        let checked = items.first { $0.column == column }?.checked ?? false
        return PickerItem(label: column.title, count: metric.count, checked: checked, column: column)
    }
}
