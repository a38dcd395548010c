import Foundation
import Terminal
import Tracking

/// Draws the whole state into a new buffer. Pure: no I/O; everything comes from `state`.
public func render(_ state: AppState) -> Buffer {
    let theme = state.theme
    var buffer = Buffer(size: state.size, style: theme[.base])
    let size = state.size
    guard size.width >= 40, size.height >= 8 else {
        buffer.write("terminal too small (\(size.width)×\(size.height)); resize to at least 40×8, q quits", x: 0, y: 0, style: theme[.error])
        return buffer
    }
    let layout = Layout(state)
    renderHeader(&buffer, state, layout.header)
    switch state.pane {
    case .experiments, .runs:
        if let rect = layout.experiments { renderExperiments(&buffer, state, rect) }
        if let rect = layout.runs { renderRunsTable(&buffer, state, rect) }
        if let e = layout.experiments, layout.runs != nil {
            for y in e.y..<(e.y + e.height) { buffer.write("│", x: e.x + e.width, y: y, style: theme[.dim]) }
        }
    case .details: renderDetails(&buffer, state, layout.body)
    case .compare: renderCompare(&buffer, state, layout.body)
    case .chart: renderChartPane(&buffer, state, layout.body)
    }
    if state.browser != nil { renderBrowser(&buffer, state, layout.body) }
    if let rect = layout.inputLine { renderInput(&buffer, state, rect) }
    if let rect = layout.messageLine { renderInputMessage(&buffer, state, rect) }
    renderStatusLine(&buffer, state, layout.statusLine)
    renderFooter(&buffer, state, layout.footer)
    if state.picker != nil { renderPicker(&buffer, state) }
    if state.showHelp { renderHelp(&buffer, state) }
    return buffer
}

private let spinner = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]

private func renderHeader(_ buffer: inout Buffer, _ state: AppState, _ rect: Rect) {
    let theme = state.theme
    buffer.fill(x: rect.x, y: rect.y, width: rect.width, height: 1, style: theme[.header])
    var right: String
    switch state.connection {
    case .connecting: right = "connecting"
    case .connected: right = "● connected"
    case .failed: right = "○ disconnected"
    }
    if state.isLoading { right = spinner[state.spinnerFrame % spinner.count] + " loading  " + right }
    let rightWidth = DisplayWidth.of(right) + 1
    var x = buffer.write(" mltui ", x: 0, y: rect.y, style: theme[.header])
    x += buffer.write(state.source, x: x, y: rect.y, maxWidth: rect.width - x - rightWidth - 1, style: theme[.header_dim])
    buffer.write(right, x: rect.width - rightWidth, y: rect.y, style: theme[.header])
}

private func paneTitle(_ buffer: inout Buffer, _ state: AppState, _ text: String, _ rect: Rect, focused: Bool) {
    buffer.write(text, x: rect.x, y: rect.y, maxWidth: rect.width, style: state.theme[focused ? .pane_title_focus : .pane_title])
}

private func renderExperiments(_ buffer: inout Buffer, _ state: AppState, _ rect: Rect) {
    let theme = state.theme
    let visible = state.visibleExperiments
    let focused = state.pane == .experiments
    let hidden = state.experiments.count - visible.count
    let hiddenNote = hidden > 0 && rect.width >= 36 ? " · \(hidden) deleted hidden" : ""
    paneTitle(&buffer, state, "Experiments (\(visible.count))\(hiddenNote)", rect, focused: focused)
    if state.experimentsLoading && state.experiments.isEmpty {
        buffer.write("loading…", x: rect.x + 1, y: rect.y + 1, maxWidth: rect.width - 1, style: theme[.dim])
        return
    }
    let showLast = rect.width >= 34
    let countWidth = 6
    let lastWidth = showLast ? 9 : 0
    let nameWidth = rect.width - countWidth - lastWidth - 1
    let rows = rect.height - 1
    for i in 0..<max(0, rows) {
        let index = state.experimentCursor.top + i
        guard visible.indices.contains(index) else { break }
        let row = visible[index]
        let y = rect.y + 1 + i
        let isCursor = index == state.experimentCursor.index
        let isOpen = row.experiment.experimentID == state.table.experimentID
        var style = row.experiment.lifecycleStage == .deleted ? theme[.dim] : theme[.base]
        if isCursor { style = focused ? theme[.selected] : theme[.selected_inactive] }
        buffer.fill(x: rect.x, y: y, width: rect.width, height: 1, style: style)
        let name = (isOpen ? "▸" : " ") + row.experiment.name + (row.experiment.lifecycleStage == .deleted ? " (deleted)" : "")
        buffer.write(DisplayWidth.padded(name, to: nameWidth), x: rect.x, y: y, style: style)
        let count = row.runCount.map(String.init) ?? "…"
        buffer.write(DisplayWidth.padded(count, to: countWidth, alignRight: true), x: rect.x + nameWidth, y: y, style: style)
        if showLast {
            let last = (row.lastActivity ?? row.experiment.lastUpdateTime).map { formatRelative($0, now: state.now) } ?? "-"
            buffer.write(DisplayWidth.padded(last.replacingOccurrences(of: " ago", with: ""), to: lastWidth, alignRight: true),
                         x: rect.x + nameWidth + countWidth, y: y, style: isCursor ? style : theme[.dim])
        }
    }
}

// MARK: - runs table

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

private func renderRunsTable(_ buffer: inout Buffer, _ state: AppState, _ rect: Rect) {
    let theme = state.theme
    let table = state.table
    let focused = state.pane == .runs
    let experimentName = state.experiments.first { $0.experiment.experimentID == table.experimentID }?.experiment.name ?? "-"
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
        else if table.loading { text = "loading runs…"; role = .dim }
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
            let text = sparklineCellText(state, run, column, width: w) ?? cellText(run, column, now: state.now, utcOffset: state.utcOffset)
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

// MARK: - details and compare

private func renderDetails(_ buffer: inout Buffer, _ state: AppState, _ rect: Rect) {
    let theme = state.theme
    guard let details = state.details else { return }
    let name = details.run?.info.runName ?? details.runID
    let trail = state.detailsStack.isEmpty ? "" : " · \(state.detailsStack.count) back"
    paneTitle(&buffer, state, "Run details · \(name)\(trail)", rect, focused: true)
    if let error = details.error {
        buffer.write("error: \(error)", x: rect.x + 1, y: rect.y + 1, maxWidth: rect.width - 1, style: theme[.error])
        return
    }
    if details.run == nil {
        buffer.write("loading run \(details.runID)…", x: rect.x + 1, y: rect.y + 1, maxWidth: rect.width - 1, style: theme[.dim])
        return
    }
    let lines = detailLines(details, now: state.now, utcOffset: state.utcOffset, width: rect.width)
    let labelWidth = min(32, max(12, rect.width / 4))
    for i in 0..<max(0, rect.height - 1) {
        let index = details.cursor.top + i
        guard lines.indices.contains(index) else { break }
        let line = lines[index]
        let y = rect.y + 1 + i
        let isCursor = index == details.cursor.index
        let rowStyle = isCursor ? theme[.selected] : theme[.base]
        buffer.fill(x: rect.x, y: y, width: rect.width, height: 1, style: rowStyle)
        if line.isSection {
            var style = theme[.section]
            if isCursor { style.bg = rowStyle.bg }
            buffer.write(line.label, x: rect.x, y: y, maxWidth: rect.width, style: style)
            continue
        }
        var labelStyle = line.role == .dim ? theme[.dim] : theme[.label]
        var valueStyle = theme[line.role]
        if isCursor { labelStyle = rowStyle; valueStyle = rowStyle }
        buffer.write(DisplayWidth.padded(line.label, to: labelWidth), x: rect.x + 2, y: y, style: labelStyle)
        buffer.write(line.value, x: rect.x + 3 + labelWidth, y: y, maxWidth: rect.width - labelWidth - 3, style: valueStyle)
    }
}

private func renderCompare(_ buffer: inout Buffer, _ state: AppState, _ rect: Rect) {
    let theme = state.theme
    guard let view = state.compare else { return }
    paneTitle(&buffer, state, "Compare \(view.runIDs.count) runs · d: only differences \(view.onlyDifferences ? "on" : "off")", rect, focused: true)
    if let error = view.error {
        buffer.write("error: \(error)", x: rect.x + 1, y: rect.y + 1, maxWidth: rect.width - 1, style: theme[.error])
        return
    }
    if view.loading {
        buffer.write("loading \(view.runIDs.count) runs…", x: rect.x + 1, y: rect.y + 1, style: theme[.dim])
        return
    }
    let keyWidth = min(30, max(16, rect.width / 5))
    let columnWidth = max(14, min(24, (rect.width - keyWidth - 1) / max(1, view.runs.count) - 1))
    let fitting = max(1, (rect.width - keyWidth - 1) / (columnWidth + 1))
    let first = min(view.firstRun, max(0, view.runs.count - 1))
    let runRange = first..<min(view.runs.count, first + fitting)
    var x = rect.x + keyWidth + 1
    for r in runRange {
        buffer.write(DisplayWidth.padded(statusGlyph(view.runs[r].info.status) + " " + view.runs[r].info.runName, to: columnWidth),
                     x: x, y: rect.y + 1, style: theme[.column_header])
        x += columnWidth + 1
    }
    buffer.write(DisplayWidth.padded(first > 0 ? "« key" : "key", to: keyWidth), x: rect.x, y: rect.y + 1, style: theme[.column_header])
    if runRange.upperBound < view.runs.count { buffer.write("»", x: rect.x + rect.width - 1, y: rect.y + 1, style: theme[.dim]) }
    let rows = compareRows(view)
    for i in 0..<max(0, rect.height - 2) {
        let index = view.cursor.top + i
        guard rows.indices.contains(index) else { break }
        let row = rows[index]
        let y = rect.y + 2 + i
        var style = row.differs ? theme[.diff] : theme[.base]
        if index == view.cursor.index { style = theme[.selected] }
        buffer.fill(x: rect.x, y: y, width: rect.width, height: 1, style: style)
        if row.isSection {
            var s = theme[.section]
            if index == view.cursor.index { s.bg = style.bg }
            buffer.write(row.key, x: rect.x, y: y, maxWidth: rect.width, style: s)
            continue
        }
        buffer.write(DisplayWidth.padded((row.differs ? "≠ " : "  ") + row.key, to: keyWidth), x: rect.x, y: y, style: style)
        var cx = rect.x + keyWidth + 1
        for r in runRange {
            buffer.write(DisplayWidth.padded(row.values[r], to: columnWidth), x: cx, y: y, style: style)
            cx += columnWidth + 1
        }
    }
}

// MARK: - bottom lines

private func renderInput(_ buffer: inout Buffer, _ state: AppState, _ rect: Rect) {
    guard let input = state.input else { return }
    let theme = state.theme
    let prompt: String
    switch input.kind {
    case .filter: prompt = "/ "
    case .command: prompt = ":"
    case .jump: prompt = "jump: "
    case .fuzzy: prompt = "fuzzy: "
    case .previewSearch: prompt = "search: "
    }
    buffer.fill(x: rect.x, y: rect.y, width: rect.width, height: 1, style: theme[.input])
    let px = buffer.write(prompt, x: rect.x, y: rect.y, style: theme[.filter])
    let chars = Array(input.text)
    // Scroll the text so the cursor stays visible.
    let available = rect.width - px - 1
    var start = 0
    while DisplayWidth.of(String(chars[start..<input.cursor])) > available { start += 1 }
    let shownText = String(chars[start...])
    buffer.write(shownText, x: rect.x + px, y: rect.y, maxWidth: available + 1, style: theme[.input])
    let cursorX = rect.x + px + DisplayWidth.of(String(chars[start..<input.cursor]))
    if cursorX < rect.x + rect.width {
        var cell = buffer[cursorX, rect.y]
        cell.style.attributes.insert(.reverse)
        if cell.isContinuation { cell = Cell(" ", style: cell.style) }
        buffer[cursorX, rect.y] = cell
    }
}

private func renderInputMessage(_ buffer: inout Buffer, _ state: AppState, _ rect: Rect) {
    let theme = state.theme
    if let completions = state.input?.completions, !completions.isEmpty {
        buffer.write("  " + completions.joined(separator: "  "), x: rect.x, y: rect.y, maxWidth: rect.width, style: theme[.dim])
        return
    }
    guard let error = state.filterError else { return }
    if let column = error.column, let input = state.input {
        // Point at the offending token: prompt width + width of the text before it. The message
        // follows the caret when it fits; otherwise the footer carries it (see renderFooter).
        let before = String(input.text.prefix(max(0, column - 1)))
        let x = min(rect.width - 1, 2 + DisplayWidth.of(before))
        buffer.write("^", x: x, y: rect.y, style: theme[.error])
        let text = " " + displayedError(error)
        if x + 1 + DisplayWidth.of(text) <= rect.width {
            buffer.write(text, x: x + 1, y: rect.y, style: theme[.error])
        } else if x > DisplayWidth.of(text) {
            buffer.write(displayedError(error), x: rect.x, y: rect.y, maxWidth: x - 1, style: theme[.error])
        }
    } else {
        buffer.write("✗ " + error.message, x: rect.x, y: rect.y, maxWidth: rect.width, style: theme[.error])
    }
}

/// The grammar's message without its trailing "(column N)": the caret shows the column.
func displayedError(_ error: FilterError) -> String {
    guard error.column != nil, let range = error.message.range(of: " (column ", options: .backwards) else { return error.message }
    return String(error.message[..<range.lowerBound])
}

/// The active filter, always visible: typed text, tag chips and the fuzzy search.
private func renderStatusLine(_ buffer: inout Buffer, _ state: AppState, _ rect: Rect) {
    let theme = state.theme
    let filter = state.currentFilter
    var x = buffer.write("filter: ", x: rect.x, y: rect.y, style: theme[.dim])
    if filter.isEmpty {
        buffer.write("none  (/ search syntax, t tag chips, f fuzzy)", x: x, y: rect.y, maxWidth: rect.width - x, style: theme[.dim])
        return
    }
    if !filter.text.isEmpty {
        x += buffer.write(filter.text, x: x, y: rect.y, maxWidth: rect.width - x, style: theme[.filter]) + 1
    }
    for chip in filter.chips where x < rect.width {
        x += buffer.write(" \(chip.key)=\(chip.value) ×", x: x, y: rect.y, maxWidth: rect.width - x, style: theme[.chip]) + 1
    }
    if !filter.fuzzy.isEmpty, x < rect.width {
        buffer.write("~\(filter.fuzzy)", x: x, y: rect.y, maxWidth: rect.width - x, style: theme[.filter])
    }
}

private func renderFooter(_ buffer: inout Buffer, _ state: AppState, _ rect: Rect) {
    let theme = state.theme
    buffer.fill(x: rect.x, y: rect.y, width: rect.width, height: 1, style: theme[.footer])
    if let message = state.message {
        buffer.write(" " + message, x: rect.x, y: rect.y, maxWidth: rect.width, style: state.messageIsError ? theme[.error] : theme[.footer])
        return
    }
    if let error = state.filterError, state.input != nil {
        buffer.write(" ✗ " + displayedError(error), x: rect.x, y: rect.y, maxWidth: rect.width, style: theme[.error])
        return
    }
    let hints: [(keys: String, help: String)]
    if let input = state.input {
        hints = [("Enter", input.kind == .filter ? "apply" : input.kind == .previewSearch ? "find" : "ok"), ("Esc", "cancel")]
            + (input.kind == .filter ? [("Tab", "complete keys/values")] : [])
    } else {
        hints = Keymap.footerHints(for: state.keyContext)
    }
    // Global hints (help, quit) keep their place at the right; the pane's own fill the left.
    let global = state.input == nil ? hints.filter { h in Keymap.bindings.contains { $0.context == .global && $0.footer == h.help } } : []
    let own = hints.filter { h in !global.contains { $0 == h } }
    let globalText = global.map { "\($0.keys) \($0.help)" }.joined(separator: "  ")
    let globalX = rect.width - DisplayWidth.of(globalText) - 1
    var x = rect.x + 1
    for hint in own {
        let width = DisplayWidth.of(hint.keys) + 1 + DisplayWidth.of(hint.help) + 2
        if x + width > (global.isEmpty ? rect.width : globalX) { break }
        x += buffer.write(hint.keys, x: x, y: rect.y, style: theme[.footer_key])
        x += buffer.write(" " + hint.help + "  ", x: x, y: rect.y, style: theme[.footer])
    }
    x = globalX
    for hint in global where x > 0 {
        x += buffer.write(hint.keys, x: x, y: rect.y, style: theme[.footer_key])
        x += buffer.write(" " + hint.help + "  ", x: x, y: rect.y, style: theme[.footer])
    }
}

// MARK: - overlays

private func overlayBox(_ buffer: inout Buffer, _ state: AppState, width: Int, height: Int, title: String) -> Rect {
    let theme = state.theme
    let w = min(width, state.size.width - 2), h = min(height, state.size.height - 2)
    let x = (state.size.width - w) / 2, y = max(1, (state.size.height - h) / 2)
    buffer.fill(x: x, y: y, width: w, height: h, style: theme[.overlay])
    let border = theme[.overlay_border]
    buffer.write("┌" + String(repeating: "─", count: w - 2) + "┐", x: x, y: y, style: border)
    buffer.write("└" + String(repeating: "─", count: w - 2) + "┘", x: x, y: y + h - 1, style: border)
    for row in (y + 1)..<(y + h - 1) {
        buffer.write("│", x: x, y: row, style: border)
        buffer.write("│", x: x + w - 1, y: row, style: border)
    }
    buffer.write(" \(title) ", x: x + 2, y: y, maxWidth: w - 4, style: border)
    return Rect(x: x + 2, y: y + 1, width: w - 4, height: h - 2)
}

/// The `?` overlay lines, generated from the keymap: the current context, then global keys.
func helpLines(_ state: AppState) -> [(keys: String, help: String, isSection: Bool)] {
    var context = state.keyContext
    if context == .help {
        switch state.pane {
        case .experiments: context = .experiments
        case .runs: context = .runs
        case .details: context = .details
        case .compare: context = .compare
        case .chart: context = .chart
        }
    }
    var lines: [(String, String, Bool)] = []
    for c in [context, .global] {
        lines.append((c == .global ? "Everywhere" : "In \(c.rawValue)", "", true))
        for b in Keymap.bindings where b.context == c { lines.append((Keymap.keysLabel(b), b.help, false)) }
    }
    return lines
}

private func renderHelp(_ buffer: inout Buffer, _ state: AppState) {
    let theme = state.theme
    let lines = helpLines(state)
    let rect = overlayBox(&buffer, state, width: 72, height: lines.count + 2, title: "Keys (Esc closes)")
    let keyWidth = min(26, rect.width / 3)
    for i in 0..<rect.height {
        let index = state.helpCursor.top + i
        guard lines.indices.contains(index) else { break }
        let line = lines[index]
        if line.isSection {
            buffer.write(line.keys, x: rect.x, y: rect.y + i, maxWidth: rect.width, style: theme[.section])
        } else {
            buffer.write(DisplayWidth.padded(line.keys, to: keyWidth), x: rect.x, y: rect.y + i, style: theme[.footer_key])
            buffer.write(line.help, x: rect.x + keyWidth + 1, y: rect.y + i, maxWidth: rect.width - keyWidth - 1, style: theme[.overlay])
        }
    }
}

private func renderPicker(_ buffer: inout Buffer, _ state: AppState) {
    guard let picker = state.picker else { return }
    let theme = state.theme
    let items = picker.visibleItems
    let rect = overlayBox(&buffer, state, width: 64, height: max(6, min(items.count, 30) + 4), title: picker.title)
    buffer.write("› " + picker.query, x: rect.x, y: rect.y, maxWidth: rect.width, style: theme[.input])
    if items.isEmpty {
        buffer.write(picker.items.isEmpty ? "nothing in the loaded runs" : "no match", x: rect.x, y: rect.y + 1, style: theme[.dim])
        return
    }
    let rows = rect.height - 1
    let top = min(picker.cursor.top, max(0, items.count - rows))
    let topIndex = picker.cursor.index >= top + rows ? picker.cursor.index - rows + 1 : top
    for i in 0..<max(0, rows) {
        let index = topIndex + i
        guard items.indices.contains(index) else { break }
        let item = items[index]
        let style = index == picker.cursor.index ? theme[.selected] : theme[.overlay]
        let check = picker.purpose == .column ? (item.checked ? "[x] " : "[ ] ") : ""
        let count = String(item.count)
        buffer.fill(x: rect.x, y: rect.y + 1 + i, width: rect.width, height: 1, style: style)
        buffer.write(DisplayWidth.padded(check + item.label, to: rect.width - count.count - 1), x: rect.x, y: rect.y + 1 + i, style: style)
        buffer.write(count, x: rect.x + rect.width - count.count, y: rect.y + 1 + i, style: style)
    }
}
