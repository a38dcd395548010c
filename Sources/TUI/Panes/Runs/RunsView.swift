import Analysis
import Terminal
import Tracking

func cellText(_ run: Run, _ column: RunColumn, now: Double, utcOffset: Int,
              summaries: HistorySummaries = HistorySummaries()) -> String {
    switch column {
    case .name: return run.info.runName
    case .started: return run.info.startTime.map { formatStarted($0, now: now, utcOffset: utcOffset) } ?? "-"
    case .duration: return formatDuration(run, now: now)
    case .user: return run.info.userID
    case .source:
        guard let source = run.data.tag("mlflow.source.name") else { return "" }
        return String(source.split(separator: "/").last ?? Substring(source))
    case .param(let k): return run.data.param(k) ?? ""
    case .metric(let k): return run.data.metric(k).map { formatNumber($0.value) } ?? ""
    case .tag(let k): return run.data.tag(k) ?? ""
    case .sparkline(let k): return run.data.metric(k).map { formatNumber($0.value) } ?? ""
    case .best:
        return column.columnKey.cell(of: run, summaries: summaries).number.map(formatNumber) ?? ""
    }
}

extension RunsPane {
    /// The table: a title with counts, sort and marks; the column header; the visible rows only.
    static func render(_ buffer: inout Buffer, _ state: AppState, _ rect: Rect) {
        let theme = state.theme
        let table = state.table
        let focused = state.pane == .runs
        let experimentName = state.experiments.row(table.experimentID)?.experiment.name ?? "-"
        var title = "Runs · \(experimentName) · \(table.rows.count)"
        if isGrouped(table) {
            title = "Runs · \(experimentName) · \(groupingTitle(state))"
            if let sort = table.view.groupSort { title += " · sort \(sort.column == .name ? "groups" : headerTitle(table, sort.column)) \(sort.ascending ? "↑" : "↓")" }
            if let progress = bestOfProgress(table) { title += " · " + progress }
        } else {
            if table.rows.count != table.runs.count { title += " of \(table.runs.count)" }
            if table.nextPageToken != nil { title += "+" }
            if let sort = table.sort { title += " · sort \(sort.key.description) \(sort.ascending ? "↑" : "↓")" }
            if let sort = localSortTitle(table) { title += " · " + sort }
            if let progress = bestOfProgress(table) { title += " · " + progress }
            if table.tree { title += " · tree" }
        }
        // The mark count at the right end of the title, so a narrow pane truncates the title, not it.
        if let marks = markCount(state) {
            let badge = " · " + marks
            let x = rect.x + rect.width - DisplayWidth.of(badge)
            paneTitle(&buffer, state, title, Rect(x: rect.x, y: rect.y, width: max(0, x - rect.x), height: 1), focused: focused)
            buffer.write(badge, x: max(rect.x, x), y: rect.y, maxWidth: rect.width, style: theme[.marked])
        } else {
            paneTitle(&buffer, state, title, rect, focused: focused)
        }

        let layout = tableColumns(table, width: rect.width)
        let nameWidth = layout.name
        let shown = layout.shown
        // Column header.
        let headerY = rect.y + 1
        var x = rect.x + 3
        func header(_ index: Int, _ width: Int) {
            let column = table.columns[index]
            var text = headerTitle(table, column)
            if case .sparkline = column, !isGrouped(table) { text += table.sparklinePerRun ? " (per run)" : " (shared)" }
            if isGrouped(table) {
                if let sort = table.view.groupSort, sort.column == column { text += sort.ascending ? " ▲" : " ▼" }
            } else if let sort = table.sort, sort.key == column.sortKey {
                text += sort.ascending ? " ▲" : " ▼"
            } else if let sort = table.view.localSort, sort.column == column {
                text += sort.ascending ? " ▲" : " ▼"
            }
            let style = index == table.selectedColumn && focused ? theme[.column_selected] : theme[.column_header]
            buffer.write(DisplayWidth.padded(text, to: width), x: x, y: headerY, maxWidth: rect.x + rect.width - x, style: style)
            x += width + 1
        }
        header(0, nameWidth)
        for column in shown { header(column.index, column.width) }
        if shown.first.map({ $0.index > 1 }) ?? false { buffer.write("«", x: rect.x + 3 + nameWidth, y: headerY, style: theme[.dim]) }
        if let last = shown.last, last.index < table.columns.count - 1 { buffer.write("»", x: rect.x + rect.width - 1, y: headerY, style: theme[.dim]) }

        let top = rect.y + 2
        let rows = rect.height - 2
        if table.rows.isEmpty {
            let text: String
            let role: ThemeRole
            if let error = table.error { text = "error: \(error)"; role = .error }
            else if table.loading || state.experiments.findingLatest { text = "loading runs…"; role = .dim }
            else if table.experimentID == nil { text = "no experiment open"; role = .dim }
            else if !state.currentFilter.isEmpty { text = "no runs match the filter (X clears it)"; role = .dim }
            else { text = "no runs in this experiment"; role = .dim }
            for (i, line) in wrap(text, width: rect.width - 2).prefix(max(1, rows)).enumerated() {
                buffer.write(line, x: rect.x + 1, y: top + i, maxWidth: rect.width - 1, style: theme[role])
            }
            return
        }
        let marks = Set(table.marks)
        // Virtualized: only the rows on screen are formatted.
        for i in 0..<max(0, rows) {
            let rowIndex = table.cursor.top + i
            guard table.rows.indices.contains(rowIndex) else { break }
            let row = table.rows[rowIndex]
            let run = table.runs[row.index]
            let y = top + i
            let isCursor = rowIndex == table.cursor.index
            if row.isGroupRow, let g = row.group {
                renderGroupRow(&buffer, state, g, y: y, rect: rect, layout: layout, isCursor: isCursor)
                continue
            }
            var style = run.info.lifecycleStage == .deleted ? theme[.dim] : theme[.base]
            if isCursor { style = focused ? theme[.selected] : theme[.selected_inactive] }
            buffer.fill(x: rect.x, y: y, width: rect.width, height: 1, style: style)
            let marked = marks.contains(run.info.runID)
            buffer.write(marked ? "*" : " ", x: rect.x, y: y, style: marked && !isCursor ? theme[.marked] : style)
            var glyphStyle = theme[statusRole(run.info.status)]
            if isCursor { glyphStyle.bg = style.bg }
            buffer.write(statusGlyph(run.info.status), x: rect.x + 1, y: y, style: glyphStyle)
            var name = run.info.runName
            if row.isMember {
                name = "    " + name
            } else if table.tree {
                let twisty = row.childCount > 0 ? (table.collapsed.contains(run.info.runID) ? "▸ " : "▾ ") : "  "
                name = String(repeating: "  ", count: row.depth) + twisty + name
            }
            var nameStyle = marked && !isCursor ? theme[.marked] : style
            if marked && !isCursor { nameStyle.bg = style.bg }
            buffer.write(DisplayWidth.padded(name, to: nameWidth), x: rect.x + 3, y: y, style: nameStyle)
            var cx = rect.x + 3 + nameWidth + 1
            for c in shown {
                let column = table.columns[c.index]
                let w = c.width
                let text = ChartPane.sparklineCellText(state, run, column, width: w) ?? pendingBestOfText(table, run, column) ?? cellText(run, column, now: state.now, utcOffset: state.utcOffset, summaries: table.summaries)
                let numeric: Bool
                switch column {
                case .metric, .best: numeric = true
                default: numeric = column == .duration
                }
                buffer.write(DisplayWidth.padded(text, to: w, alignRight: numeric), x: cx, y: y,
                             maxWidth: rect.x + rect.width - cx, style: style)
                cx += w + 1
            }
        }
        if table.loadingMore, rows > 0 {
            buffer.write(" loading more… ", x: rect.x + rect.width - 16, y: rect.y + rect.height - 1, style: theme[.dim])
        }
    }
}

extension RunsPane {
    /// A group's row: twisty, label and run count in the name column, then per column the
    /// aggregate (metrics) or the members' common value.
    static func renderGroupRow(_ buffer: inout Buffer, _ state: AppState, _ g: Int, y: Int, rect: Rect,
                               layout: TableColumns, isCursor: Bool) {
        let theme = state.theme
        let focused = state.pane == .runs
        let style = isCursor ? (focused ? theme[.selected] : theme[.selected_inactive]) : theme[.base]
        buffer.fill(x: rect.x, y: y, width: rect.width, height: 1, style: style)
        buffer.write(DisplayWidth.padded(groupNameText(state, g, width: layout.name), to: layout.name),
                     x: rect.x + 3, y: y, style: isCursor ? style : theme[.label])
        var cx = rect.x + 3 + layout.name + 1
        for c in layout.shown {
            let column = state.table.columns[c.index]
            let numeric = column.columnKey.isNumeric || column == .duration
            buffer.write(DisplayWidth.padded(groupCellText(state, g, column), to: c.width, alignRight: numeric), x: cx, y: y,
                         maxWidth: rect.x + rect.width - cx, style: style)
            cx += c.width + 1
        }
    }
}
