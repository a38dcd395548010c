import Analysis
import Tracking

/// How the groups of a grouped table are ordered: by one column's current aggregate (numeric
/// columns), its common value (the others), or the group values themselves (the name column).
struct GroupSort: Equatable, Sendable {
    var column: RunColumn
    var ascending: Bool
}

/// Grouping in the runs table (`ExperimentView.groupBy`): one row per group as
/// `mltui runs --group-by` prints them (`Grouping.group`: pandas' order, runs missing a key in
/// groups of their own, last), expandable to the member runs. Grouping needs every run, so a
/// grouped table loads all pages.
extension RunsPane {
    static func isGrouped(_ table: RunsTable) -> Bool { !table.view.groupBy.isEmpty }

    /// The group the cursor's row belongs to (its own row or a member's), with that row's index.
    static func selectedGroup(_ table: RunsTable) -> Int? {
        guard table.rows.indices.contains(table.cursor.index) else { return nil }
        return table.rows[table.cursor.index].group
    }

    /// Rows of a grouped table: the groups of the runs the fuzzy search lets through (kept in
    /// pandas' order, with their aggregates), then laid out in the view's order.
    static func groupRows(_ state: inout AppState, candidates: [Int]) {
        readGroupColumns(&state.table)
        let runs = state.table.runs
        let keys = state.table.view.groupBy.map { state.table.columnVectors.interned($0, of: runs) }
        state.table.groups = Grouping.group(keys, rows: candidates)
        state.table.groupAggregates = metricAggregates(&state.table)
        layoutGroupRows(&state)
    }

    /// Interns, once per load of the runs, the group keys and the columns whose shared value a
    /// group row shows or sorts by.
    static func readGroupColumns(_ table: inout RunsTable) {
        let runs = table.runs
        var keys = table.view.groupBy + table.columns.filter { $0 != .name }.map(\.columnKey).filter(isSharedAsText)
        if let sort = table.view.groupSort, isSharedAsText(sort.column.columnKey) { keys.append(sort.column.columnKey) }
        for key in keys { _ = table.columnVectors.interned(key, of: runs) }
    }

    /// Keys whose cells are equal exactly when their group values are (text, or times as
    /// digits): their shared value is found by comparing interned ids. Not durations (a running
    /// flag besides the number) nor numbers (-0.0 equals 0.0).
    static func isSharedAsText(_ key: ColumnKey) -> Bool {
        switch key {
        case .param, .tag, .attribute, .datasetNames: return true
        case .metric, .best, .duration: return false
        }
    }

    /// The rows of the groups in the view's order, members of expanded groups under their group
    /// in the store's order: what sorting and expanding redo, without regrouping.
    static func layoutGroupRows(_ state: inout AppState) {
        let table = state.table
        let order = groupOrder(table)
        var rows: [RunRow] = []
        rows.reserveCapacity(order.count)
        for g in order {
            let group = table.groups[g]
            rows.append(RunRow(index: group.members[0], depth: 0, childCount: group.members.count, group: g))
            guard table.expandedGroups.contains(group.values) else { continue }
            for member in group.members { rows.append(RunRow(index: member, depth: 1, childCount: 0, group: g, isMember: true)) }
        }
        state.table.groupOrder = order
        state.table.rows = rows
    }

    /// The aggregates of every latest-value metric column, per group: worked out once per
    /// regrouping, as frames, sorting and measuring all read them. Best-of columns are not kept:
    /// their values (`RunsTable.summaries`) arrive after the grouping, so they are read fresh.
    static func metricAggregates(_ table: inout RunsTable) -> [ColumnKey: [Aggregates]] {
        let runs = table.runs
        var cache: [ColumnKey: [Aggregates]] = [:]
        for column in table.columns {
            let key = column.columnKey
            guard case .metric(let name) = key, cache[key] == nil else { continue }
            cache[key] = table.columnVectors.metric(name, of: runs).aggregates(table.groups)
        }
        return cache
    }

    /// The order groups show in (indices into `table.groups`): complete groups before those
    /// missing a key (as unsorted), then by the sort column, missing values last; ties keep
    /// pandas' order.
    static func groupOrder(_ table: RunsTable) -> [Int] {
        let groups = table.groups
        guard let sort = table.view.groupSort else { return Array(groups.indices) }
        enum SortValue { case number(Double), text(String), missing }
        let keys: [SortValue] = groups.indices.map { g in
            if sort.column == .name { return .missing }
            if sort.column.columnKey.isNumeric {
                let value = aggregate(table, g, sort.column)
                return value.map { $0.isNaN ? SortValue.missing : .number($0) } ?? .missing
            }
            // Others by their typed common value: times and durations as numbers.
            switch commonCell(table, g, sort.column.columnKey) {
            case .missing?, nil: return .missing
            case let cell?: return cell.number.map(SortValue.number) ?? .text(FrameWriters.exact(cell))
            }
        }
        return groups.indices.sorted { a, b in
            let (ga, gb) = (groups[a], groups[b])
            if ga.isComplete != gb.isComplete { return ga.isComplete }
            if sort.column == .name {
                guard ga.values != gb.values else { return a < b }
                return sort.ascending ? a < b : b < a
            }
            switch (keys[a], keys[b]) {
            case (.missing, .missing): return a < b
            case (.missing, _): return false
            case (_, .missing): return true
            case let (.number(x), .number(y)) where x != y: return sort.ascending ? x < y : x > y
            case let (.text(x), .text(y)) where x != y:
                let less = x.unicodeScalars.lexicographicallyPrecedes(y.unicodeScalars)
                return sort.ascending ? less : !less
            default: return a < b
            }
        }
    }

    /// The aggregate a numeric column shows for group `g` (mean unless the view says otherwise).
    static func aggregate(_ table: RunsTable, _ g: Int, _ column: RunColumn) -> Double? {
        let key = column.columnKey
        let values = table.groupAggregates[key]?[g]
            ?? Grouping.aggregates(table.groups[g], table.runs, key, summaries: table.summaries)
        return values.value(table.view.aggregate(of: column))
    }

    /// The value every member of group `g` has in a column, nil when they differ.
    static func commonCell(_ table: RunsTable, _ g: Int, _ key: ColumnKey) -> Cell? {
        let members = table.groups[g].members
        if isSharedAsText(key), let column = table.columnVectors.internedIfRead(key) {
            // Equal interned text is an equal cell for these keys: compare ids, read one run.
            guard column.isShared(by: members), let first = members.first else { return nil }
            return key.cell(of: table.runs[first], summaries: table.summaries)
        }
        // Through a buffer pointer: an array's subscript would copy each run it hands out.
        return table.runs.withUnsafeBufferPointer { runs in
            var common: Cell?
            for member in members {
                let cell = key.cell(of: runs[member], summaries: table.summaries)
                if let common, common != cell { return nil }
                common = cell
            }
            return common
        }
    }

    /// The text every member shows in a column (compared as typed values, formatted once), nil
    /// when they differ.
    static func commonText(_ state: AppState, _ g: Int, _ column: RunColumn) -> String? {
        let table = state.table
        guard commonCell(table, g, column.columnKey) != nil, let first = table.groups[g].members.first else { return nil }
        return cellText(table.runs[first], column, now: state.now, utcOffset: state.utcOffset, summaries: table.summaries)
    }


    static func shortName(_ key: ColumnKey) -> String {
        switch key {
        case .param(let k), .tag(let k): return k
        case .datasetNames: return "dataset"
        default: return key.header
        }
    }

    /// A group row's cell: the label in the name column, the aggregate in a numeric one, else
    /// the members' common value (blank when they differ).
    static func groupCellText(_ state: AppState, _ g: Int, _ column: RunColumn) -> String {
        let table = state.table
        // Values only (`RunGroup.label`): the name column's header names the keys, and a narrow
        // column still tells the groups apart.
        if column == .name { return table.groups[g].label }
        if column.columnKey.isNumeric { return aggregate(table, g, column).map(formatNumber) ?? "" }
        return commonText(state, g, column) ?? ""
    }

    /// The group row's name cell: twisty, label, run count; the count stays when the label is cut.
    static func groupNameText(_ state: AppState, _ g: Int, width: Int) -> String {
        let group = state.table.groups[g]
        let twisty = state.table.expandedGroups.contains(group.values) ? "▾ " : "▸ "
        let count = " (\(group.members.count))"
        let room = max(1, width - twisty.count - count.count)
        var label = groupCellText(state, g, .name)
        if label.count > room { label = String(label.prefix(max(0, room - 1))) + "…" }
        return twisty + label + count
    }

    /// A column's header: a numeric column of a grouped table names its aggregate ("m:f1 mean":
    /// no parentheses, so it fits the 10 columns a metric gets on a narrow terminal).
    static func headerTitle(_ table: RunsTable, _ column: RunColumn) -> String {
        guard isGrouped(table) else { return column.title }
        if column == .name { return table.view.groupBy.map(shortName).joined(separator: " · ") }
        guard column.columnKey.isNumeric else { return column.title }
        return "\(column.title) \(table.view.aggregate(of: column).rawValue)"
    }

    /// The title's grouping part: "grouped by params.model · 4 groups", or while pages remain
    /// "grouping 2,000 of 10,000…".
    static func groupingTitle(_ state: AppState) -> String {
        let table = state.table
        let keys = table.view.groupBy.map(\.header).joined(separator: ", ")
        if table.nextPageToken != nil || table.loading {
            let total = state.currentFilter.isEmpty && !table.showDeleted ? state.experiments.row(table.experimentID)?.runCount : nil
            let of = total.map { " of \(thousands($0))" } ?? ""
            return "grouping \(thousands(table.runs.count))\(of)… by \(keys)"
        }
        return "grouped by \(keys) · \(table.groups.count) group\(table.groups.count == 1 ? "" : "s")"
    }

    static func thousands(_ n: Int) -> String {
        let digits = Array(String(n))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(d)
        }
        return out
    }

    // MARK: - commands

    /// Sets the group keys (empty: ungrouped) and asks for the pages not loaded yet.
    static func setGroupBy(_ state: inout AppState, _ keys: [ColumnKey]) -> [Effect] {
        state.table.view.groupBy = keys
        state.table.expandedGroups = []
        rebuildRows(&state)
        state.table.cursor = ListCursor()
        clampAll(&state)
        let runs = state.table.runs
        if keys.isEmpty {
            showMessage(&state, "ungrouped")
        } else if !runs.isEmpty, let absent = keys.first(where: { key in runs.allSatisfy { key.groupValue(of: $0) == nil } }) {
            // Most likely a typo: say so rather than show one "(none)" group as if it were data.
            showMessage(&state, "grouped by \(keys.map(\.header).joined(separator: ", ")), but no loaded run has \(absent.header) (:ungroup)", isError: true)
        } else {
            showMessage(&state, "grouped by \(keys.map(\.header).joined(separator: ", ")) (\(state.keys.label(.open, in: .runs)) expands, \(state.keys.label(.cycleAggregate, in: .runs)): aggregate, :ungroup)")
        }
        return continueGrouping(&state)
    }

    /// A grouped table loads every page: groups and their aggregates are over all runs.
    static func continueGrouping(_ state: inout AppState) -> [Effect] {
        let t = state.table
        guard isGrouped(t), t.nextPageToken != nil, !t.loading, !t.loadingMore, t.error == nil else { return [] }
        return [searchRuns(&state, mode: .append)]
    }

    /// Enter or `z` on a group row opens or closes it; `z` on a member closes its group.
    static func toggleGroup(_ state: inout AppState) {
        guard let g = selectedGroup(state.table) else { return }
        let values = state.table.groups[g].values
        if state.table.expandedGroups.contains(values) { state.table.expandedGroups.remove(values) }
        else { state.table.expandedGroups.insert(values) }
        layoutGroupRows(&state)
        if let row = state.table.rows.firstIndex(where: { !$0.isMember && $0.group.map { state.table.groups[$0].values } == values }) {
            state.table.cursor.index = row
        }
        clampAll(&state)
    }

    /// `A`: the selected metric column's aggregate, mean → min → max → median → std → mean.
    static func cycleAggregate(_ state: inout AppState) -> [Effect] {
        guard state.table.columns.indices.contains(state.table.selectedColumn) else { return [] }
        let column = state.table.columns[state.table.selectedColumn]
        guard isGrouped(state.table) else {
            showMessage(&state, "\(state.keys.label(.cycleAggregate, in: .runs)) sets what a grouped table shows for a metric column: group first (\(state.keys.label(.groupPicker, in: .runs)) or :group KEY)", isError: true)
            return []
        }
        guard column.columnKey.isNumeric else {
            showMessage(&state, "\(column.title) is not a metric: a group shows its common value", isError: true)
            return []
        }
        let all = Aggregate.allCases
        let next = all[(all.firstIndex(of: state.table.view.aggregate(of: column))! + 1) % all.count]
        state.table.view.aggregates[column] = next == .mean ? nil : next
        if isGrouped(state.table), state.table.view.groupSort?.column == column { layoutGroupRows(&state) }
        showMessage(&state, isGrouped(state.table) ? "\(column.title): \(next.rawValue) of each group"
                    : "\(column.title): \(next.rawValue) of each group once grouped (= picks group keys)")
        state.table.contentWidths[column] = nil
        clampAll(&state)
        return []
    }

    /// `s` while grouped: the groups sort by the selected column, client-side (again: flip).
    static func sortGroups(_ state: inout AppState, column: RunColumn, ascending: Bool?) {
        let numeric = column.columnKey.isNumeric
        if let ascending {
            state.table.view.groupSort = GroupSort(column: column, ascending: ascending)
        } else if let current = state.table.view.groupSort, current.column == column {
            state.table.view.groupSort!.ascending.toggle()
        } else {
            state.table.view.groupSort = GroupSort(column: column, ascending: !numeric)
        }
        let sort = state.table.view.groupSort!
        layoutGroupRows(&state)
        state.table.cursor = ListCursor()
        clampAll(&state)
        let by = column == .name ? "group values" : headerTitle(state.table, column)
        let incomplete = state.table.groups.contains { !$0.isComplete }
        showMessage(&state, "groups sorted by \(by) \(sort.ascending ? "↑" : "↓")" + (incomplete ? " (groups missing a key stay last)" : ""))
    }

    /// The group-by picker: the params, dataset names, tags and attributes of the loaded runs
    /// with how many distinct values each has; Enter adds a key at the end or removes it.
    static func groupKeyPicker(_ state: AppState) -> Picker {
        var params: [String: Set<String>] = [:], tags: [String: Set<String>] = [:]
        var datasets = Set<String>(), statuses = Set<String>(), users = Set<String>()
        for run in state.table.runs {
            for p in run.data.params { params[p.key, default: []].insert(p.value) }
            for t in run.data.tags where t.key != Tag.noteKey { tags[t.key, default: []].insert(t.value) }
            if let names = ColumnKey.datasetNames.groupValue(of: run) { datasets.insert(names) }
            statuses.insert(run.info.status.rawValue)
            users.insert(run.info.userID)
        }
        func items(_ values: [String: Set<String>], _ make: (String) -> ColumnKey) -> [PickerItem] {
            values.keys.sorted().map { PickerItem(label: make($0).header, count: values[$0]!.count, groupKey: make($0)) }
        }
        var all = items(params, ColumnKey.param)
        if !datasets.isEmpty { all.append(PickerItem(label: "datasets.name", count: datasets.count, groupKey: .datasetNames)) }
        let (user, builtin) = items(tags, ColumnKey.tag).reduce(into: ([PickerItem](), [PickerItem]())) {
            if $1.label.hasPrefix("tags.mlflow.") { $0.1.append($1) } else { $0.0.append($1) }
        }
        all += user
        all.append(PickerItem(label: "status", count: statuses.count, groupKey: .attribute("status")))
        all.append(PickerItem(label: "user_id", count: users.count, groupKey: .attribute("user_id")))
        all += builtin
        return Picker(purpose: .groupKey, title: "Group by: keys in \(PickerOverlay.scope(state)) (\(state.keys.label(.open, in: .picker)) adds/removes, in order)", items: all)
    }

    static func chooseGroupKey(_ state: inout AppState, _ key: ColumnKey) -> [Effect] {
        var keys = state.table.view.groupBy
        if let i = keys.firstIndex(of: key) { keys.remove(at: i) } else { keys.append(key) }
        let effects = setGroupBy(&state, keys)
        if var picker = state.picker {
            picker.query = ""
            picker.queryCursor = 0
            picker.cursor.index = picker.items.firstIndex { $0.groupKey == key } ?? 0
            state.picker = picker
            clampAll(&state)
        }
        return effects
    }

    /// The picker's marks: a chosen key's place in the order ("[1] "), else "[ ] ".
    static func groupKeyMark(_ state: AppState, _ item: PickerItem) -> String {
        guard let key = item.groupKey, let i = state.table.view.groupBy.firstIndex(of: key) else { return "[ ] " }
        return "[\(i + 1)] "
    }

    /// `:group KEY[,KEY]` (no keys: the picker) and `:ungroup`.
    static func groupCommand(_ state: inout AppState, _ argument: String) -> [Effect] {
        state.pane = .runs
        guard !argument.isEmpty else { state.picker = groupKeyPicker(state); clampAll(&state); return [] }
        do {
            return setGroupBy(&state, try ColumnKey.parseGroupKeys(argument))
        } catch {
            showMessage(&state, "\(error.asMLflowError.message) (usage: :group params.model[,tags.team])", isError: true)
            return []
        }
    }
}

extension ExperimentView {
    /// The aggregate a numeric column shows in grouped rows: mean unless chosen with `A`.
    func aggregate(of column: RunColumn) -> Aggregate { aggregates[column] ?? .mean }
}
