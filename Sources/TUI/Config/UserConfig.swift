import Analysis
import Foundation
import Terminal
import Tracking

/// `$XDG_CONFIG_HOME/mltui/config.toml` (default `~/.config/mltui/config.toml`), documented in
/// docs/configuration.md: the theme, live refresh, mouse, the store to open when nothing else
/// names one, the runs table's columns, and `[keys]`. Command-line options and environment
/// variables win over it. Anything it does not know is refused with its line, as a misspelt
/// setting silently ignored would be worse.
public struct UserConfig: Sendable {
    /// The file read, or looked for (nil: neither XDG_CONFIG_HOME nor HOME is set).
    public var path: String?
    public var exists = false
    public var theme: String?
    /// Seconds between live refreshes (0: off).
    public var refresh: Double?
    public var mouse: Bool?
    /// `[alerts]`: how a new alert is announced (`notify = "bell"`, "osc9", "osc777", "none"),
    /// and when a RUNNING run counts as stalled (`stall_factor` times its usual interval, and
    /// at least `stall_minimum` seconds).
    public var notify: AlertNotification?
    public var stallFactor: Double?
    public var stallMinimum: Double?
    /// The store opened when no argument, MLFLOW_TRACKING_URI, ./mlruns or ./mlflow.db names one.
    public var store: String?
    /// The runs table's columns for an experiment not yet arranged (the name column first).
    var columns: [RunColumn]?
    /// The key table with `[keys]` applied.
    var keys = Keymap.standard
    /// How many actions `[keys]` rebinds.
    public var reboundActions = 0

    public init() {}

    /// Every action and its keys in effect, as `[keys]` tables (`mltui keys --config`).
    public func keyTableText() -> String { keys.configText(path: path ?? "~/.config/mltui/config.toml") }

    public static func path(environment: [String: String]) -> String? {
        if let xdg = environment["XDG_CONFIG_HOME"], xdg.hasPrefix("/") { return xdg + "/mltui/config.toml" }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return home + "/.config/mltui/config.toml"
    }

    /// The user's config file; no file is an empty config. A file that cannot be read or is
    /// wrong throws one line naming the file and the line.
    public static func load(environment: [String: String]) throws -> UserConfig {
        var config = UserConfig()
        guard let path = path(environment: environment) else { return config }
        config.path = path
        guard FileManager.default.fileExists(atPath: path) else { return config }
        guard let data = FileManager.default.contents(atPath: path) else { throw ConfigError("\(path): cannot be read") }
        guard let text = String(data: data, encoding: .utf8) else { throw ConfigError("\(path): is not UTF-8 text") }
        do {
            config = try parse(text)
        } catch let error as TOMLError {
            throw ConfigError("\(path): \(error)")
        }
        config.path = path
        config.exists = true
        if let home = environment["HOME"] {
            if let store = config.store, store.hasPrefix("~/") { config.store = home + store.dropFirst() }
            if let theme = config.theme, theme.hasPrefix("~/") { config.theme = home + theme.dropFirst() }
        }
        return config
    }

    static let settings = ["theme", "refresh", "mouse", "store", "columns", "alerts", "keys"]

    static func parse(_ text: String) throws -> UserConfig {
        var config = UserConfig()
        var rebindings: [KeyTable.Rebinding] = []
        for entry in try TOMLSubset.parse(text) {
            func bad(_ message: String) -> TOMLError { TOMLError(line: entry.line, message) }
            func string() throws -> String {
                guard case .string(let s) = entry.value else { throw bad("\(entry.path.joined(separator: ".")) takes a quoted string, not \(entry.value.typeName)") }
                return s
            }
            switch entry.path.first! {
            case "theme" where entry.path.count == 1:
                // A misspelt name would only be a footer note at every start: refused here.
                let theme = try string()
                if !theme.contains("/") && !theme.hasSuffix(".toml") && BuiltinThemes.files[theme] == nil {
                    throw bad("theme '\(theme)' is not a built-in theme (\(BuiltinThemes.files.keys.sorted().joined(separator: ", "))); a theme file is named by its path")
                }
                config.theme = theme
            case "alerts" where entry.path == ["alerts", "notify"]:
                guard let notify = AlertNotification(rawValue: try string()) else {
                    throw bad("alerts.notify takes \(AlertNotification.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
                }
                config.notify = notify
            case "alerts" where entry.path == ["alerts", "stall_factor"]:
                config.stallFactor = try number(entry, in: 1...1000)
            case "alerts" where entry.path == ["alerts", "stall_minimum"]:
                config.stallMinimum = try number(entry, in: 0...604_800)
            case "store" where entry.path.count == 1:
                config.store = try string()
            case "refresh" where entry.path.count == 1:
                config.refresh = try number(entry, in: 0...86400, meaning: "seconds (0 turns live refresh off)")
            case "mouse" where entry.path.count == 1:
                guard case .bool(let on) = entry.value else { throw bad("mouse takes true or false") }
                config.mouse = on
            case "columns" where entry.path.count == 1:
                config.columns = try columns(entry)
            case "keys":
                rebindings.append(try rebinding(entry))
            default:
                throw bad("unknown setting \(entry.path.joined(separator: ".")) (config.toml takes \(settings.joined(separator: ", ")); see docs/configuration.md)")
            }
        }
        config.keys = try Keymap.standard.rebinding(rebindings)
        config.reboundActions = rebindings.count
        return config
    }

    /// A number within `range` (an integer or a float).
    private static func number(_ entry: TOMLEntry, in range: ClosedRange<Double>, meaning: String = "") throws -> Double {
        let value: Double?
        switch entry.value {
        case .integer(let n): value = Double(n)
        case .float(let d): value = d
        default: value = nil
        }
        guard let value, range.contains(value) else {
            let bounds = "\(formatNumber(range.lowerBound))-\(formatNumber(range.upperBound))"
            throw TOMLError(line: entry.line, "\(entry.path.joined(separator: ".")) takes a number \(bounds)" + (meaning.isEmpty ? "" : ": \(meaning)"))
        }
        return value
    }

    /// `columns = ["run_name", "duration", "metrics.loss", "params.lr"]`: keys as
    /// `mltui runs --columns` takes them, plus `source`; the frozen name column comes first
    /// whether listed or not.
    private static func columns(_ entry: TOMLEntry) throws -> [RunColumn] {
        guard case .array(let items) = entry.value else {
            throw TOMLError(line: entry.line, "columns takes an array of column keys, e.g. [\"run_name\", \"metrics.loss\", \"params.lr\"]")
        }
        var columns: [RunColumn] = [.name]
        let known = "the runs table shows run_name, start_time, duration, user_id, source, params.K, metrics.K, tags.K, min(metrics.K), max(metrics.K), metrics.K@STEP"
        for (index, item) in items.enumerated() {
            guard case .string(let text) = item else { throw TOMLError(line: entry.line, "columns: \(item.typeName) is not a column key; quote it") }
            let column: RunColumn
            if text == "source" {
                column = .source
            } else {
                guard let key = try? ColumnKey.parse(text, naming: "columns entry"), let c = RunColumn(columnKey: key) else {
                    throw TOMLError(line: entry.line, "columns entry \(index + 1), '\(text)', is not a column: \(known)")
                }
                column = c
            }
            if !columns.contains(column) { columns.append(column) }
        }
        return columns
    }

    /// `[keys.CONTEXT]` `ACTION = KEYS` (or `keys.CONTEXT.ACTION = KEYS`), `all` for every
    /// context that has the action (but the picker); KEYS a key or an array of keys, `[]` to unbind.
    private static func rebinding(_ entry: TOMLEntry) throws -> KeyTable.Rebinding {
        func bad(_ message: String) -> TOMLError { TOMLError(line: entry.line, message) }
        let name = entry.path.joined(separator: ".")
        let contexts = ["all"] + KeyContext.allCases.map(\.configName)
        guard entry.path.count == 3 else {
            throw bad("\(name): keys go in a table per context, [keys.CONTEXT] then ACTION = KEY (CONTEXT: \(contexts.joined(separator: ", ")))")
        }
        var context: KeyContext?
        if entry.path[1] != "all" {
            guard let c = KeyContext.allCases.first(where: { $0.configName == entry.path[1] }) else {
                throw bad("\(name): unknown context '\(entry.path[1])' (\(contexts.joined(separator: ", ")))")
            }
            context = c
        }
        let action = entry.path.last!
        guard let command = KeyCommand(rawValue: action) else {
            throw bad("\(name): unknown action '\(action)' (mltui keys --config lists every action with its keys)")
        }
        if let context, !Keymap.bindings.contains(where: { $0.context == context && $0.command == command }) {
            let contexts = Keymap.bindings.filter { $0.command == command }.map(\.context.configName)
            throw bad("\(name): \(action) is not an action of \(context.configName) (it is one of \(Array(Set(contexts)).sorted().joined(separator: ", ")))")
        }
        let spellings: [TOMLValue]
        switch entry.value {
        case .string: spellings = [entry.value]
        case .array(let items): spellings = items
        default: throw bad("\(name) takes a key (\"x\", \"Ctrl-X\", \"Enter\") or an array of keys, not \(entry.value.typeName)")
        }
        var keys: [Key] = []
        for spelling in spellings {
            guard case .string(let text) = spelling, let key = Key(spelling: text) else {
                let shown: String
                if case .string(let text) = spelling { shown = "'\(text)'" } else { shown = spelling.typeName }
                throw bad("\(name): \(shown) is not a key (write a character, Ctrl-X, Enter, Esc, Tab, Shift-Tab, Space, Backspace, Delete, Up, Down, Left, Right, PgUp, PgDn, Home, End or F1-F12)")
            }
            if !keys.contains(key) { keys.append(key) }
        }
        return KeyTable.Rebinding(context: context, command: command, keys: keys, line: entry.line)
    }
}

public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
