import Terminal

/// Where each part of the screen goes for a state and size; shared by render and the reducer
/// (page sizes, mouse hit-testing) so both agree.
struct Layout: Equatable, Sendable {
    var header: Rect
    var body: Rect
    var experiments: Rect?
    var runs: Rect?
    var inputLine: Rect?
    var messageLine: Rect?
    var statusLine: Rect
    var footer: Rect

    init(_ state: AppState) {
        let w = state.size.width, h = state.size.height
        header = Rect(x: 0, y: 0, width: w, height: 1)
        footer = Rect(x: 0, y: h - 1, width: w, height: 1)
        statusLine = Rect(x: 0, y: h - 2, width: w, height: 1)
        var bottom = h - 2
        let showsMessage = state.filterError != nil || !(state.input?.completions.isEmpty ?? true)
        if showsMessage && state.input != nil {
            bottom -= 1
            messageLine = Rect(x: 0, y: bottom, width: w, height: 1)
        }
        if state.input != nil {
            bottom -= 1
            inputLine = Rect(x: 0, y: bottom, width: w, height: 1)
        }
        if state.input == nil && state.filterError != nil {
            bottom -= 1
            messageLine = Rect(x: 0, y: bottom, width: w, height: 1)
        }
        body = Rect(x: 0, y: 1, width: w, height: bottom - 1)
        switch state.pane {
        case .experiments, .runs:
            if w >= 60 {
                let ew = min(40, max(22, w / 4))
                experiments = Rect(x: 0, y: body.y, width: ew, height: body.height)
                runs = Rect(x: ew + 1, y: body.y, width: w - ew - 1, height: body.height)
            } else if state.pane == .experiments {
                experiments = body
            } else {
                runs = body
            }
        case .details, .compare, .chart, .scatter, .parallel, .models, .modelPage, .systemChart, .imageGrid:
            break
        }
    }

    /// Rows of the runs table below its title and column header.
    var runRows: Int { max(1, (runs?.height ?? body.height) - 2) }
    var experimentRows: Int { max(1, (experiments?.height ?? body.height) - 1) }
    var detailRows: Int { max(1, body.height - 1) }
    var compareRows: Int { max(1, body.height - 2) }
}
