import Terminal

/// Where a binding applies. `global` bindings apply everywhere unless a text field has focus.
enum KeyContext: String, CaseIterable, Sendable {
    case global, experiments, runs, details, compare, chart, scatter, parallel, picker, help, artifacts, value, models
    case modelPage = "model pages"
}

/// What a key does; the slice whose context has focus performs it.
enum KeyCommand: String, Sendable, CaseIterable {
    case quit, help, commandLine, refresh, focusNext
    case moveUp, moveDown, pageUp, pageDown, top, bottom
    case open, back, toggleDeleted, jump
    case filter, tagPicker, removeChip, clearFilter, fuzzySearch
    case sort, columnLeft, columnRight, columnPicker
    case mark, compare, toggleDiffOnly, yankRunID, yankArtifactURI
    case clearMarks
    case toggleTree, toggleExpand, openParent
    case groupPicker, cycleAggregate
    case chart, sparklineColumn, sparklineScale, metricPicker, xMode, logScale, smoothLess, smoothMore
    case zoomIn, zoomOut, zoomReset, panLeft, panRight, cursorLeft, cursorRight
    case toggleMembers
    case openArtifacts, closeFolder, download, openPager, openEditor
    case previewSearch, nextMatch, previousMatch
    case showValue, copyValue, messages
    case nextSection, previousSection, jumpParams, jumpMetrics, jumpTags, jumpLinks, jumpModels, jumpDatasets
    case editTag, removeTag, rename, editDescription, deleteItems, restoreItems
    case scatter, parallelCoordinates, xAxisPicker, yAxisPicker, cursorUp, cursorDown, moveAxisLeft, moveAxisRight, removeAxis
    case models

    /// The commands every list shares; `Keymap.listBindings` binds them.
    var isListMovement: Bool { [.moveUp, .moveDown, .pageUp, .pageDown, .top, .bottom].contains(self) }
}

struct KeyBinding: Sendable {
    var keys: [Key]
    var context: KeyContext
    var command: KeyCommand
    var help: String
    /// The short hint shown in the footer of its context; nil keeps it to the `?` overlay.
    var footer: String?
}

/// Builds a slice's rows of the key table.
func keyRows(_ context: KeyContext, _ rows: (inout KeyRows) -> Void) -> [KeyBinding] {
    var table = KeyRows(context: context)
    rows(&table)
    return table.bindings
}

struct KeyRows {
    let context: KeyContext
    var bindings: [KeyBinding] = []
    mutating func bind(_ keys: [Key], _ command: KeyCommand, _ help: String, footer: String? = nil) {
        bindings.append(KeyBinding(keys: keys, context: context, command: command, help: help, footer: footer))
    }
}

/// The one key table, made by concatenating each slice's bindings: the router dispatches on it;
/// the footer, the `?` overlay and the README's key table (`mltui keys`) are generated from it.
public enum Keymap {
    static let global = keyRows(.global) { t in
        t.bind([.char("q"), .ctrl("c")], .quit, "quit", footer: "quit")
        t.bind([.char("?")], .help, "help: all keys", footer: "help")
        t.bind([.char(":")], .commandLine, "command line (:sort, :theme, :filter, :q)")
        t.bind([.ctrl("r")], .refresh, "refresh now")
        t.bind([.char("M")], .messages, "message history: every message and error in full (also :messages)")
    }

    /// The contexts that are lists, in the order the README lists them.
    static let listContexts: [KeyContext] = [.experiments, .runs, .details, .compare, .parallel, .models, .modelPage, .artifacts, .picker, .help, .value]

    /// Movement, the same in every list. In the picker letters narrow the list and control
    /// keys edit the query (readline), so it moves with arrows and paging keys only.
    static func listBindings(_ context: KeyContext) -> [KeyBinding] {
        let letters = context != .picker
        return keyRows(context) { t in
            t.bind(letters ? [.char("j"), .down] : [.down], .moveDown, "down")
            t.bind(letters ? [.char("k"), .up] : [.up], .moveUp, "up")
            t.bind(letters ? [.pageDown, .ctrl("d")] : [.pageDown], .pageDown, "page down")
            t.bind(letters ? [.pageUp, .ctrl("u")] : [.pageUp], .pageUp, "page up")
            t.bind(letters ? [.char("g"), .home] : [.home], .top, "first")
            t.bind(letters ? [.char("G"), .end] : [.end], .bottom, "last")
        }
    }

    /// Each slice's own bindings, in the order of the README.
    static let slices: [(title: String, bindings: [KeyBinding])] = [
        ("Experiments", ExperimentsPane.bindings),
        ("Runs", RunsPane.bindings),
        ("Run details", DetailsPane.bindings),
        ("Compare", ComparePane.bindings),
        ("Chart", chartBindings),
        ("Scatter", ScatterPane.bindings),
        ("Parallel coordinates", ParallelPane.bindings),
        ("Models (logged models, registry)", ModelListPane.bindings),
        ("Model page", ModelPagePane.bindings),
        ("Artifact browser", artifactBindings),
        ("Picker", PickerOverlay.bindings),
        ("Help", HelpOverlay.bindings),
        ("Value viewer", ValueOverlay.bindings),
    ]

    static let bindings: [KeyBinding] =
        global + listContexts.flatMap(listBindings) + slices.flatMap(\.bindings)

    /// The binding for `key` in `context`, falling back to global bindings.
    static func command(for key: Key, in context: KeyContext) -> KeyCommand? {
        if let b = bindings.first(where: { $0.context == context && $0.keys.contains(key) }) { return b.command }
        return bindings.first(where: { $0.context == .global && $0.keys.contains(key) })?.command
    }

    /// Pairs of bindings that claim the same key in one context (global ones count in every
    /// context). Must be empty; a test checks it.
    static func collisions(in bindings: [KeyBinding] = Keymap.bindings) -> [String] {
        var found: [String] = []
        for context in KeyContext.allCases {
            var seen: [Key: KeyBinding] = [:]
            let relevant = bindings.filter { $0.context == context || (context != .global && $0.context == .global) }
            for binding in relevant {
                for key in binding.keys {
                    if let other = seen[key] {
                        found.append("\(context.rawValue): \(key) is bound to both \(other.command.rawValue) and \(binding.command.rawValue)")
                    }
                    seen[key] = binding
                }
            }
        }
        return found
    }

    static func keysLabel(_ binding: KeyBinding) -> String {
        binding.keys.map(\.description).joined(separator: "/")
    }

    /// Footer hints for a context: its footer bindings, then the global ones.
    static func footerHints(for context: KeyContext) -> [(keys: String, help: String)] {
        let own = bindings.filter { $0.context == context && $0.footer != nil }
        let global = context == .picker || context == .help ? [] : bindings.filter { $0.context == .global && $0.footer != nil }
        return (own + global).map { (shortLabel($0), $0.footer!) }
    }

    private static func shortLabel(_ binding: KeyBinding) -> String {
        if binding.command == .columnRight { return "←→" }
        return binding.keys.first.map(\.description) ?? ""
    }

    /// The key table as Markdown, for the README and `mltui keys`: the keys that work
    /// everywhere and in every list once, then what each pane adds.
    public static func markdownTable() -> String {
        func cell(_ keys: [Key]) -> String {
            keys.map { "`\($0.description == "`" ? "``" : $0.description)`" }.joined(separator: " ")
        }
        func table(_ title: String, _ rows: [KeyBinding]) -> [String] {
            ["", "**\(title)**", "", "| Key | Action |", "|---|---|"] + rows.map { "| \(cell($0.keys)) | \($0.help) |" }
        }
        var lines = table("Everywhere", global)
        let lists = listContexts.filter { $0 != .picker }.map(\.rawValue).joined(separator: ", ")
        lines += table("In every list (\(lists); the picker moves with ↑↓, paging keys, Home and End only: letters and readline's keys (Ctrl-U/W/K/A/E, ←→) edit its query)",
                       listBindings(.runs))
        for slice in slices where !slice.bindings.isEmpty { lines += table(slice.title, slice.bindings) }
        return lines.dropFirst().joined(separator: "\n") + "\n"
    }
}
