import Foundation
import Terminal
import Tracking

/// Draws the whole state into a new buffer. Pure: no I/O; everything comes from `state`.
func render(_ state: AppState) -> Buffer {
    let theme = state.theme
    var buffer = Buffer(size: state.size, style: theme[.base])
    let size = state.size
    guard size.width >= 40, size.height >= 8 else {
        buffer.write("terminal too small (\(size.width)×\(size.height)); resize to at least 40×8, \(state.keys.label(.quit, in: .global)) quits", x: 0, y: 0, style: theme[.error])
        return buffer
    }
    let layout = Layout(state)
    renderHeader(&buffer, state, layout.header)
    switch state.pane {
    case .experiments, .runs:
        if let rect = layout.experiments { ExperimentsPane.render(&buffer, state, rect) }
        if let rect = layout.runs { RunsPane.render(&buffer, state, rect) }
        if let e = layout.experiments, layout.runs != nil {
            for y in e.y..<(e.y + e.height) { buffer.write("│", x: e.x + e.width, y: y, style: theme[.dim]) }
        }
    case .details: DetailsPane.render(&buffer, state, layout.body)
    case .compare: ComparePane.render(&buffer, state, layout.body)
    case .chart: ChartPane.render(&buffer, state, layout.body)
    case .scatter: ScatterPane.render(&buffer, state, layout.body)
    case .parallel: ParallelPane.render(&buffer, state, layout.body)
    case .models: ModelListPane.render(&buffer, state, layout.body)
    case .modelPage: ModelPagePane.render(&buffer, state, layout.body)
    case .systemChart: SystemChartPane.render(&buffer, state, layout.body)
    case .imageGrid: ImageGridPane.render(&buffer, state, layout.body)
    }
    if state.browser != nil {
        buffer.images = []  // the pane's image is under the browser
        renderBrowser(&buffer, state, layout.body)
    }
    if let rect = layout.inputLine { renderInput(&buffer, state, rect) }
    if let rect = layout.messageLine { renderInputMessage(&buffer, state, rect) }
    renderStatusLine(&buffer, state, layout.statusLine)
    renderFooter(&buffer, state, layout.footer)
    if state.picker != nil { PickerOverlay.render(&buffer, state) }
    if state.alertsOverlay != nil { AlertsOverlay.render(&buffer, state) }
    if state.value != nil { ValueOverlay.render(&buffer, state) }
    if state.help != nil { HelpOverlay.render(&buffer, state) }
    if state.confirm != nil { Edits.renderConfirm(&buffer, state) }
    // The terminal draws an image over the cells, overlays included: hidden while one is open.
    if state.picker != nil || state.alertsOverlay != nil || state.value != nil || state.help != nil || state.confirm != nil {
        buffer.images = []
    }
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
    if state.readOnly { right = "read-only  " + right }
    if state.isLoading { right = spinner[state.spinnerFrame % spinner.count] + " loading  " + right }
    // New alerts, until the inbox is opened: "⚠ 3 alerts (!)".
    let unread = state.alerts.unread
    var badge = unread == 0 ? "" : "⚠ \(unread) alert\(unread == 1 ? "" : "s") (\(state.keys.label(.alerts, in: .global)))  "
    // A narrow header keeps the count: "⚠3" after " mltui ".
    if !badge.isEmpty, DisplayWidth.of(badge + right) + 1 > rect.width - 8 { badge = "⚠\(unread) " }
    let rightWidth = min(rect.width - 7, DisplayWidth.of(badge + right) + 1)
    var x = buffer.write(" mltui ", x: 0, y: rect.y, style: theme[.header])
    x += buffer.write(middleElided(state.source, to: rect.width - x - rightWidth - 1), x: x, y: rect.y, style: theme[.header_dim])
    let badgeWidth = buffer.write(badge, x: rect.width - rightWidth, y: rect.y, style: theme[.error])
    buffer.write(right, x: rect.width - rightWidth + badgeWidth, y: rect.y, style: theme[.header])
}

func paneTitle(_ buffer: inout Buffer, _ state: AppState, _ text: String, _ rect: Rect, focused: Bool) {
    buffer.write(text, x: rect.x, y: rect.y, maxWidth: rect.width, style: state.theme[focused ? .pane_title_focus : .pane_title])
}

/// The active filter, always visible: typed text, tag chips and the fuzzy search.
private func renderStatusLine(_ buffer: inout Buffer, _ state: AppState, _ rect: Rect) {
    let theme = state.theme
    var rect = rect
    // The mark count, always visible at the right (the filter text is cut before it).
    if let marks = RunsPane.markCount(state) {
        let text = marks + " (\(state.keys.label(.clearMarks, in: .runs)) unmarks) "
        rect.width = max(0, rect.width - DisplayWidth.of(text))
        buffer.write(text, x: rect.x + rect.width, y: rect.y, style: theme[.marked])
    }
    if state.pane == .modelPage {
        guard state.browser == nil else { return }
        let keys = state.keys
        buffer.write("\(keys.label(.open, in: .modelPage)) follows a link (↑ up to a run, model or registered model, ↳ down to a version or model)  \(keys.label(.back, in: .modelPage)) back", x: rect.x, y: rect.y, maxWidth: rect.width, style: theme[.dim])
        return
    }
    if state.pane == .models, let list = state.modelList {
        let x = buffer.write("filter: ", x: rect.x, y: rect.y, style: theme[.dim])
        let grammar = list.kind == .registry ? "registry search syntax, e.g. name LIKE 'clf%'" : "e.g. metrics.accuracy > 0.8"
        buffer.write(list.filter.isEmpty ? "none  (\(state.keys.label(.filter, in: .models)) \(grammar))" : list.filter, x: x, y: rect.y, maxWidth: rect.width - x,
                     style: theme[list.filter.isEmpty ? .dim : .filter])
        return
    }
    let filter = state.currentFilter
    var x = buffer.write("filter: ", x: rect.x, y: rect.y, style: theme[.dim])
    if filter.isEmpty {
        let keys = state.keys
        buffer.write("none  (\(keys.label(.filter, in: .runs)) search syntax, \(keys.label(.tagPicker, in: .runs)) tag chips, \(keys.label(.fuzzySearch, in: .runs)) fuzzy)", x: x, y: rect.y, maxWidth: rect.width - x, style: theme[.dim])
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
        // Terminals leave the bottom-right cell alone (writing it would scroll): one column spare.
        buffer.write(" " + footerMessage(message, width: rect.width - 2, historyKey: state.keys.label(.messages, in: .global)), x: rect.x, y: rect.y, maxWidth: rect.width,
                     style: state.messageIsError ? theme[.error] : theme[.footer])
        return
    }
    if let error = state.filterError, state.input != nil {
        buffer.write(" ✗ " + displayedError(error), x: rect.x, y: rect.y, maxWidth: rect.width, style: theme[.error])
        return
    }
    let hints: [(keys: String, help: String)]
    if let input = state.input {
        hints = [("Enter", input.kind == .filter ? "apply" : input.kind == .previewSearch ? "find" : "ok"), ("Esc", "cancel")]
            + (input.kind == .filter || Edits.completes(input.kind) ? [("Tab", "complete keys/values")] : [])
    } else {
        hints = state.keyContext == .runs ? RunsPane.footerHints(state, state.keys.footerHints(for: .runs)) : state.keys.footerHints(for: state.keyContext)
    }
    // Global hints (help, quit) keep their place at the right; the pane's own fill the left.
    let global = state.input == nil ? hints.filter { h in state.keys.bindings.contains { $0.context == .global && $0.footer == h.help } } : []
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

/// A message as the footer shows it: whole when it fits, else cut with a pointer to the history.
func footerMessage(_ message: String, width: Int, historyKey: String = "M") -> String {
    let text = DisplayWidth.sanitized(message)
    guard DisplayWidth.of(text) > width else { return text }
    let more = " (press \(historyKey) for more)"
    return DisplayWidth.truncated(text, to: max(1, width - DisplayWidth.of(more))) + more
}

func overlayBox(_ buffer: inout Buffer, _ state: AppState, width: Int, height: Int, title: String) -> Rect {
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

