import Terminal

/// Where a binding applies. `global` bindings apply everywhere unless a text field has focus.
public enum KeyContext: String, CaseIterable, Sendable {
    case global, experiments, runs, details, compare, chart, picker, help, artifacts
}

/// What a key does; the reducer interprets these.
public enum KeyCommand: String, Sendable, CaseIterable {
    case quit, help, commandLine, refresh, focusNext
    case moveUp, moveDown, pageUp, pageDown, top, bottom
    case open, back, toggleDeleted, jump
    case filter, tagPicker, removeChip, clearFilter, fuzzySearch
    case sort, columnLeft, columnRight, columnPicker
    case mark, compare, toggleDiffOnly, yankRunID, yankArtifactURI
    case toggleTree, toggleExpand, openParent
    // Metrics: Panes/Chart/ChartReducer.swift performs these.
    case chart, sparklineColumn, metricPicker, xMode, logScale, smoothLess, smoothMore
    case zoomIn, zoomOut, zoomReset, panLeft, panRight, cursorLeft, cursorRight
    case openArtifacts, closeFolder, download, openPager, openEditor
    case previewSearch, nextMatch, previousMatch
}

public struct KeyBinding: Sendable {
    public var keys: [Key]
    public var context: KeyContext
    public var command: KeyCommand
    public var help: String
    /// The short hint shown in the footer of its context; nil keeps it to the `?` overlay.
    public var footer: String?
}

/// The one key table: the reducer dispatches on it, the footer, the `?` overlay and the
/// README's key table (`mltui keys`) are generated from it.
public enum Keymap {
    public static let bindings: [KeyBinding] = {
        var table: [KeyBinding] = []
        func bind(_ keys: [Key], _ context: KeyContext, _ command: KeyCommand, _ help: String, footer: String? = nil) {
            table.append(KeyBinding(keys: keys, context: context, command: command, help: help, footer: footer))
        }
        bind([.char("q"), .ctrl("c")], .global, .quit, "quit", footer: "quit")
        bind([.char("?")], .global, .help, "help: all keys", footer: "help")
        bind([.char(":")], .global, .commandLine, "command line (:sort, :theme, :filter, :q)")
        bind([.ctrl("r")], .global, .refresh, "refresh now")
        // Movement is the same in every list-like context.
        // In the picker, letters narrow the list, so it moves with arrows and paging keys only.
        for context in [KeyContext.experiments, .runs, .details, .compare, .picker, .help, .artifacts] {
            let letters = context != .picker
            bind(letters ? [.char("j"), .down] : [.down], context, .moveDown, "down")
            bind(letters ? [.char("k"), .up] : [.up], context, .moveUp, "up")
            bind([.pageDown, .ctrl("d")], context, .pageDown, "page down")
            bind([.pageUp, .ctrl("u")], context, .pageUp, "page up")
            bind(letters ? [.char("g"), .home] : [.home], context, .top, "first")
            bind(letters ? [.char("G"), .end] : [.end], context, .bottom, "last")
        }
        bind([.enter, .char("l"), .right], .experiments, .open, "open experiment", footer: "open")
        bind([.tab], .experiments, .focusNext, "focus runs")
        bind([.char("/")], .experiments, .jump, "jump to experiment by name", footer: "jump")
        bind([.char("d")], .experiments, .toggleDeleted, "show/hide deleted experiments", footer: "deleted")

        bind([.enter], .runs, .open, "run details", footer: "details")
        bind([.tab, .escape], .runs, .focusNext, "focus experiments")
        bind([.char("/")], .runs, .filter, "filter (MLflow search syntax)", footer: "filter")
        bind([.char("t")], .runs, .tagPicker, "add a tag filter chip", footer: "tags")
        bind([.char("x")], .runs, .removeChip, "remove the last tag chip")
        bind([.char("X")], .runs, .clearFilter, "clear filter and chips")
        bind([.char("f")], .runs, .fuzzySearch, "quick fuzzy search on names")
        bind([.char("s")], .runs, .sort, "sort by column (again: flip)", footer: "sort")
        bind([.char("h"), .left], .runs, .columnLeft, "column left")
        bind([.char("l"), .right], .runs, .columnRight, "column right", footer: "columns")
        bind([.char("o")], .runs, .columnPicker, "add/remove columns")
        bind([.char(" ")], .runs, .mark, "mark run for compare", footer: "mark")
        bind([.char("c")], .runs, .compare, "compare marked runs", footer: "compare")
        bind([.char("y")], .runs, .yankRunID, "copy run id")
        bind([.char("Y")], .runs, .yankArtifactURI, "copy artifact URI")
        bind([.char("n")], .runs, .toggleTree, "nested runs as a tree")
        bind([.char("z")], .runs, .toggleExpand, "expand/collapse children")
        bind([.char("p")], .runs, .openParent, "go to parent run")
        bind([.char("d")], .runs, .toggleDeleted, "show/hide deleted runs")

        bind([.escape, .backspace, .char("h"), .left], .details, .back, "back", footer: "back")
        bind([.enter], .details, .open, "follow link (parent/child)", footer: "follow link")
        bind([.char("p")], .details, .openParent, "open parent run", footer: "parent")
        bind([.char("y")], .details, .yankRunID, "copy run id", footer: "copy id")
        bind([.char("Y")], .details, .yankArtifactURI, "copy artifact URI")
        bind([.char("a")], .details, .openArtifacts, "browse the run's artifacts", footer: "artifacts")
        bind([.char("a")], .runs, .openArtifacts, "browse the selected run's artifacts")

        bind([.escape, .backspace], .compare, .back, "back", footer: "back")
        bind([.char("d")], .compare, .toggleDiffOnly, "only rows that differ", footer: "only diffs")
        bind([.char("h"), .left], .compare, .columnLeft, "scroll runs left")
        bind([.char("l"), .right], .compare, .columnRight, "scroll runs right", footer: "scroll")

        bind([.enter], .picker, .open, "choose", footer: "choose")
        bind([.escape], .picker, .back, "close", footer: "close")
        bind([.escape], .help, .back, "close help", footer: "close")
        table += chartBindings + artifactBindings
        return table
    }()

    /// The binding for `key` in `context`, falling back to global bindings.
    public static func command(for key: Key, in context: KeyContext) -> KeyCommand? {
        if let b = bindings.first(where: { $0.context == context && $0.keys.contains(key) }) { return b.command }
        return bindings.first(where: { $0.context == .global && $0.keys.contains(key) })?.command
    }

    /// Pairs of bindings that claim the same key in one context (global ones count in every
    /// context). Must be empty; a test checks it.
    public static func collisions(in bindings: [KeyBinding] = Keymap.bindings) -> [String] {
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

    public static func keysLabel(_ binding: KeyBinding) -> String {
        binding.keys.map(\.description).joined(separator: "/")
    }

    /// Footer hints for a context: its footer bindings, then the global ones.
    public static func footerHints(for context: KeyContext) -> [(keys: String, help: String)] {
        let own = bindings.filter { $0.context == context && $0.footer != nil }
        let global = context == .picker || context == .help ? [] : bindings.filter { $0.context == .global && $0.footer != nil }
        return (own + global).map { (shortLabel($0), $0.footer!) }
    }

    private static func shortLabel(_ binding: KeyBinding) -> String {
        if binding.command == .columnRight { return "←→" }
        return binding.keys.first.map(\.description) ?? ""
    }

    /// The key table as Markdown, for the README and `mltui keys`.
    public static func markdownTable() -> String {
        var lines = ["| Key | Where | Action |", "|---|---|---|"]
        for binding in bindings {
            let keys = binding.keys.map { "`\($0.description == "`" ? "``" : $0.description)`" }.joined(separator: " ")
            lines.append("| \(keys) | \(binding.context.rawValue) | \(binding.help) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
