import Terminal
import Tracking

func nameColumnWidth(_ totalWidth: Int) -> Int { min(32, max(14, totalWidth / 4)) }

func columnWidth(_ column: RunColumn) -> Int {
    switch column {
    case .name: return 20
    case .started: return 19
    case .duration: return 9
    case .user: return 10
    case .source: return 16
    case .param, .metric, .tag: return max(10, min(20, DisplayWidth.of(column.title) + 2))
    case .sparkline: return 26
    }
}

/// The scrollable columns (indices into `table.columns`) that fit after the frozen name column.
func visibleColumns(_ table: RunsTable, width: Int) -> [Int] {
    var x = 3 + nameColumnWidth(width) + 1
    var shown: [Int] = []
    var i = max(1, table.scrollColumn)
    while i < table.columns.count {
        let w = columnWidth(table.columns[i])
        if x + w > width && !shown.isEmpty { break }
        shown.append(i)
        x += w + 1
        i += 1
    }
    return shown
}

func cellText(_ run: Run, _ column: RunColumn, now: Double, utcOffset: Int) -> String {
    switch column {
    case .name: return run.info.runName
    case .started:
        guard let start = run.info.startTime else { return "-" }
        let relative = formatRelative(start, now: now).replacingOccurrences(of: " ago", with: "")
        return DisplayWidth.padded(relative, to: 6, alignRight: true) + " " + String(formatAbsolute(start, utcOffset: utcOffset).dropFirst(5).prefix(11))
    case .duration: return formatDuration(run, now: now)
    case .user: return run.info.userID
    case .source:
        guard let source = run.data.tag("mlflow.source.name") else { return "" }
        return String(source.split(separator: "/").last ?? Substring(source))
    case .param(let k): return run.data.param(k) ?? ""
    case .metric(let k): return run.data.metric(k).map { formatNumber($0.value) } ?? ""
    case .tag(let k): return run.data.tag(k) ?? ""
    case .sparkline(let k): return run.data.metric(k).map { formatNumber($0.value) } ?? ""
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
    if table.rows.count != table.runs.count { title += " of \(table.runs.count)" }
    if table.nextPageToken != nil { title += "+" }
    if let sort = table.sort { title += " · sort \(sort.key.description) \(sort.ascending ? "↑" : "↓")" }
    if table.tree { title += " · tree" }
    if !table.marks.isEmpty { title += " · \(table.marks.count) marked" }
    paneTitle(&buffer, state, title, rect, focused: focused)

    let nameWidth = nameColumnWidth(rect.width)
    let shown = visibleColumns(table, width: rect.width)
    // Column header.
    let headerY = rect.y + 1
    var x = rect.x + 3
    func header(_ index: Int, _ width: Int) {
        let column = table.columns[index]
        var text = column.title
        if let sort = table.sort, sort.key == column.sortKey { text += sort.ascending ? " ▲" : " ▼" }
        let style = index == table.selectedColumn && focused ? theme[.column_selected] : theme[.column_header]
        buffer.write(DisplayWidth.padded(text, to: width), x: x, y: headerY, maxWidth: rect.x + rect.width - x, style: style)
        x += width + 1
    }
    header(0, nameWidth)
    for i in shown { header(i, columnWidth(table.columns[i])) }
    if shown.first.map({ $0 > 1 }) ?? false { buffer.write("«", x: rect.x + 3 + nameWidth, y: headerY, style: theme[.dim]) }
    if let last = shown.last, last < table.columns.count - 1 { buffer.write("»", x: rect.x + rect.width - 1, y: headerY, style: theme[.dim]) }

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
        var style = run.info.lifecycleStage == .deleted ? theme[.dim] : theme[.base]
        if isCursor { style = focused ? theme[.selected] : theme[.selected_inactive] }
        buffer.fill(x: rect.x, y: y, width: rect.width, height: 1, style: style)
        let marked = marks.contains(run.info.runID)
        buffer.write(marked ? "*" : " ", x: rect.x, y: y, style: marked && !isCursor ? theme[.marked] : style)
        var glyphStyle = theme[statusRole(run.info.status)]
        if isCursor { glyphStyle.bg = style.bg }
        buffer.write(statusGlyph(run.info.status), x: rect.x + 1, y: y, style: glyphStyle)
        var name = run.info.runName
        if table.tree {
            let twisty = row.childCount > 0 ? (table.collapsed.contains(run.info.runID) ? "▸ " : "▾ ") : "  "
            name = String(repeating: "  ", count: row.depth) + twisty + name
        }
        var nameStyle = marked && !isCursor ? theme[.marked] : style
        if marked && !isCursor { nameStyle.bg = style.bg }
        buffer.write(DisplayWidth.padded(name, to: nameWidth), x: rect.x + 3, y: y, style: nameStyle)
        var cx = rect.x + 3 + nameWidth + 1
        for c in shown {
            let column = table.columns[c]
            let w = columnWidth(column)
            let text = ChartPane.sparklineCellText(state, run, column, width: w) ?? cellText(run, column, now: state.now, utcOffset: state.utcOffset)
            let numeric: Bool
            if case .metric = column { numeric = true } else { numeric = column == .duration }
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
