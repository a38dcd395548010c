import Foundation
import Terminal

/// Where a binding applies. `global` bindings apply everywhere unless a text field has focus.
enum KeyContext: String, CaseIterable, Sendable {
    case global, experiments, runs, details, compare, chart, scatter, parallel, picker, help, artifacts, value, models, alerts
    case systemChart = "system charts"
    case imageGrid = "image grid"
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
    case nextSection, previousSection, jumpParams, jumpMetrics, jumpTags, jumpLinks, jumpModels, jumpDatasets, jumpSystemMetrics
    case editTag, removeTag, rename, editDescription, deleteItems, restoreItems
    case scatter, parallelCoordinates, xAxisPicker, yAxisPicker, cursorUp, cursorDown, moveAxisLeft, moveAxisRight, removeAxis
    case models, alerts, systemCharts, images, firstStep, lastStep

    /// The commands every list shares; `Keymap.listBindings` binds them.
    var isListMovement: Bool { [.moveUp, .moveDown, .pageUp, .pageDown, .top, .bottom].contains(self) }
}

struct KeyBinding: Equatable, Sendable {
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
        t.bind([.char("!")], .alerts, "alert inbox: failed, killed, NaN and stalled runs of the experiments opened (the header counts new ones)")
    }

    /// The contexts that are lists, in the order the README lists them.
    static let listContexts: [KeyContext] = [.experiments, .runs, .details, .compare, .parallel, .models, .modelPage, .artifacts, .picker, .help, .value, .alerts]

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
        ("System charts (s in the run details)", SystemChartPane.bindings),
        ("Image grid (I in the runs table and the run details)", ImageGridPane.bindings),
        ("Scatter", ScatterPane.bindings),
        ("Parallel coordinates", ParallelPane.bindings),
        ("Models (logged models, registry)", ModelListPane.bindings),
        ("Model page", ModelPagePane.bindings),
        ("Artifact browser", artifactBindings),
        ("Picker", PickerOverlay.bindings),
        ("Help", HelpOverlay.bindings),
        ("Value viewer", ValueOverlay.bindings),
        ("Alert inbox", AlertsOverlay.bindings),
    ]

    static let bindings: [KeyBinding] =
        global + listContexts.flatMap(listBindings) + slices.flatMap(\.bindings)

    /// The built-in table, before a config file's `[keys]`.
    static let standard = KeyTable(bindings: bindings)

    /// The built-in binding for `key` in `context`, falling back to global bindings.
    static func command(for key: Key, in context: KeyContext) -> KeyCommand? { standard.command(for: key, in: context) }

    /// Pairs of bindings that claim the same key in one context (global ones count in every
    /// context). Must be empty for the built-in table; a test checks it.
    static func collisions(in bindings: [KeyBinding] = Keymap.bindings) -> [String] {
        KeyTable(bindings: bindings).collisions().map(\.description)
    }

    static func keysLabel(_ binding: KeyBinding) -> String {
        binding.keys.map(\.description).joined(separator: "/")
    }

    static func footerHints(for context: KeyContext) -> [(keys: String, help: String)] { standard.footerHints(for: context) }

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

/// The key table in effect: the built-in one, or that with the `[keys]` of the user's config
/// file applied (`rebinding`). The router, the footer and the `?` overlay read this one.
struct KeyTable: Equatable, Sendable {
    var bindings: [KeyBinding]

    /// The binding for `key` in `context`, falling back to global bindings.
    func command(for key: Key, in context: KeyContext) -> KeyCommand? {
        if let b = bindings.first(where: { $0.context == context && $0.keys.contains(key) }) { return b.command }
        return bindings.first(where: { $0.context == .global && $0.keys.contains(key) })?.command
    }

    /// Whether `key` is bound in exactly `context` (without the global fallback).
    func binds(_ key: Key, in context: KeyContext) -> Bool {
        bindings.contains { $0.context == context && $0.keys.contains(key) }
    }

    /// The first key of `command` in `context` (else global) as the help spells it: for messages
    /// and hints that name a key.
    func label(_ command: KeyCommand, in context: KeyContext) -> String {
        let binding = bindings.first { $0.context == context && $0.command == command && !$0.keys.isEmpty }
            ?? bindings.first { $0.context == .global && $0.command == command && !$0.keys.isEmpty }
        return binding?.keys.first?.description ?? "(unbound)"
    }

    struct Collision: Equatable, CustomStringConvertible {
        var context: KeyContext
        var key: Key
        var first: KeyBinding
        var second: KeyBinding
        var description: String {
            "\(context.rawValue): \(key) is bound to both \(first.command.rawValue) and \(second.command.rawValue)"
        }
    }

    /// Bindings that claim the same key in one context; global ones count in every context.
    func collisions() -> [Collision] {
        var found: [Collision] = []
        for context in KeyContext.allCases {
            var seen: [Key: KeyBinding] = [:]
            let relevant = bindings.filter { $0.context == context || (context != .global && $0.context == .global) }
            for binding in relevant {
                for key in binding.keys {
                    // In the picker, characters type into the query: a global one never acts there.
                    if context == .picker, binding.context == .global, case .char = key { continue }
                    if let other = seen[key] { found.append(Collision(context: context, key: key, first: other, second: binding)) }
                    seen[key] = binding
                }
            }
        }
        return found
    }

    /// Footer hints for a context: its footer bindings, then the global ones; unbound ones left out.
    func footerHints(for context: KeyContext) -> [(keys: String, help: String)] {
        let own = bindings.filter { $0.context == context && $0.footer != nil }
        let global = context == .picker || context == .help ? [] : bindings.filter { $0.context == .global && $0.footer != nil }
        return (own + global).filter { !$0.keys.isEmpty }.map { (shortLabel($0), $0.footer!) }
    }

    private func shortLabel(_ binding: KeyBinding) -> String {
        if binding.command == .columnRight {
            let left = bindings.first { $0.context == binding.context && $0.command == .columnLeft }?.keys ?? []
            if left.contains(.left) && binding.keys.contains(.right) { return "←→" }
            return [left.first, binding.keys.first].compactMap { $0?.description }.joined(separator: "/")
        }
        return binding.keys.first.map(\.description) ?? ""
    }

    /// One entry of the config file's `[keys.CONTEXT]` tables: `context` nil (`[keys.all]`)
    /// rebinds the action wherever it is bound (but in the picker, whose letters type); `keys`
    /// empty unbinds it.
    struct Rebinding: Equatable, Sendable {
        var context: KeyContext?
        var command: KeyCommand
        var keys: [Key]
        var line: Int
    }

    /// The table with `rebindings` applied: each replaces the keys of its action (a
    /// context-specific one wins over one for every context). A key then claimed twice in one
    /// context is refused, naming both actions.
    func rebinding(_ rebindings: [Rebinding]) throws -> KeyTable {
        var table = self
        var lineOf: [Int: Int] = [:]   // binding index → line of the rebinding that set it
        var claimed: Set<[String]> = []
        for index in table.bindings.indices {
            let binding = table.bindings[index]
            let rule = rebindings.last { $0.context == binding.context && $0.command == binding.command }
                ?? rebindings.last { $0.context == nil && $0.command == binding.command && binding.context != .picker }
            guard let rule else { continue }
            // An action bound twice in one context takes the new keys once.
            let id = [binding.context.rawValue, binding.command.rawValue]
            table.bindings[index].keys = claimed.insert(id).inserted ? rule.keys : []
            lineOf[index] = rule.line
        }
        if let collision = table.collisions().first {
            let line = [collision.first, collision.second].compactMap { b in table.bindings.firstIndex(of: b).flatMap { lineOf[$0] } }.max()
            throw TOMLError(line: line ?? 0, "keys: \(collision.description); rebind one of them too")
        }
        return table
    }

    /// Every context's actions, as `[keys]` lines of the config file with today's keys and the
    /// help as a comment (`mltui keys --config`).
    func configText(path: String = "~/.config/mltui/config.toml") -> String {
        var lines = ["# mltui's keys: copy the lines to change, under their table, into \(path)",
                     "# (docs/configuration.md). [keys.all] rebinds an action in every context that has it."]
        var contexts: [KeyContext] = [.global]
        for b in bindings where !contexts.contains(b.context) { contexts.append(b.context) }
        for context in contexts {
            lines += ["", "[keys.\(context.configName)]"]
            var done: Set<KeyCommand> = []
            for b in bindings where b.context == context && done.insert(b.command).inserted {
                let keys = b.keys.map { "\"\($0.configSpelling)\"" }
                let value = keys.count == 1 ? keys[0] : "[" + keys.joined(separator: ", ") + "]"
                let line = "\(b.command.rawValue) = \(value)"
                lines.append(line + String(repeating: " ", count: max(1, 37 - line.count)) + "# " + b.help)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

extension KeyContext {
    /// The context's name in `[keys.NAME]`: its name with `_` for spaces (`model_pages`).
    var configName: String { rawValue.replacingOccurrences(of: " ", with: "_") }
}

extension Key {
    /// How `Key(spelling:)` reads it back, in ASCII (`Up`, not `↑`; `"\""` escaped).
    var configSpelling: String {
        switch self {
        case .up: return "Up"
        case .down: return "Down"
        case .left: return "Left"
        case .right: return "Right"
        case .char("\""): return "\\\""
        case .char("\\"): return "\\\\"
        default: return description
        }
    }
}
