import Foundation
import Terminal
import TestSupport
@testable import TUI
import XCTest

/// Each text is refused with its message (`exactly`), or with a message starting so.
func assertRefused(_ cases: [(text: String, message: String)], exactly: Bool, _ parse: (String) throws -> Void,
                   file: StaticString = #filePath, line: UInt = #line) {
    for (text, message) in cases {
        XCTAssertThrowsError(try parse(text), text, file: file, line: line) { error in
            let said = "\(error)"
            XCTAssertTrue(exactly ? said == message : said.hasPrefix(message), "\(text): \(said)", file: file, line: line)
        }
    }
}

/// The config file's TOML subset: what it reads, and that what it refuses names the line.
final class TOMLSubsetTests: XCTestCase {
    func testReadsTablesDottedKeysStringsNumbersAndArrays() throws {
        let entries = try TOMLSubset.parse("""
            # comment
            theme = "light"   # trailing comment with "quotes"
            refresh = 2.5
            big = 1_000
            on = true
            list = [
              "a",  # first
              'b\\n',
              "c\\"d\\u00e9",
            ]
            [keys]
            sort = "o"
            runs.sort = ["w", "Ctrl-S"]
            [keys."model_pages"]
            back = []
            """)
        XCTAssertEqual(entries.map(\.path), [["theme"], ["refresh"], ["big"], ["on"], ["list"], ["keys", "sort"], ["keys", "runs", "sort"],
                                             ["keys", "model_pages", "back"]])
        XCTAssertEqual(entries.map(\.line), [2, 3, 4, 5, 6, 12, 13, 15])
        XCTAssertEqual(entries[0].value, .string("light"))
        XCTAssertEqual(entries[1].value, .float(2.5))
        XCTAssertEqual(entries[2].value, .integer(1000))
        XCTAssertEqual(entries[3].value, .bool(true))
        XCTAssertEqual(entries[4].value, .array([.string("a"), .string("b\\n"), .string("c\"dé")]))
        XCTAssertEqual(entries[6].value, .array([.string("w"), .string("Ctrl-S")]))
        XCTAssertEqual(entries[7].value, .array([]))
    }

    func testWindowsLineEndsAndHashesInsideStrings() throws {
        let entries = try TOMLSubset.parse("theme = \"my#theme\" # a comment\r\nstore = 'C:\\mlruns' \r\n")
        XCTAssertEqual(entries.map(\.value), [.string("my#theme"), .string("C:\\mlruns")])
        XCTAssertEqual(entries.map(\.line), [1, 2])
    }

    func testErrorsNameTheLine() {
        let cases: [(String, String)] = [
            ("a = 1\na = 2", "line 2: a is already set on line 1"),
            ("[keys]\n[keys]", "line 2: table [keys] is already defined on line 1"),
            ("\n\ntheme = \"light", "line 3: the string is not closed with \""),
            ("theme = light", "line 1: 'light' is not a value: quote strings (\"...\"); numbers, true and false go bare"),
            ("x = { a = 1 }", "line 1: inline tables ({ ... }) are not used in config.toml"),
            ("[[keys]]", "line 1: array tables ([[...]]) are not used in config.toml"),
            ("theme = \"a\" \"b\"", "line 1: unexpected text after the value: write one key = value per line"),
            ("x = [1, 2", "line 1: the array is not closed with ]"),
            ("x = 1__0", "line 1: '1__0' is not a value: quote strings (\"...\"); numbers, true and false go bare"),
            ("= 3", "line 1: unexpected '=' where a key was expected"),
            ("x = \"\\q\"", "line 1: unknown escape \\q in a string"),
            ("x = 0x10", "line 1: '0x10' is not a value: quote strings (\"...\"); numbers, true and false go bare"),
            ("a = 1\r\nb =\r\n", "line 2: a value was expected after ="),
        ]
        assertRefused(cases, exactly: true) { _ = try TOMLSubset.parse($0) }
    }
}

final class UserConfigTests: XCTestCase {
    func testSettingsAndColumns() throws {
        let config = try UserConfig.parse("""
            theme = "mono"
            refresh = 0
            mouse = false
            store = "http://tracking:5000"
            columns = ["metrics.accuracy", "params.lr", "source", "max(metrics.acc)", "duration", "run_name"]
            """)
        XCTAssertEqual(config.theme, "mono")
        XCTAssertEqual(config.refresh, 0)
        XCTAssertEqual(config.mouse, false)
        XCTAssertEqual(config.store, "http://tracking:5000")
        XCTAssertEqual(config.columns, [.name, .metric("accuracy"), .param("lr"), .source, .best(.max, "acc"), .duration])
        XCTAssertEqual(config.keys, Keymap.standard)
    }

    func testWrongSettingsAreRefusedWithTheirLine() {
        let cases: [(String, String)] = [
            ("thme = \"light\"", "line 1: unknown setting thme"),
            ("refresh = -1", "line 1: refresh takes a number 0-86400: seconds (0 turns live refresh off)"),
            ("refresh = \"5\"", "line 1: refresh takes a number 0-86400"),
            ("[alerts]\nnotify = \"beep\"", "line 2: alerts.notify takes \"none\", \"bell\", \"osc9\", \"osc777\""),
            ("[alerts]\nstall_factor = 0.5", "line 2: alerts.stall_factor takes a number 1-1000"),
            ("[alerts]\nsnooze = 1", "line 2: unknown setting alerts.snooze"),
            ("theme = 3", "line 1: theme takes a quoted string, not an integer"),
            ("\ncolumns = [\"run_id\"]", "line 2: columns entry 1, 'run_id', is not a column: the runs table shows run_name, start_time,"),
            ("columns = [\"run_name\", \"metrics.\"]", "line 1: columns entry 2, 'metrics.', is not a column"),
            ("theme = \"lihgt\"", "line 1: theme 'lihgt' is not a built-in theme (colorblind, dark, high-contrast, light, mono); a theme file is named by its path"),
            ("columns = \"metrics.loss\"", "line 1: columns takes an array"),
            ("[keys.all]\nsortt = \"o\"", "line 2: keys.all.sortt: unknown action 'sortt'"),
            ("[keys]\nsort = \"o\"", "line 2: keys.sort: keys go in a table per context, [keys.CONTEXT] then ACTION = KEY (CONTEXT: all, global, experiments,"),
            ("[keys.runz]\nsort = \"o\"", "line 2: keys.runz.sort: unknown context 'runz'"),
            ("[keys.experiments]\nchart = \"o\"", "line 2: keys.experiments.chart: chart is not an action of experiments"),
            ("[keys.runs]\nsort = \"Ctl-x\"", "line 2: keys.runs.sort: 'Ctl-x' is not a key"),
            ("[keys.runs]\nsort = 5", "line 2: keys.runs.sort takes a key"),
            ("[keys.global]\nhelp = \"?\"\n[keys.runs]\nsort = \"t\"", "line 4: keys: runs: t is bound to both tagPicker and sort; rebind one of them too"),
            ("[keys.global]\nquit = \"Esc\"", "line 2: keys: "),
            ("[keys.runs]\nsort = \"Ctrl-I\"", "line 2: keys: runs: Tab is bound to both focusNext and sort"),
        ]
        assertRefused(cases, exactly: false) { _ = try UserConfig.parse($0) }
    }

    /// The example in docs/configuration.md is a config mltui takes.
    func testTheDocumentedExampleIsAccepted() throws {
        let doc = try String(contentsOf: RepoLayout.root.appendingPathComponent("docs/configuration.md"), encoding: .utf8)
        guard let start = doc.range(of: "```toml\n"), let end = doc.range(of: "\n```", range: start.upperBound..<doc.endIndex) else {
            return XCTFail("docs/configuration.md has no ```toml block")
        }
        let config = try UserConfig.parse(String(doc[start.upperBound..<end.lowerBound]))
        XCTAssertEqual(config.keys.command(for: .char("w"), in: .runs), .sort)
        XCTAssertEqual(config.keys.command(for: .function(1), in: .details), .help)
        XCTAssertNotNil(config.columns)
    }

    func testLoadNamesTheFileInItsErrorsAndExpandsHome() throws {
        let home = NSTemporaryDirectory() + "mltui-config-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: home + "/.config/mltui", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: home) }
        let missing = try UserConfig.load(environment: ["HOME": home])
        XCTAssertFalse(missing.exists)
        XCTAssertEqual(missing.path, home + "/.config/mltui/config.toml")
        try "store = \"~/mlruns\"\n".write(toFile: home + "/.config/mltui/config.toml", atomically: true, encoding: .utf8)
        XCTAssertEqual(try UserConfig.load(environment: ["HOME": home]).store, home + "/mlruns")
        try "store = 1\n".write(toFile: home + "/.config/mltui/config.toml", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try UserConfig.load(environment: ["HOME": home])) { error in
            XCTAssertEqual("\(error)", home + "/.config/mltui/config.toml: line 1: store takes a quoted string, not an integer")
        }
        // XDG_CONFIG_HOME wins over HOME; a relative one is ignored, as the XDG spec says.
        XCTAssertEqual(UserConfig.path(environment: ["HOME": home, "XDG_CONFIG_HOME": "/x"]), "/x/mltui/config.toml")
        XCTAssertEqual(UserConfig.path(environment: ["HOME": home, "XDG_CONFIG_HOME": "x"]), home + "/.config/mltui/config.toml")
    }
}

final class KeyRebindingTests: XCTestCase {
    func testAContextSpecificRebindingWinsAndThePickerKeepsItsLetters() throws {
        let config = try UserConfig.parse("""
            [keys.all]
            moveDown = ["J", "Down"]
            sort = "w"
            [keys.runs]
            sort = ["W", "F5"]
            """)
        let keys = config.keys
        XCTAssertEqual(keys.command(for: .char("W"), in: .runs), .sort)
        XCTAssertEqual(keys.command(for: .function(5), in: .runs), .sort)
        XCTAssertNil(keys.command(for: .char("s"), in: .runs), "the old key is free")
        XCTAssertNil(keys.command(for: .char("w"), in: .runs))
        XCTAssertEqual(keys.command(for: .char("J"), in: .details), .moveDown)
        XCTAssertNil(keys.command(for: .char("j"), in: .details))
        // The picker's letters type into its query: only [keys.picker] rebinds there.
        XCTAssertNil(keys.command(for: .char("J"), in: .picker))
        XCTAssertEqual(keys.command(for: .down, in: .picker), .moveDown)
        XCTAssertEqual(config.reboundActions, 3)
        // The footer and the overlay read the new keys.
        XCTAssertTrue(keys.footerHints(for: .runs).contains { $0 == ("W", "sort") })
        XCTAssertEqual(keys.label(.sort, in: .runs), "W")
    }

    func testUnbindingRemovesTheKeyFromFooterAndRouter() throws {
        let keys = try UserConfig.parse("[keys.runs]\ncompare = []\n").keys
        XCTAssertNil(keys.command(for: .char("c"), in: .runs))
        XCTAssertFalse(keys.footerHints(for: .runs).contains { $0.help == "compare" })
        XCTAssertEqual(keys.label(.compare, in: .runs), "(unbound)")
    }

    /// In the picker letters type into the query, so a global letter never acts there and
    /// the picker may take it; elsewhere the same key is refused.
    func testThePickerMayTakeAGlobalLetter() throws {
        XCTAssertEqual(try UserConfig.parse("[keys.picker]\nback = [\"Esc\", \"q\"]\n").keys.command(for: .char("q"), in: .picker), .back)
        XCTAssertThrowsError(try UserConfig.parse("[keys.runs]\nsort = \"q\"\n"))
    }

    func testKeySpellings() {
        let cases: [(String, Key?)] = [
            ("x", .char("x")), ("?", .char("?")), ("Ctrl-X", .ctrl("x")), ("ctrl+r", .ctrl("r")), ("C-a", .ctrl("a")), ("^D", .ctrl("d")),
            ("Enter", .enter), ("return", .enter), ("Esc", .escape), ("Tab", .tab), ("Shift-Tab", .backTab), ("Space", .char(" ")),
            ("Backspace", .backspace), ("Delete", .delete), ("Up", .up), ("↓", .down), ("PgUp", .pageUp), ("PageDown", .pageDown),
            ("Home", .home), ("End", .end), ("F1", .function(1)), ("F12", .function(12)), ("é", .char("é")),
            ("Ctrl-H", .backspace), ("Ctrl-I", .tab), ("Ctrl-M", .enter), ("Ctrl-J", .enter),
            ("F13", nil), ("Ctrl-1", nil), ("", nil), (" ", nil), ("ab", nil), ("Ctl-x", nil),
        ]
        for (spelling, key) in cases { XCTAssertEqual(Key(spelling: spelling), key, spelling) }
    }

    /// `mltui keys --config` prints a config that, read back, is the built-in table.
    func testTheConfigTextReadsBackAsTheSameTable() throws {
        let text = Keymap.standard.configText()
        XCTAssertTrue(text.contains("[keys.runs]\n"), text)
        XCTAssertTrue(text.contains("sort = \"s\""), text)
        let config = try UserConfig.parse(text)
        XCTAssertEqual(config.keys, Keymap.standard)
        let rebound = try UserConfig.parse(text.replacingOccurrences(of: "sort = \"s\"", with: "sort = \"w\"")).keys
        XCTAssertEqual(rebound.command(for: .char("w"), in: .runs), .sort)
    }
}
