import Foundation
import XCTest
import Terminal
@testable import TUI

final class KeymapTests: XCTestCase {
    func testNoTwoBindingsCollideInOneContext() {
        XCTAssertEqual(Keymap.collisions(), [])
    }

    func testCollisionCheckCatchesADuplicate() {
        // The check itself must be able to fail: a global key reused in a context is a collision.
        let table = Keymap.bindings + [KeyBinding(keys: [.char("q")], context: .runs, command: .sort, help: "x", footer: nil)]
        XCTAssertFalse(Keymap.collisions(in: table).isEmpty)
    }

    func testMarkdownTableListsEveryBindingOnceGroupedByPane() {
        let table = Keymap.markdownTable()
        let rows = table.split(separator: "\n").filter { $0.hasPrefix("| `") }
        // List movement is listed once for every list; every other binding once under its pane.
        let movement = Keymap.bindings.filter { $0.command.isListMovement }
        XCTAssertEqual(rows.count, Keymap.bindings.count - movement.count + 6)
        XCTAssertTrue(table.contains("**Runs**\n\n| Key | Action |\n|---|---|\n| `Enter` | run details |"))
        XCTAssertTrue(table.contains("| `Space` | mark/unmark run (c and v then act on the marked runs) |"))
        XCTAssertEqual(rows.filter { $0.hasSuffix("| down |") }.count, 1)
        for binding in Keymap.bindings where !binding.command.isListMovement {
            XCTAssertTrue(rows.contains { $0.hasSuffix("| \(binding.help) |") }, binding.help)
        }
    }

    func testEachSliceBindsOnlyInItsOwnContextAndMovementComesFromTheListRows() {
        for slice in Keymap.slices {
            let contexts = Set(slice.bindings.map(\.context))
            XCTAssertEqual(contexts.count, 1, "\(slice.title) binds in \(contexts)")
            XCTAssertFalse(slice.bindings.contains { $0.command.isListMovement }, slice.title)
        }
        XCTAssertEqual(Keymap.command(for: .char("j"), in: .details), .moveDown)
        XCTAssertEqual(Keymap.command(for: .down, in: .picker), .moveDown)
    }

    func testEveryPaneHasFooterHintsAndCommandsResolve() {
        for context in [KeyContext.experiments, .runs, .details, .compare, .picker] {
            XCTAssertFalse(Keymap.footerHints(for: context).isEmpty, "\(context)")
        }
        XCTAssertEqual(Keymap.command(for: .char("q"), in: .runs), .quit)
        XCTAssertEqual(Keymap.command(for: .char("t"), in: .runs), .tagPicker)
        XCTAssertEqual(Keymap.command(for: .char("t"), in: .experiments), nil)
        XCTAssertEqual(Keymap.command(for: .char("j"), in: .picker), nil, "letters narrow the picker")
    }
}

final class ThemeTests: XCTestCase {
    static let themesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("themes").path

    func testEveryThemeFileParsesAndDefinesEveryRole() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.themesDirectory).filter { $0.hasSuffix(".toml") }
        XCTAssertGreaterThanOrEqual(files.count, 5)
        for file in files {
            let theme = try ThemeLoader.load(Self.themesDirectory + "/" + file, directories: [])
            for role in ThemeRole.allCases { XCTAssertNotNil(theme.styles[role], "\(file) lacks \(role)") }
        }
    }

    func testBuiltinCopiesMatchTheFiles() throws {
        for (name, text) in BuiltinThemes.files {
            let file = try String(contentsOfFile: Self.themesDirectory + "/\(name).toml", encoding: .utf8)
            XCTAssertEqual(text.trimmingCharacters(in: .whitespacesAndNewlines), file.trimmingCharacters(in: .whitespacesAndNewlines),
                           "run themes/embed-themes.sh")
        }
        XCTAssertEqual(Set(BuiltinThemes.files.keys), ["dark", "light", "high-contrast", "colorblind", "mono"])
    }

    func testParsesColoursAndAttributes() throws {
        let theme = try ThemeParser.parse("""
        name = "t"  # comment
        [styles]
        selected = { fg = "#ff0000", bg = 236, bold = true, underline = true }
        error = { fg = "bright-red" }
        """)
        XCTAssertEqual(theme.name, "t")
        XCTAssertEqual(theme[.selected], Style(fg: .rgb(255, 0, 0), bg: .indexed(236), attributes: [.bold, .underline]))
        XCTAssertEqual(theme[.error].fg, .ansi(9))
        XCTAssertEqual(theme[.link], theme[.base], "a missing role falls back to base")
    }

    func testMalformedThemesNameTheLine() {
        XCTAssertThrowsError(try ThemeParser.parse("[styles]\nselected = { fg = \"mauve\" }")) {
            XCTAssertTrue(String(describing: $0).contains("line 2: unknown colour"), "\($0)")
        }
        XCTAssertThrowsError(try ThemeParser.parse("[styles]\nbogus = { }")) {
            XCTAssertTrue(String(describing: $0).contains("unknown style 'bogus'"))
        }
        XCTAssertThrowsError(try ThemeParser.parse("[styles]\nerror = red")) {
            XCTAssertTrue(String(describing: $0).contains("line 2"))
        }
    }

    func testMissingOrBrokenThemeFallsBackWithAMessage() throws {
        let (theme, warning) = ThemeLoader.resolve(TUIOptions(theme: "nope", environment: [:]))
        XCTAssertEqual(theme, .defaultTheme)
        XCTAssertEqual(warning, "theme 'nope' not found (built-in: colorblind, dark, high-contrast, light, mono); using the default theme")
        let dir = NSTemporaryDirectory() + "mltui-theme-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "[styles]\nheader = {".write(toFile: dir + "/broken.toml", atomically: true, encoding: .utf8)
        let (fallback, message) = ThemeLoader.resolve(TUIOptions(theme: "broken", themeDirectories: [dir], environment: [:]))
        XCTAssertEqual(fallback, .defaultTheme)
        XCTAssertTrue(message?.contains("broken.toml: line 2") ?? false, message ?? "nil")
    }

    func testThemeChosenByEnvironmentThenConfigFile() throws {
        XCTAssertEqual(ThemeLoader.resolve(TUIOptions(environment: ["MLTUI_THEME": "light"])).0.name, "light")
        let home = NSTemporaryDirectory() + "mltui-home-\(getpid())"
        try FileManager.default.createDirectory(atPath: home + "/.config/mltui", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: home) }
        try "theme = \"mono\"\n".write(toFile: home + "/.config/mltui/config.toml", atomically: true, encoding: .utf8)
        let config = try UserConfig.load(environment: ["HOME": home])
        XCTAssertEqual(ThemeLoader.resolve(TUIOptions(environment: ["HOME": home], config: config)).0.name, "mono")
        XCTAssertEqual(ThemeLoader.resolve(TUIOptions(environment: ["HOME": home, "MLTUI_THEME": "light"], config: config)).0.name, "light")
        XCTAssertEqual(ThemeLoader.resolve(TUIOptions(theme: "high-contrast", environment: ["HOME": home], config: config)).0.name, "high-contrast")
    }
}

/// The `?` overlay wraps each help to its box instead of cutting it: every word of every help
/// of the context is on screen, at 80 columns and at 200.
final class HelpOverlayWrapTests: XCTestCase {
    func testEveryHelpIsShownWhole() {
        for width in [80, 200] {
            var state = Fixtures.loadedState(width: width, height: 200, runs: RunsGroupingTests.runs)
            state.press(.char("?"))
            let text = render(state).text
            for binding in Keymap.bindings where binding.context == .runs {
                for word in binding.help.split(separator: " ") {
                    XCTAssertTrue(text.contains(word), "width \(width): '\(word)' of '\(binding.help)'")
                }
            }
            let lines = state.help!.lines(width: HelpOverlay.boxWidth(state.size), keys: state.keys)
            XCTAssertTrue(lines.contains { $0.keys.isEmpty && !$0.isSection }, "long helps continue on lines of their own")
        }
    }
}
