import Foundation
import Terminal

/// Every place the UI draws with a colour names one of these roles; a theme maps each to a style.
public enum ThemeRole: String, CaseIterable, Sendable {
    case base, header, header_dim, footer, footer_key, pane_title, pane_title_focus
    case column_header, column_selected, selected, selected_inactive, marked, dim, label, link
    case section, error, warning, ok, chip, filter, input, diff, overlay, overlay_border
    case status_running, status_scheduled, status_finished, status_failed, status_killed
}

public struct Theme: Equatable, Sendable {
    public var name: String
    public var styles: [ThemeRole: Style]

    public subscript(_ role: ThemeRole) -> Style { styles[role] ?? styles[.base] ?? .plain }

    /// The built-in dark theme (identical to themes/dark.toml; a test keeps them in sync).
    public static let defaultTheme: Theme = try! ThemeParser.parse(BuiltinThemes.files["dark"]!)
}

/// Parses the theme format: a TOML subset with top-level `name = "..."` and a `[styles]`
/// table of inline tables (documented in themes/README.md). Errors name the line.
public enum ThemeParser {
    public static func parse(_ text: String) throws -> Theme {
        var name = "custom"
        var styles: [ThemeRole: Style] = [:]
        var section = ""
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = index + 1
            let line = stripComment(String(rawLine)).trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else { throw ThemeError("line \(lineNumber): unterminated table header") }
                section = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                guard section == "styles" else { throw ThemeError("line \(lineNumber): unknown table [\(section)] (only [styles])") }
                continue
            }
            guard let eq = line.firstIndex(of: "=") else { throw ThemeError("line \(lineNumber): expected key = value") }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if section.isEmpty {
                guard key == "name" else { throw ThemeError("line \(lineNumber): unknown key '\(key)'") }
                name = try parseString(value, line: lineNumber)
            } else {
                guard let role = ThemeRole(rawValue: key) else {
                    throw ThemeError("line \(lineNumber): unknown style '\(key)'")
                }
                styles[role] = try parseStyle(value, line: lineNumber)
            }
        }
        return Theme(name: name, styles: styles)
    }

    private static func stripComment(_ line: String) -> String {
        var inString = false
        for (i, c) in line.enumerated() {
            if c == "\"" { inString.toggle() }
            if c == "#" && !inString { return String(line.prefix(i)) }
        }
        return line
    }

    private static func parseString(_ value: String, line: Int) throws -> String {
        guard value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") else {
            throw ThemeError("line \(line): expected a quoted string, got \(value)")
        }
        return String(value.dropFirst().dropLast())
    }

    private static func parseStyle(_ value: String, line: Int) throws -> Style {
        guard value.hasPrefix("{"), value.hasSuffix("}") else {
            throw ThemeError("line \(line): expected an inline table like { fg = \"red\", bold = true }")
        }
        var style = Style()
        let body = value.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
        if body.isEmpty { return style }
        for field in body.split(separator: ",") {
            let parts = field.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { throw ThemeError("line \(line): expected key = value in '\(field)'") }
            let (key, raw) = (parts[0], parts[1])
            switch key {
            case "fg": style.fg = try parseColor(raw, line: line)
            case "bg": style.bg = try parseColor(raw, line: line)
            case "bold", "dim", "underline", "reverse", "italic":
                guard raw == "true" || raw == "false" else { throw ThemeError("line \(line): \(key) must be true or false") }
                let attribute: Attributes = ["bold": .bold, "dim": .dim, "underline": .underline,
                                             "reverse": .reverse, "italic": .italic][key]!
                if raw == "true" { style.attributes.insert(attribute) }
            default: throw ThemeError("line \(line): unknown style field '\(key)'")
            }
        }
        return style
    }

    static let colorNames = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]

    static func parseColor(_ raw: String, line: Int) throws -> Color {
        if let n = Int(raw) {
            guard (0...255).contains(n) else { throw ThemeError("line \(line): colour index \(n) is outside 0-255") }
            return n < 16 ? .ansi(UInt8(n)) : .indexed(UInt8(n))
        }
        let text = try parseString(raw, line: line).lowercased()
        if text == "default" { return .default }
        if let i = colorNames.firstIndex(of: text) { return .ansi(UInt8(i)) }
        if text.hasPrefix("bright-"), let i = colorNames.firstIndex(of: String(text.dropFirst(7))) { return .ansi(UInt8(i + 8)) }
        if text.hasPrefix("#"), text.count == 7, let v = UInt32(text.dropFirst(), radix: 16) {
            return .rgb(UInt8(v >> 16), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF))
        }
        throw ThemeError("line \(line): unknown colour \(raw) (use \"default\", a name, 0-255 or \"#rrggbb\")")
    }
}

public struct ThemeError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Finds a theme by name or path: the built-in copies of themes/*.toml, then files.
public enum ThemeLoader {
    /// A theme name (`light`) or a file path (`./my.toml`). Names look in `directories` first,
    /// so a user can override a built-in theme.
    public static func load(_ nameOrPath: String, directories: [String]) throws -> Theme {
        let fm = FileManager.default
        if nameOrPath.contains("/") || nameOrPath.hasSuffix(".toml") {
            return try loadFile(nameOrPath)
        }
        for dir in directories {
            let path = (dir as NSString).appendingPathComponent(nameOrPath + ".toml")
            if fm.fileExists(atPath: path) { return try loadFile(path) }
        }
        if let text = BuiltinThemes.files[nameOrPath] { return try ThemeParser.parse(text) }
        let known = BuiltinThemes.files.keys.sorted().joined(separator: ", ")
        throw ThemeError("theme '\(nameOrPath)' not found (built-in: \(known))")
    }

    static func loadFile(_ path: String) throws -> Theme {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ThemeError("theme file \(path) cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw ThemeError("theme file \(path) is not UTF-8") }
        do { return try ThemeParser.parse(text) } catch let error as ThemeError {
            throw ThemeError("theme file \(path): \(error.description)")
        }
    }

    /// The theme the options, MLTUI_THEME or the config file ask for, and a warning line when
    /// it could not be used (the default theme is returned then).
    public static func resolve(_ options: TUIOptions) -> (Theme, String?) {
        let requested = options.theme ?? options.environment["MLTUI_THEME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? options.config.theme
        guard let requested else { return (.defaultTheme, nil) }
        do { return (try load(requested, directories: options.themeDirectories), nil) }
        catch { return (.defaultTheme, "\(error); using the default theme") }
    }
}
