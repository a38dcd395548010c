import Artifacts
import Foundation
import Terminal
import Tracking

/// The artifact browser of one run: a lazily expanded tree (a folder is listed when first
/// opened) with sizes, and the preview of the selected file beside it.
struct ArtifactBrowser: Equatable, Sendable {
    struct Row: Equatable, Sendable {
        var entry: ArtifactEntry
        var depth: Int
    }

    var owner: ArtifactOwner
    var artifactURI: String
    /// Listed folders: "" is the root.
    var children: [String: [ArtifactEntry]] = [:]
    var expanded: Set<String> = [""]
    var errors: [String: String] = [:]
    var cursor = ListCursor()
    var focusPreview = false
    var preview: [PreviewLine] = []
    var previewPath: String?
    var previewTop = 0
    var previewError: String?
    var previewRequest = 0
    var folded: Set<String> = []
    /// The search typed with `/`, highlighted in the preview; `n`/`N` move between its matches.
    var search = ""
    /// Where the last `/`, `n` or `N` landed in the file shown (nil until one answers there).
    var match: PreviewMatch?
    var searchRequest = 0
    /// A find is on its way for the file shown (the title says "…" until it answers).
    var searching = false
    /// A download that would replace local files, waiting for y/n on the message line.
    var pendingOverwrite: PendingOverwrite?

    init(owner: ArtifactOwner, artifactURI: String) {
        self.owner = owner
        self.artifactURI = artifactURI
    }

    /// The visible tree, depth first, children of expanded folders only.
    var rows: [Row] {
        var rows: [Row] = []
        func visit(_ path: String, _ depth: Int) {
            for entry in children[path] ?? [] {
                rows.append(Row(entry: entry, depth: depth))
                if entry.isDir, expanded.contains(entry.path) { visit(entry.path, depth + 1) }
            }
        }
        visit("", 0)
        return rows
    }

    var selected: ArtifactEntry? {
        let rows = self.rows
        return rows.indices.contains(cursor.index) ? rows[cursor.index].entry : nil
    }
}

/// Results for the browser, posted by the runtime.
enum BrowserEvent: Sendable {
    case listed(path: String, Result<ArtifactListing, MLflowError>)
    case previewed(request: Int, path: String, Result<[PreviewLine], MLflowError>)
    /// `folder`: the destination as an absolute path, resolved by the runtime (the reducer reads no working directory).
    case downloaded(path: String, folder: String, Result<[String], MLflowError>)
    case found(request: Int, path: String, Result<PreviewMatch, MLflowError>)
    /// The download of `path` was not started: it would replace these existing local files.
    case wouldOverwrite(path: String, existing: [String])
}

/// Work the browser asks the runtime for.
enum BrowserEffect: Equatable, Sendable {
    case list(owner: ArtifactOwner, path: String)
    case preview(request: Int, owner: ArtifactOwner, path: String, top: Int, width: Int, height: Int, folded: Set<String>,
                 search: String?, theme: Theme)
    /// The next (`backward`: previous) line after `after` holding `query`, in the preview's lines.
    case find(request: Int, owner: ArtifactOwner, path: String, query: String, after: Int, backward: Bool, folded: Set<String>, theme: Theme)
    /// Unless `overwrite`, a download that would replace an existing local file is not started
    /// and answers `wouldOverwrite` instead.
    case download(owner: ArtifactOwner, path: String, destination: String, overwrite: Bool)
    /// Opens the file in $PAGER (or $EDITOR) on a temporary copy; run by the loop, which owns the terminal.
    case openExternal(owner: ArtifactOwner, path: String, editor: Bool)
}

// MARK: - reducer

func reduceBrowser(_ state: inout AppState, _ event: BrowserEvent) -> [Effect] {
    guard var browser = state.browser else { return [] }
    defer { state.browser = browser }
    switch event {
    case .listed(let path, .success(let listing)):
        // Entries are kept only when they lie directly under the folder listed (never trusted).
        browser.children[path] = listing.files.filter { entry in
            let parent = entry.path.split(separator: "/").dropLast().joined(separator: "/")
            return parent == path && !entry.path.split(separator: "/").contains("..")
        }
        browser.errors[path] = nil
        browser.cursor.clamp(count: browser.rows.count, visible: browserRows(state))
        // The first listing shows what the cursor starts on.
        if path.isEmpty, browser.previewPath == nil { return followCursor(&browser, state) }
    case .listed(let path, .failure(let error)):
        browser.errors[path] = error.message
        if path.isEmpty { browser.previewError = error.message }
    case .previewed(let request, let path, let result):
        guard request == browser.previewRequest, path == browser.previewPath else { return [] }
        switch result {
        case .success(let lines): browser.preview = lines; browser.previewError = nil
        case .failure(let error): browser.preview = []; browser.previewError = error.message
        }
    case .found(let request, let path, let result):
        guard request == browser.searchRequest, path == browser.previewPath else { return [] }
        browser.searching = false
        switch result {
        case .success(let match):
            browser.match = match
            guard let line = match.line else { return [] }
            // The match goes a few lines below the top, so its context shows.
            browser.previewTop = max(0, line - 2)
            return previewEffects(&browser, state, path: path, keepTop: true)
        case .failure(let error):
            browser.match = nil
            showMessage(&state, error.message, isError: true)
        }
    case .downloaded, .wouldOverwrite:
        downloadAnswered(&browser, &state, event)
    }
    return []
}

/// The artifact browser as a slice: its keys while it is open over a pane.
enum ArtifactsPane: Slice {
    static var bindings: [KeyBinding] { artifactBindings }

    static func pageRows(_ state: AppState) -> Int { browserRows(state) }

    /// In the tree the cursor moves; in the preview the text scrolls (by a screen at most for
    /// `G`: how long a lazily read file is, is not known).
    static func move(_ state: inout AppState, by delta: Int) -> [Effect] {
        guard var browser = state.browser else { return [] }
        defer { state.browser = browser }
        let visible = browserRows(state)
        if browser.focusPreview {
            browser.previewTop = max(0, browser.previewTop + (delta >= Int.max / 4 ? visible : delta))
            return browser.previewPath.map { previewEffects(&browser, state, path: $0, keepTop: true) } ?? []
        }
        browser.cursor = browser.cursor.moved(by: delta)
        browser.cursor.clamp(count: browser.rows.count, visible: visible)
        return followCursor(&browser, state)
    }

    /// A download waiting for y/n takes the next key, whatever it is.
    static func answerPending(_ state: inout AppState, _ key: Key) -> [Effect]? {
        guard let pending = state.browser?.pendingOverwrite else { return nil }
        return answerOverwrite(&state, pending, key)
    }

    static func perform(_ state: inout AppState, _ command: KeyCommand) -> [Effect] {
        guard var browser = state.browser else { return [] }
        defer { if state.browser != nil { state.browser = browser } }
        let visible = browserRows(state)
        switch command {
        case .focusNext:
            browser.focusPreview.toggle()
            return []
        case .back:
            state.browser = nil
            return []
        case .open:
            if browser.focusPreview {
                // Folds the first foldable JSON node on screen.
                if let path = browser.preview.compactMap(\.foldPath).first, let file = browser.previewPath {
                    if browser.folded.contains(path) { browser.folded.remove(path) } else { browser.folded.insert(path) }
                    return previewEffects(&browser, state, path: file, keepTop: true)
                }
                return []
            }
            guard let entry = browser.selected else { return [] }
            if entry.isDir {
                if browser.expanded.contains(entry.path) { browser.expanded.remove(entry.path); return [] }
                browser.expanded.insert(entry.path)
                return browser.children[entry.path] == nil ? [.artifacts(.list(owner: browser.owner, path: entry.path))] : []
            }
            return previewEffects(&browser, state, path: entry.path)
        case .closeFolder:
            guard let entry = browser.selected else { return [] }
            if entry.isDir, browser.expanded.contains(entry.path) { browser.expanded.remove(entry.path); return [] }
            let parent = entry.path.split(separator: "/").dropLast().joined(separator: "/")
            if let index = browser.rows.firstIndex(where: { $0.entry.path == parent }) {
                browser.cursor.index = index
                browser.cursor.clamp(count: browser.rows.count, visible: visible)
            }
            return followCursor(&browser, state)
        case .download:
            guard let entry = browser.selected else { return [] }
            return startDownload(&state, owner: browser.owner, path: entry.path, overwrite: false)
        case .openPager, .openEditor:
            guard let entry = browser.selected, !entry.isDir else { return [] }
            return [.artifacts(.openExternal(owner: browser.owner, path: entry.path, editor: command == .openEditor))]
        case .previewSearch:
            guard browser.previewPath != nil else { showMessage(&state, "open a file to search in it"); return [] }
            browser.focusPreview = true
            state.input = TextInput(kind: .previewSearch, text: browser.search)
            return []
        case .nextMatch, .previousMatch:
            guard !browser.search.isEmpty else { showMessage(&state, "no search yet: \(state.keys.label(.previewSearch, in: .artifacts)) searches the preview"); return [] }
            return findEffects(&browser, state, backward: command == .previousMatch)
        case .yankArtifactURI:
            let path = browser.selected?.path ?? ""
            let uri = path.isEmpty ? browser.artifactURI : browser.artifactURI + "/" + path
            state.yanked.append(uri)
            showMessage(&state, "copied artifact URI: \(uri)")
            return [.copy(uri)]
        default:
            return []
        }
    }
}

/// `n`/`N`: from the last match while it is on screen, else from the top line shown (so a
/// search after scrolling starts where the reader is, as in less).
private func findEffects(_ browser: inout ArtifactBrowser, _ state: AppState, backward: Bool) -> [Effect] {
    guard let path = browser.previewPath, !browser.search.isEmpty else { return [] }
    let height = previewSize(state).1
    let from: Int
    if let line = browser.match?.line, line >= browser.previewTop, line < browser.previewTop + height { from = line }
    else { from = backward ? browser.previewTop : browser.previewTop - 1 }
    browser.searchRequest += 1
    browser.searching = true
    return [.artifacts(.find(request: browser.searchRequest, owner: browser.owner, path: path, query: browser.search,
                             after: from, backward: backward, folded: browser.folded, theme: state.theme))]
}

/// Typing in the search field: matches are highlighted as the text changes.
func previewSearchEdited(_ state: inout AppState, _ text: String) -> [Effect] {
    guard var browser = state.browser, let path = browser.previewPath else { return [] }
    browser.search = text
    browser.match = nil
    let effects = previewEffects(&browser, state, path: path, keepTop: true)
    state.browser = browser
    return effects
}

/// Enter in the search field: jump to the first match from the top line shown.
func previewSearchSubmitted(_ state: inout AppState, _ text: String) -> [Effect] {
    guard var browser = state.browser else { return [] }
    browser.search = text
    browser.match = nil
    let effects = findEffects(&browser, state, backward: false)
    state.browser = browser
    return effects
}

/// Esc in the search field: the search and its highlight are dropped.
func previewSearchCancelled(_ state: inout AppState) -> [Effect] {
    guard var browser = state.browser, let path = browser.previewPath, !browser.search.isEmpty else { return [] }
    browser.search = ""
    browser.match = nil
    browser.searching = false
    browser.searchRequest += 1  // an answer still on its way is stale
    let effects = previewEffects(&browser, state, path: path, keepTop: true)
    state.browser = browser
    return effects
}

private func previewEffects(_ browser: inout ArtifactBrowser, _ state: AppState, path: String, keepTop: Bool = false) -> [Effect] {
    if !keepTop || browser.previewPath != path { browser.clearPreview() }
    browser.previewPath = path
    browser.previewError = nil
    state.requestCounterForBrowser(&browser)
    let (width, height) = previewSize(state)
    return [.artifacts(.preview(request: browser.previewRequest, owner: browser.owner, path: path, top: browser.previewTop,
                                width: width, height: height, folded: browser.folded,
                                search: browser.search.isEmpty ? nil : browser.search, theme: state.theme))]
}

extension AppState {
    fileprivate func requestCounterForBrowser(_ browser: inout ArtifactBrowser) { browser.previewRequest += 1 }
}

/// The preview follows the tree's cursor: a file is previewed as the cursor lands on it (each
/// move asks anew, and `previewed` drops the answers of files passed over); a folder shows its
/// summary, drawn from its listing (asked for here when missing).
private func followCursor(_ browser: inout ArtifactBrowser, _ state: AppState) -> [Effect] {
    guard let entry = browser.selected else { return [] }
    if entry.isDir {
        browser.clearPreview()
        browser.previewPath = nil
        browser.previewError = nil
        browser.previewRequest += 1
        return browser.children[entry.path] == nil ? [.artifacts(.list(owner: browser.owner, path: entry.path))] : []
    }
    return entry.path == browser.previewPath ? [] : previewEffects(&browser, state, path: entry.path)
}

extension ArtifactBrowser {
    /// Another file (or a folder) is shown: its scroll, folds and match start afresh. The search
    /// itself is kept for `n`, as less keeps its pattern for the next file.
    mutating func clearPreview() {
        previewTop = 0
        folded = []
        preview = []
        match = nil
        searching = false
        searchRequest += 1  // a find still on its way was for the file left
    }
}

/// After a resize the preview is asked again for the new width (the hex dump's bytes per row,
/// an image's scale) and height.
func browserResized(_ state: inout AppState) -> [Effect] {
    guard var browser = state.browser, let path = browser.previewPath else { return [] }
    let effects = previewEffects(&browser, state, path: path, keepTop: true)
    state.browser = browser
    return effects
}

func browserRows(_ state: AppState) -> Int { max(1, Layout(state).body.height - 1) }

/// The preview's share of the body: the right 60%.
func treeWidth(_ state: AppState) -> Int { max(20, Layout(state).body.width * 2 / 5) }
func previewSize(_ state: AppState) -> (Int, Int) {
    let body = Layout(state).body
    return (max(1, body.width - treeWidth(state) - 1), max(1, body.height - 1))
}

// MARK: - render

func renderBrowser(_ buffer: inout Buffer, _ state: AppState, _ rect: Rect) {
    guard let browser = state.browser else { return }
    let theme = state.theme
    buffer.fill(x: rect.x, y: rect.y, width: rect.width, height: rect.height, style: theme[.base])
    let left = treeWidth(state)
    let title = "Artifacts · \(middleElided(browser.artifactURI, to: left - 12))"
    buffer.write(DisplayWidth.truncated(title, to: left), x: rect.x, y: rect.y, maxWidth: left,
                 style: browser.focusPreview ? theme[.pane_title] : theme[.pane_title_focus])
    let rows = browser.rows
    let visible = rect.height - 1
    if rows.isEmpty {
        let text = browser.errors[""] ?? (browser.children[""] == nil ? "loading…" : "(no artifacts)")
        buffer.write(text, x: rect.x + 1, y: rect.y + 1, maxWidth: left - 1, style: browser.errors[""] == nil ? theme[.dim] : theme[.error])
    }
    for (i, row) in rows.enumerated().dropFirst(browser.cursor.top).prefix(visible) {
        let y = rect.y + 1 + i - browser.cursor.top
        let entry = row.entry
        let marker = entry.isDir ? (browser.expanded.contains(entry.path) ? "▾ " : "▸ ") : "  "
        let name = String(repeating: "  ", count: row.depth) + marker + entry.name + (entry.isDir ? "/" : "")
        let size = entry.fileSize.map(formatSize) ?? ""
        let style = i == browser.cursor.index ? (browser.focusPreview ? theme[.selected_inactive] : theme[.selected]) : theme[.base]
        buffer.fill(x: rect.x, y: y, width: left, height: 1, style: style)
        buffer.write(DisplayWidth.truncated(name, to: max(1, left - size.count - 1)), x: rect.x, y: y, maxWidth: left, style: style)
        buffer.write(size, x: rect.x + left - size.count, y: y, maxWidth: size.count, style: style)
    }
    for y in rect.y..<(rect.y + rect.height) { buffer.write("│", x: rect.x + left, y: y, style: theme[.dim]) }
    let px = rect.x + left + 1, pw = rect.width - left - 1
    let status = searchStatus(browser)
    let statusWidth = min(DisplayWidth.of(status), max(0, pw - 10))
    let titleWidth = max(0, pw - (statusWidth > 0 ? statusWidth + 1 : 0))
    let folder = browser.previewPath == nil ? browser.selected.flatMap { $0.isDir ? $0 : nil } : nil
    let previewTitle = browser.previewPath ?? folder.map { $0.path + "/" } ?? ""
    buffer.write(DisplayWidth.truncated(previewTitle, to: titleWidth), x: px, y: rect.y, maxWidth: titleWidth,
                 style: browser.focusPreview ? theme[.pane_title_focus] : theme[.pane_title])
    if statusWidth > 0 {
        buffer.write(DisplayWidth.truncated(status, to: statusWidth), x: px + pw - statusWidth, y: rect.y, maxWidth: statusWidth,
                     style: browser.match?.line == nil && browser.match != nil ? theme[.error] : theme[.filter])
    }
    if let error = browser.previewError {
        buffer.write(error, x: px, y: rect.y + 1, maxWidth: pw, style: theme[.error])
    } else if let folder {
        let (text, style) = folderSummary(browser, folder.path, theme: theme)
        buffer.write(text, x: px, y: rect.y + 1, maxWidth: pw, style: style)
    } else if browser.previewPath != nil, browser.preview.isEmpty {
        buffer.write("loading…", x: px, y: rect.y + 1, maxWidth: pw, style: theme[.dim])
    } else if let caption = browser.preview.first, let image = caption.image, ImageGridPane.drawsItself(state.graphics, file: image.file),
              let placement = ImageGridPane.imagePlacement(image.pixels, file: image.file, id: image.id,
                                                           in: Rect(x: px, y: rect.y + 2, width: pw, height: rect.height - 2)) {
        // The terminal draws the image itself, under its caption.
        buffer.drawPreview([caption], top: 0, x: px, y: rect.y + 1, width: pw, height: 1)
        buffer.images.append(placement)
    } else {
        buffer.drawPreview(browser.preview, top: 0, x: px, y: rect.y + 1, width: pw, height: rect.height - 1)
    }
}

/// The search and where it stands, at the right of the preview's title: "/loss · match 3/12";
/// just "/loss" in a file not searched yet (the pattern waits for `n`), nothing on a folder.
private func searchStatus(_ browser: ArtifactBrowser) -> String {
    guard !browser.search.isEmpty, browser.previewPath != nil else { return "" }
    if browser.searching { return "/\(browser.search) · …" }
    return "/\(browser.search)" + (browser.match.map { " · " + $0.label } ?? "")
}

/// A folder under the cursor: "3 files · 1 folder · 12 K" once listed (sizes of its own files).
private func folderSummary(_ browser: ArtifactBrowser, _ path: String, theme: Theme) -> (String, Style) {
    if let error = browser.errors[path] { return (error, theme[.error]) }
    guard let entries = browser.children[path] else { return ("listing…", theme[.dim]) }
    let files = entries.filter { !$0.isDir }, folders = entries.count - files.count
    guard !entries.isEmpty else { return ("(empty folder)", theme[.dim]) }
    let size = files.reduce(Int64(0)) { $0 + ($1.fileSize ?? 0) }
    let parts = [counted(files.count, "file"), counted(folders, "folder")].compactMap { $0 } + (files.isEmpty ? [] : [formatSize(size)])
    return (parts.joined(separator: " · "), theme[.base])
}

private func counted(_ count: Int, _ noun: String) -> String? {
    count == 0 ? nil : "\(count) \(noun)\(count == 1 ? "" : "s")"
}

func formatSize(_ bytes: Int64) -> String {
    let units = ["B", "K", "M", "G", "T"]
    var value = Double(bytes), unit = 0
    while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
    return unit == 0 ? "\(bytes) B" : String(format: value < 10 ? "%.1f %@" : "%.0f %@", value, units[unit])
}
