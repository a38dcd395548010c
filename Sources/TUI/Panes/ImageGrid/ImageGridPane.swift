import Terminal
import Tracking

/// Images logged with `mlflow.log_image(key=, step=)` as a grid: a row per run, a column per
/// step, one image key at a time, with a step scrubber all runs share (`I` in the runs table on
/// the marked runs, else the selected run; `I` in the run details). The columns are the steps
/// around the scrubber; a run without an image at a step shows a dot there. Images are read from
/// the artifacts and kept as thumbnails; Enter shows the selected run's image at the scrubber
/// in full.
struct ImageGridView: Equatable, Sendable {
    var runIDs: [String]
    var runNames: [String: String]
    /// Each run's logged images (nil until its `images/` folder was listed).
    var images: [String: [LoggedImage]] = [:]
    var errors: [String: String] = [:]
    var key: String?
    /// The step the scrubber is on (nil before any image is known).
    var step: Int64?
    /// The run row the cursor is on.
    var cursor = 0
    /// The first run row shown.
    var top = 0
    /// Decoded thumbnails and failures, by `ImageGridView.id(run, path)`.
    var thumbnails: [String: RGBAImage] = [:]
    /// The image files as logged, for a graphics protocol (`GridPicture`).
    var files: [String: [UInt8]] = [:]
    var failures: [String: String] = [:]
    var pending: Set<String> = []
    var request = 0
    /// Enter: the selected run's image at the scrubber, drawn over the whole body.
    var enlarged = false

    static func id(_ runID: String, _ path: String) -> String { runID + "\u{0}" + path }

    /// Every key any run logged, sorted.
    var keys: [String] { Array(Set(images.values.joined().map(\.key))).sorted() }

    /// The steps of `key` across the runs, ascending.
    var steps: [Int64] {
        guard let key else { return [] }
        return Array(Set(images.values.joined().filter { $0.key == key }.map(\.step))).sorted()
    }

    /// `runID`'s image of the current key at `step` (the last logged, when several were).
    func image(_ runID: String, at step: Int64) -> LoggedImage? {
        images[runID]?.last { $0.key == key && $0.step == step }
    }

    var loading: Bool { runIDs.contains { images[$0] == nil && errors[$0] == nil } }
}

enum ImageGridPane: Slice {
    /// Thumbnails are kept at most this many pixels on a side.
    static let thumbnailSide = 320
    /// Thumbnails held before those off screen are dropped.
    static let thumbnailLimit = 200
    /// The column of run names.
    static let labelWidth = 16

    static let bindings = keyRows(.imageGrid) { t in
        t.bind([.escape, .backspace], .back, "back (from a full image: to the grid)", footer: "back")
        t.bind([.char("h"), .left], .cursorLeft, "scrubber: the previous step (every run)", footer: "step")
        t.bind([.char("l"), .right], .cursorRight, "scrubber: the next step (every run)")
        t.bind([.char("j"), .down], .cursorDown, "next run")
        t.bind([.char("k"), .up], .cursorUp, "previous run")
        t.bind([.char("g"), .home], .firstStep, "scrubber: the first step")
        t.bind([.char("G"), .end], .lastStep, "scrubber: the last step")
        t.bind([.char("]"), .tab], .nextSection, "next image key", footer: "key")
        t.bind([.char("["), .backTab], .previousSection, "previous image key")
        t.bind([.enter], .open, "the selected run's image at the scrubber in full", footer: "enlarge")
    }

    /// From the runs table (the marked runs, else the selected one) or the run details.
    static func open(_ state: inout AppState, runs: [Run]) -> [Effect] {
        guard !runs.isEmpty else { showMessage(&state, "no run selected", isError: true); return [] }
        var names: [String: String] = [:]
        for run in runs { names[run.info.runID] = run.info.runName.isEmpty ? String(run.info.runID.prefix(8)) : run.info.runName }
        var view = ImageGridView(runIDs: runs.map(\.info.runID), runNames: names)
        view.request = state.nextRequest()
        state.imageGrid = view
        state.pane = .imageGrid
        return [.loadImageIndex(request: view.request, runIDs: view.runIDs)]
    }

    /// The refresh (live or Ctrl-R) lists the runs' `images/` again: a run still logging shows
    /// its new steps.
    static func reload(_ state: inout AppState) -> Effect? {
        guard state.pane == .imageGrid, let view = state.imageGrid else { return nil }
        return .loadImageIndex(request: view.request, runIDs: view.runIDs)
    }

    /// One run's `images/` listed: the key and the scrubber settle on the first key's last step.
    static func indexLoaded(_ state: inout AppState, request: Int, runID: String, _ result: Result<[LoggedImage], MLflowError>) -> [Effect] {
        guard var view = state.imageGrid, view.request == request else { return [] }
        // A scrubber on the last step follows new steps (more runs listed, a run still logging).
        let onLast = view.step == nil || view.step == view.steps.last
        switch result {
        case .success(let images): view.images[runID] = images; view.errors[runID] = nil
        case .failure(let error): view.errors[runID] = error.oneLineMessage
        }
        if view.key == nil || !view.keys.contains(view.key!) { view.key = view.keys.first }
        if onLast || !view.steps.contains(view.step!) { view.step = view.steps.last }
        state.imageGrid = view
        return thumbnailEffects(&state)
    }

    static func imageLoaded(_ state: inout AppState, request: Int, id: String, _ result: Result<GridPicture, PreviewError>) {
        guard var view = state.imageGrid, view.request == request else { return }
        view.pending.remove(id)
        switch result {
        case .success(let picture):
            view.thumbnails[id] = picture.thumbnail
            if !picture.file.isEmpty { view.files[id] = picture.file }
        case .failure(let error): view.failures[id] = error.description
        }
        state.imageGrid = view
    }

    static func perform(_ state: inout AppState, _ command: KeyCommand) -> [Effect] {
        guard var view = state.imageGrid else { return [] }
        if command == .back {
            if view.enlarged {
                state.imageGrid!.enlarged = false
                return []
            }
            state.imageGrid = nil
            state.pane = state.details != nil && view.runIDs == [state.details!.runID] ? .details : .runs
            clampAll(&state)
            return []
        }
        let steps = view.steps
        let index = view.step.flatMap { steps.firstIndex(of: $0) } ?? max(steps.count - 1, 0)
        switch command {
        case .cursorLeft where !steps.isEmpty: view.step = steps[max(index - 1, 0)]
        case .cursorRight where !steps.isEmpty: view.step = steps[min(index + 1, steps.count - 1)]
        case .firstStep: view.step = steps.first
        case .lastStep: view.step = steps.last
        case .cursorDown: view.cursor = min(view.cursor + 1, view.runIDs.count - 1)
        case .cursorUp: view.cursor = max(view.cursor - 1, 0)
        case .nextSection, .previousSection:
            let keys = view.keys
            guard let key = view.key, let at = keys.firstIndex(of: key), keys.count > 1 else { break }
            view.key = keys[(at + (command == .nextSection ? 1 : keys.count - 1)) % keys.count]
            view.step = view.steps.last
        case .open:
            view.enlarged = view.step.flatMap { view.image(view.runIDs[view.cursor], at: $0) } != nil
            if !view.enlarged { showMessage(&state, "no image of this run at this step") }
        default: break
        }
        state.imageGrid = view
        clamp(&state)
        return thumbnailEffects(&state)
    }

    static func clamp(_ state: inout AppState) {
        guard var view = state.imageGrid else { return }
        let rows = layout(state).visibleRuns
        view.cursor = min(max(view.cursor, 0), max(view.runIDs.count - 1, 0))
        if view.cursor < view.top { view.top = view.cursor }
        if view.cursor >= view.top + rows { view.top = view.cursor - rows + 1 }
        view.top = max(0, min(view.top, view.runIDs.count - rows))  // no blank rows below when all fit
        state.imageGrid = view
    }

    /// How the body is cut: cells per row, each cell's size, how many runs fit.
    struct GridLayout {
        var columns: Int
        var cellWidth: Int
        var cellHeight: Int
        var visibleRuns: Int
    }

    static func layout(_ state: AppState) -> GridLayout {
        let body = Layout(state).body
        let width = max(body.width - labelWidth, 8)
        // No more columns than the key has steps: fewer steps, larger images.
        let steps = max(1, state.imageGrid?.steps.count ?? 1)
        let columns = max(1, min(9, width / 18, steps))
        let cellWidth = width / columns
        // Half blocks: a cell row is two pixels; keep cells near square, at least 3 rows, and
        // as many runs as fit at that (a row of cells, then a blank line).
        let runs = max(1, state.imageGrid?.runIDs.count ?? 1)
        let available = max(body.height - 3, 4)
        let cellHeight = max(3, min((cellWidth - 1) / 2, available / min(runs, max(1, available / 4)) - 1))
        return GridLayout(columns: columns, cellWidth: cellWidth, cellHeight: cellHeight,
                          visibleRuns: max(1, available / (cellHeight + 1)))
    }

    /// The steps in the columns: a window around the scrubber.
    static func windowSteps(_ view: ImageGridView, columns: Int) -> [Int64] {
        let steps = view.steps
        guard let step = view.step, let at = steps.firstIndex(of: step) else { return Array(steps.suffix(columns)) }
        let start = max(0, min(at - columns / 2, steps.count - columns))
        return Array(steps[start..<min(steps.count, start + columns)])
    }

    /// Thumbnails of the cells on screen not read yet.
    static func thumbnailEffects(_ state: inout AppState) -> [Effect] {
        guard var view = state.imageGrid, view.key != nil else { return [] }
        let grid = layout(state)
        var wanted: [GridImage] = []
        let shownSteps = windowSteps(view, columns: grid.columns)
        for runID in view.runIDs.dropFirst(view.top).prefix(grid.visibleRuns) {
            for step in shownSteps {
                guard let image = view.image(runID, at: step) else { continue }
                let id = ImageGridView.id(runID, image.path)
                if view.thumbnails[id] == nil && view.failures[id] == nil && !view.pending.contains(id) {
                    view.pending.insert(id)
                    wanted.append(GridImage(runID: runID, path: image.path))
                }
            }
        }
        state.imageGrid = view
        // Thumbnails far from the screen go when many are held (a long scrub).
        if view.thumbnails.count > thumbnailLimit {
            let shown = Set(view.runIDs.dropFirst(view.top).prefix(grid.visibleRuns).flatMap { runID in
                shownSteps.compactMap { view.image(runID, at: $0).map { ImageGridView.id(runID, $0.path) } }
            })
            view.thumbnails = view.thumbnails.filter { shown.contains($0.key) }
            view.files = view.files.filter { shown.contains($0.key) }
        }
        state.imageGrid = view
        return wanted.isEmpty ? [] : [.loadGridImages(request: view.request, images: wanted, keepFiles: state.graphics != .halfBlocks)]
    }

    static func render(_ buffer: inout Buffer, _ state: AppState, _ rect: Rect) {
        guard let view = state.imageGrid else { return }
        let theme = state.theme
        let steps = view.steps
        var title = "Images · \(view.runIDs.count == 1 ? view.runNames[view.runIDs[0]] ?? "" : "\(view.runIDs.count) runs")"
        if let key = view.key {
            let keys = view.keys
            title += " · \(key)" + (keys.count > 1 ? " (key \((keys.firstIndex(of: key) ?? 0) + 1)/\(keys.count), [ ] switch)" : "")
        }
        if let step = view.step, let at = steps.firstIndex(of: step) { title += " · step \(step) (\(at + 1)/\(steps.count))" }
        paneTitle(&buffer, state, title, Rect(x: rect.x, y: rect.y, width: rect.width, height: 1), focused: true)
        let body = Rect(x: rect.x, y: rect.y + 1, width: rect.width, height: rect.height - 1)
        if view.key == nil {
            let text = view.loading ? "listing the runs' images/ folders…"
                : view.errors.values.first.map { "✗ " + $0 } ?? "no images logged with mlflow.log_image(key=…, step=…) in \(view.runIDs.count == 1 ? "this run" : "these runs")"
            buffer.write(text, x: body.x + 1, y: body.y + 1, maxWidth: body.width - 1, style: view.errors.isEmpty ? theme[.dim] : theme[.error])
            return
        }
        if view.enlarged, let step = view.step {
            renderEnlarged(&buffer, view, step: step, graphics: state.graphics, theme: theme, body)
            return
        }
        let grid = layout(state)
        renderScrubber(&buffer, steps: steps, step: view.step, theme: theme, x: body.x + labelWidth, y: body.y, width: body.width - labelWidth)
        let columns = windowSteps(view, columns: grid.columns)
        for (c, step) in columns.enumerated() {
            let x = body.x + labelWidth + c * grid.cellWidth
            let style = step == view.step ? theme[.selected] : theme[.column_header]
            buffer.write("step \(step)", x: x, y: body.y + 1, maxWidth: grid.cellWidth - 1, style: style)
        }
        for (row, runID) in view.runIDs.enumerated().dropFirst(view.top).prefix(grid.visibleRuns) {
            let y = body.y + 2 + (row - view.top) * (grid.cellHeight + 1)
            let name = view.runNames[runID] ?? runID
            buffer.write(name, x: body.x, y: y, maxWidth: labelWidth - 1, style: row == view.cursor ? theme[.selected] : theme[.base])
            if let error = view.errors[runID] {
                buffer.write("✗ " + error, x: body.x + labelWidth, y: y, maxWidth: body.width - labelWidth, style: theme[.error])
                continue
            }
            for (c, step) in columns.enumerated() {
                let x = body.x + labelWidth + c * grid.cellWidth
                drawCell(&buffer, view, runID: runID, step: step, theme: theme,
                         Rect(x: x, y: y, width: grid.cellWidth - 1, height: grid.cellHeight))
            }
        }
    }

    private static func drawCell(_ buffer: inout Buffer, _ view: ImageGridView, runID: String, step: Int64, theme: Theme, _ cell: Rect) {
        guard let image = view.image(runID, at: step) else {
            buffer.write("·", x: cell.x + cell.width / 2, y: cell.y + cell.height / 2, maxWidth: 1, style: theme[.dim])
            return
        }
        let id = ImageGridView.id(runID, image.path)
        if let thumb = view.thumbnails[id] {
            buffer.drawPreview(renderImage(thumb, width: cell.width, height: cell.height), top: 0, x: cell.x, y: cell.y,
                               width: cell.width, height: cell.height)
        } else if let failure = view.failures[id] {
            buffer.write("✗ " + failure, x: cell.x, y: cell.y, maxWidth: cell.width, style: theme[.error])
        } else {
            buffer.write("loading…", x: cell.x, y: cell.y, maxWidth: cell.width, style: theme[.dim])
        }
    }

    private static func renderEnlarged(_ buffer: inout Buffer, _ view: ImageGridView, step: Int64, graphics: GraphicsProtocol,
                                       theme: Theme, _ body: Rect) {
        let runID = view.runIDs[view.cursor]
        guard let image = view.image(runID, at: step) else {
            buffer.write("no image of \(view.runNames[runID] ?? runID) at step \(step) (h/l: another step, Esc: the grid)",
                         x: body.x + 1, y: body.y + 1, maxWidth: body.width - 1, style: theme[.dim])
            return
        }
        let id = ImageGridView.id(runID, image.path)
        let caption = "\(view.runNames[runID] ?? runID) · step \(step) · \(image.path)"
        buffer.write(caption, x: body.x, y: body.y, maxWidth: body.width, style: theme[.dim])
        guard let thumb = view.thumbnails[id] else {
            buffer.write(view.failures[id].map { "✗ " + $0 } ?? "loading…", x: body.x, y: body.y + 1, maxWidth: body.width, style: theme[.dim])
            return
        }
        let area = Rect(x: body.x, y: body.y + 1, width: body.width, height: body.height - 1)
        if drawsItself(graphics, file: view.files[id] ?? []), let placement = imagePlacement(thumb, file: view.files[id] ?? [], id: id, in: area) {
            buffer.images.append(placement)
            return
        }
        buffer.drawPreview(renderImage(thumb, width: area.width, height: area.height), top: 0, x: area.x, y: area.y,
                           width: area.width, height: area.height)
    }

    /// Whether the terminal draws this image itself: it has a protocol, and for iTerm2 (which
    /// decodes the file) the file was kept.
    static func drawsItself(_ graphics: GraphicsProtocol, file: [UInt8]) -> Bool {
        graphics != .halfBlocks && !(graphics == .iterm2 && file.isEmpty)
    }

    /// The image drawn by the terminal's graphics protocol over as many cells of `area` as its
    /// aspect ratio fills (a cell is twice as tall as wide), from its top-left corner.
    static func imagePlacement(_ image: RGBAImage, file: [UInt8], id: String, in area: Rect) -> ImagePlacement? {
        guard image.width > 0, image.height > 0, area.width > 0, area.height > 0 else { return nil }
        let aspect = Double(image.height) / Double(image.width) / 2
        var columns = area.width, rows = max(1, Int((Double(columns) * aspect).rounded()))
        if rows > area.height {
            rows = area.height
            columns = max(1, min(area.width, Int((Double(rows) / aspect).rounded())))
        }
        return ImagePlacement(x: area.x, y: area.y, columns: columns, rows: rows, id: id,
                              width: image.width, height: image.height, rgba: image.pixels, file: file)
    }

    /// A line with a tick per step and a marker at the scrubber.
    private static func renderScrubber(_ buffer: inout Buffer, steps: [Int64], step: Int64?, theme: Theme, x: Int, y: Int, width: Int) {
        guard steps.count > 0, width > 4 else { return }
        let span = width - 1
        var line = Array(repeating: "─", count: width)
        func position(_ i: Int) -> Int { steps.count == 1 ? 0 : i * span / (steps.count - 1) }
        for i in steps.indices { line[position(i)] = "┬" }
        buffer.write(line.joined(), x: x, y: y, maxWidth: width, style: theme[.dim])
        if let step, let at = steps.firstIndex(of: step) {
            buffer.write("●", x: x + position(at), y: y, maxWidth: 1, style: theme[.selected])
        }
    }
}

/// One image of the grid to read: a run's artifact path.
struct GridImage: Equatable, Sendable {
    var runID: String
    var path: String
}
