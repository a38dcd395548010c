import Analysis
import Foundation
import Terminal
import Tracking
import XCTest
@testable import TUI

/// The chart of a grouped runs table, through the reducer and render: one mean line and min–max
/// band per group, the groups and members charted (and the caps), the members toggle, the
/// readout, and exact golden screens at 80×24.
final class GroupedChartTests: XCTestCase {
    /// cnn: 3 runs, mlp: 2 runs (one ends at step 14), one run without the param.
    static let runs: [Run] = [
        Fixtures.run("c1", "cnn-0", params: ["model": "cnn"], metrics: ["loss": 1], offset: 1000),
        Fixtures.run("m1", "mlp-0", params: ["model": "mlp"], metrics: ["loss": 1], offset: 2000),
        Fixtures.run("c2", "cnn-1", params: ["model": "cnn"], metrics: ["loss": 1], offset: 3000),
        Fixtures.run("n1", "bare", metrics: ["loss": 1], offset: 4000),
        Fixtures.run("m2", "mlp-1", params: ["model": "mlp"], metrics: ["loss": 1], offset: 5000),
        Fixtures.run("c3", "cnn-2", params: ["model": "cnn"], metrics: ["loss": 1, "acc": 0.5], offset: 6000),
    ]

    /// Deterministic loss curves over steps 0...20.
    static func values(_ id: String) -> [Double] {
        let k = Double(Int(String(id.last!))! - 1)
        switch id.first! {
        case "c": return (0...20).map { 1 / (1 + 0.25 * Double($0)) + 0.1 * k }
        case "m": return (0...(k == 0 ? 20 : 14)).map { 0.6 + 0.4 * exp(-Double($0) / 5) + 0.15 * k }
        default: return (0...20).map { 0.3 + 0.02 * Double($0) }
        }
    }

    func history(_ values: [Double]) -> [Metric] {
        values.enumerated().map { Metric(key: "loss", value: $1, timestamp: Fixtures.start + Int64($0) * 1000, step: Int64($0)) }
    }

    func loads(_ effects: [Effect]) -> [String] {
        effects.compactMap { if case .loadHistory(_, let id, _, _, _) = $0 { return id } else { return nil } }
    }

    func grouped(_ runs: [Run] = runs, by keys: [ColumnKey] = [.param("model")], width: Int = 80, height: Int = 24) -> (AppState, [Effect]) {
        var state = Fixtures.loadedState(width: width, height: height, runs: runs)
        state.table.view.groupBy = keys
        let effects = state.press(.char("v"))
        return (state, effects)
    }

    func load(_ state: inout AppState, _ ids: [String]) {
        for id in ids {
            _ = reduce(&state, .historyPage(request: state.chartRequest, runID: id,
                                            .success(HistoryPage(metrics: history(Self.values(id)), first: true, done: true))))
        }
    }

    /// The chart of loss, every member loaded.
    func loadedChart(width: Int = 80, height: Int = 24) -> AppState {
        var (state, _) = grouped(width: width, height: height)
        _ = ChartPane.chooseMetric(&state, "loss")
        load(&state, Self.runs.map(\.info.runID))
        return state
    }

    func screen(_ buffer: Buffer) -> String {
        buffer.lines.map { $0 + "|" }.joined(separator: "\n")
    }

    // MARK: - which groups and runs

    func testAGroupedTableChartsEachGroupWithItsMembers() {
        let (state, effects) = grouped()
        let chart = try! XCTUnwrap(state.chart)
        XCTAssertEqual(state.pane, .chart)
        XCTAssertEqual(chart.groups.map(\.label), ["model=cnn (3)", "model=mlp (2)", "model=(none) (1)"])
        XCTAssertEqual(chart.groups.map(\.runIDs), [["c1", "c2", "c3"], ["m1", "m2"], ["n1"]])
        XCTAssertEqual(Set(loads(effects)), Set(Self.runs.map(\.info.runID)), "one history load per member")
        XCTAssertEqual(chart.keys, ["acc", "loss"])
        XCTAssertTrue(render(state).text.contains("Chart · acc · 3 groups · 6 runs · x step"), render(state).text)
    }

    func testMarkedRunsChartTheirGroupsOnly() {
        var state = Fixtures.loadedState(runs: Self.runs)
        state.table.view.groupBy = [.param("model")]
        state.table.marks = ["c1", "m1", "c3"]
        state.press(.char("v"))
        XCTAssertEqual(state.chart?.groups.map(\.label), ["model=cnn (2)", "model=mlp (1)"])
        XCTAssertTrue(render(state).text.contains("of the marked runs"))
    }

    func testGroupsAndMembersAreCapped() {
        // 10 groups, the first with 55 runs.
        var runs = (0..<55).map { Fixtures.run("a\($0)", "a\($0)", params: ["model": "a"], metrics: ["loss": 1]) }
        runs += (1..<10).map { Fixtures.run("g\($0)", "g\($0)", params: ["model": "g\($0)"], metrics: ["loss": 1]) }
        let (state, effects) = grouped(runs)
        let chart = try! XCTUnwrap(state.chart)
        XCTAssertEqual(chart.groups.count, ChartGroup.maxGroups)
        XCTAssertEqual(chart.hiddenGroups, 2)
        XCTAssertEqual(chart.groups[0].label, "model=a (50 of 55)")
        XCTAssertEqual(chart.groups[0].runIDs, (0..<50).map { "a\($0)" }, "the first runs in table order")
        XCTAssertEqual(loads(effects).count, 50 + 7)
        let title = render(state).lines.first { $0.contains("Chart ·") } ?? ""
        XCTAssertTrue(title.contains("showing 8 of 10 groups · 57 runs (≤50 per group)"), title)
    }

    func testTwoKeysNameEveryValue() {
        let runs = [Fixtures.run("r1", "r1", params: ["model": "cnn"], metrics: ["loss": 1], tags: ["team": "a"]),
                    Fixtures.run("r2", "r2", params: ["model": "cnn"], metrics: ["loss": 1])]
        let (state, _) = grouped(runs, by: [.param("model"), .tag("team")])
        XCTAssertEqual(state.chart?.groups.map(\.label), ["model=cnn tags.team=a (1)", "model=cnn tags.team=(none) (1)"])
    }

    // MARK: - bands

    func testAGroupsBandWaitsForAllItsMembers() {
        var (state, _) = grouped()
        _ = ChartPane.chooseMetric(&state, "loss")
        load(&state, ["c1", "c2", "m1", "m2"])
        let chart = try! XCTUnwrap(state.chart)
        XCTAssertEqual(chart.bands.map(\.count), [0, 21, 0], "cnn waits for c3, mlp is complete")
        XCTAssertEqual(chart.bands[1].counts.suffix(7), [2, 1, 1, 1, 1, 1, 1], "mlp-1 ended at step 14")
        load(&state, ["c3", "n1"])
        let bands = state.chart!.bands
        XCTAssertEqual(bands.map(\.members), [3, 2, 1])
        XCTAssertEqual(bands[0].mean[0], (1 + 1.1 + 1.2) / 3, accuracy: 1e-12)
        XCTAssertEqual(bands[0].lo[20], 1.0 / 6, accuracy: 1e-12)
        XCTAssertEqual(bands[0].hi[20], 1.0 / 6 + 0.2, accuracy: 1e-12)
    }

    func testAFailedMemberStillLetsItsGroupDraw() {
        var (state, _) = grouped()
        _ = ChartPane.chooseMetric(&state, "loss")
        load(&state, ["c1", "c2"])
        _ = reduce(&state, .historyPage(request: state.chartRequest, runID: "c3", .failure(MLflowError(.internalError, "boom"))))
        XCTAssertEqual(state.chart?.bands[0].members, 2)
        XCTAssertTrue(render(state).text.contains("✗ cnn-2: boom"))
    }

    func testTransformsRecomputeTheBands() {
        var state = loadedChart()
        state.press(.char("L"))
        XCTAssertEqual(state.chart!.bands[0].line.ys[0], log10((1 + 1.1 + 1.2) / 3), accuracy: 1e-12)
        state.press(.char("x"))
        XCTAssertEqual(state.chart!.bands[0].line.xs[0], Double(Fixtures.start) / 1000)
    }

    func testMembersToggle() {
        var state = loadedChart()
        XCTAssertTrue(state.chart!.memberLines.isEmpty, "off by default")
        state.press(.char("r"))
        XCTAssertEqual(state.chart!.memberLines.map(\.count), [3, 2, 1])
        XCTAssertTrue(render(state).text.contains("members shown"))
        state.press(.char("r"))
        XCTAssertTrue(state.chart!.memberLines.isEmpty)
        // A chart of runs has no members to show, and says what to do.
        var plain = Fixtures.loadedState()
        plain.press(.down, .char("v"), .char("r"))
        XCTAssertEqual(plain.chart?.showMembers, false)
        XCTAssertTrue(plain.message?.contains("group the runs table first") == true, "\(String(describing: plain.message))")
    }

    func testMonoThemeTellsBandAndLineApartByGlyph() throws {
        var state = loadedChart()
        state.theme = try ThemeParser.parse(BuiltinThemes.files["mono"]!)
        let buffer = render(state)
        var band = 0, line = 0
        for y in 0..<buffer.size.height {
            for x in 0..<buffer.size.width {
                let cell = buffer[x, y]
                if cell.text == "░" && y > 5 { band += 1; XCTAssertTrue(cell.style.attributes.contains(.dim)) }
                if let s = cell.text.unicodeScalars.first, (0x2801...0x28FF).contains(s.value) { line += 1 }
            }
        }
        XCTAssertGreaterThan(band, 20, screen(buffer))
        XCTAssertGreaterThan(line, 20, screen(buffer))
    }

    // MARK: - golden screens at 80×24

    func testGoldenGroupedChart() {
        let state = loadedChart()
        XCTAssertEqual(screen(render(state)), """
         mltui file:///store/mlruns                                         ● connected |
        Chart · loss · 3 groups · 6 runs · x step                                       |
        ━━░ model=cnn (3)  last 0.266667 [0.166667…0.366667] @20  min 0.166667  max 1.2 |
        ━━░ model=mlp (2)  last 0.607326 @20  min 0.607326  max 1.15                    |
        ━━░ model=(none) (1)  last 0.7 @20  min 0.3  max 0.7                            |
         1.2┤▒▒                                                                         |
            │⢦⡀▒░░░                                                                     |
         1.0┤▒⠙⡕⠢⢄⡀░░░░░░                                                               |
            │ ░⠈⢆▒⠈⠑⠒⠤⠤⣀⣀░░░░░░░░░                                                      |
            │  ░░⠑⠤⡀▒▒▒░░⠉⠉⠒⠢⠤⢄⣀⣀⡀░░░░░░░░░░░░░░░░░                                     |
         0.8┤   ░░░⠈⠢⢄░░░▒▒░░░░░░⠈⠉⠉⠉⠒⠒⠒⠢⠤⠤⠤⢄⣀⣀⣀⣀⣀⣀⣀░░░░░░░░░░░░░░                      |
            │      ░░░⠉⠒⢄⡀░░░░░░   ░░░░░░░░░░░░░░░░░⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠉⠒⠒⠤⣀░         ⢀⣀⣀⣀⡠⠤⠤⠤⠒⠒ |
         0.6┤        ░░░░⠈⠑⠢⢄⣀⡀░░░░░░░░░               ░░░░⣀⣀⣀⣀⠤⠤⠤⠤⠭⠶⠶⠖⠒⠒⠒⠛⠛⠛⠓⠒⠒⠒⠒⠒⠒⠒⠒⠒ |
            │            ░░░░░⠈⠉⠑⠒⠢⠤⣀⣀░░░░░░⢀⣀⣀⣀⠤⠤⠤⠤⠒⠒⠒⠊⠉⠉⠉                             |
         0.4┤                ⢀⣀⣀⣀⡠⠤⠤⠤⠒⠛⠓⠚⠫⠭⠭⢅⣀⣀⣀░░░░░░░░░░░░░░░░░░░░░░░░░░              |
            │  ⣀⣀⣀⡠⠤⠤⠤⠒⠒⠒⠒⠉⠉⠉⠁     ░░░░░░░░░░░░░⠉⠉⠉⠉⠒⠒⠒⠢⠤⠤⠤⣀⣀⣀⣀⣀⣀⣀⡀░░░░░░░░░░░░░░░░░░░░ |
            │⠉⠉                              ░░░░░░░░░░░░░░░░░░░░░⠈⠉⠉⠉⠉⠉⠉⠉⠒⠒⠒⠒⠒⠒⠒⠢⠤⠤⠤⠤⠤ |
         0.2┤                                                ░░░░░░░░░░░░░░░░░░░░░░░░░░ |
            │                                                                           |
           0┤                                                                           |
            └┴─────────────────┴──────────────────┴─────────────────┴─────────────────┴ |
        step 0                 5                 10                15                20 |
        filter: none  (/ search syntax, t tag chips, f fuzzy)                           |
         Esc back  m metric  x x axis  L log  ] smooth  + zoom           q quit  ? help |
        """)
    }

    func testGoldenGroupedChartWithMembersAndCursor() {
        var state = loadedChart()
        state.press(.char("r"), .char("l"))
        for _ in 0..<12 { state.press(.char("l")) }
        XCTAssertEqual(screen(render(state)), """
         mltui file:///store/mlruns                                         ● connected |
        Chart · loss · 3 groups · 6 runs · x step · members shown                       |
        ━━░ model=cnn (3)  last 0.266667 [0.166667…0.366667] @20  min 0.166667  max 1.2 |
        ━━░ model=mlp (2)  last 0.607326 @20  min 0.607326  max 1.15                    |
        ━━░ model=(none) (1)  last 0.7 @20  min 0.3  max 0.7                            |
         1.2┤⢕⡄                                               │                         |
            │⠦⣀⢳⠢⢄⣀⡀                                          │                         |
         1.0┤⠲⠑⢍⠒⠢⢄⡀⠉⠒⠤⢄⣀⣀                                    │                         |
            │ ⠑⠈⠢⡀⠫⠈⠉⠒⠒⠤⠤⣀⣀⠉⠑⠒⠢⠤⠤⢄⣀⣀⣀                         │                         |
         0.8┤  ⠈⠢⠈⠒⢄⠈⠙⠭⣒⠒⠤⠤⠉⠉⠑⠒⠒⠢⠤⢄⣀⣀⠉⠉⠉⠑⠒⠒⠒⠢⠤⠤⠤⠤⠤⠤⠤⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀⣀░░                       |
            │    ⠈⠒⢄⠑⠢⢄⡀⠉⠒⠤⣀⡈⠉⠑⠒⠒⠢⠤⠤⠤⠉⠉⠉⠉⠉⠉⠉⠑⠒⠒⠒⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⣀⣀⣀⣀⣀⣀░░                  ⣀⣀ |
            │      ░⠑⠢⣀⠈⠑⠢⢄⡀⠈⠉⠑⠒⠢⢄⡀     ⠈⠉⠉⠉⠉⠉⠉⠉⠒⠒⠒⠒⠒⠒⠒⠢⠤⠤⠤⠤⠤⠤⠤⠤⠤⠉⠒⠤⣀⣀⣀⣀⣀⣀⣤⣤⣤⣔⣒⣒⣒⣊⣉⣉⣉⣀⣀ |
         0.6┤          ⠉⠒⠤⣀⠈⠑⠒⠢⠤⢄⣀⡀⠉⠉⠒⠒⠢⠤⢄⣀⣀⡀░      ⣀⣀⣀⡠⠤⠤⠤⠒⠒⠒⠒⠉⠉⠉⠉⠉⠉⠉⠁                 |
            │              ⠉⠑⠢⠤⣀⡀░⠈⠉⠒⣒⣤⣤⣤⣤⣤⣤⡔⠒⠒⠒⠉⠉⠉⠉⠤⠤⠤⠤⠤⠤⠤⣀⣀⣀⣀░                        |
         0.4┤     ⢀⣀⣀⣀⣀⣀⣀⣀⠤⠤⠤⠔⠒⠒⠒⠊⠉⠉⠉⠤⠤⢄⣀⡀░░⠈⠉⠉⠉⠒⠒⠒⠒⠤⠤⠤⢄⣀⣀⣀░░░░⠉⠉⠉⠉⠉⠉⠉⠑⠒⠒⠒⠒⠒⠒⠢⠤⠤⠤⠤⠤⠤⠤⠤⠤ |
            │⠒⠒⠉⠉⠉⠁                      ⠈⠉⠉⠑⠒⠒⠒⠤⠤⠤⠤⣀⣀⣀⡀░░░⠉⠉⠉⠉⠉⠉⠉⠑⠒⠒⠒⠒⠒⠒⠒⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⠤⣀⣀ |
         0.2┤                                          ⠈⠉⠉⠉⠉⠉⠉⠉⠒⠒⠒⠒⠒⠒⠒⠢⠤⠤⠤⠤⠤⠤⢄⣀⣀⣀⣀⣀⣀⣀⣀⣀ |
            │                                                 │                         |
           0┤                                                 │                         |
            └┴─────────────────┴──────────────────┴───────────▲─────┴─────────────────┴ |
        step 0                 5                 10                15                20 |
        ▲ step 13 │ cnn 0.3353 [0.2353…0.4353] │ mlp 0.7047 [0.6297…0.7797] │ (none) 0.5|
        filter: none  (/ search syntax, t tag chips, f fuzzy)                           |
         Esc back  m metric  x x axis  L log  ] smooth  + zoom           q quit  ? help |
        """)
    }

    func testGoldenGroupedChartInBlocks() {
        // Header, legend and footer as in testGoldenGroupedChart: the plot and its axes here.
        var state = loadedChart()
        state.chart!.glyphs = .blocks
        XCTAssertEqual(render(state).lines[5..<22].map { $0 + "|" }.joined(separator: "\n"), """
         1.2┤▒                                                                          |
            │█▄▒░░                                                                      |
         1.0┤▒▀█▄▄░░░░░░                                                                |
            │ ░▀▄▒▀▀▀▀▄▄▄▄░░░░░░░                                                       |
            │  ░░▀▄▄▒▒▒░░░▀▀▀▄▄▄▄░░░░░░░░░░░░░░░░░                                      |
         0.8┤   ░░░░▀▄░░░▒░░░░░░░▀▀▀▀▀▀▀▄▄▄▄▄▄▄▄▄▄▄▄░░░░░░░░░░░░░░                      |
            │      ░░░▀▀▄░░░░░░░   ░░░░░░░░░░░░░░░░░▀▀▀▀▀▀▀▀▀▀▀▀▀▄▄░         ▄▄▄▄▄▄▄▄▀▀ |
         0.6┤         ░░░▀▀▄▄░░░░░░░░░░                ░░░░▄▄▄▄▄▄▄▄███▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀ |
            │            ░░░░▀▀▀▀▄▄▄▄░░░░░░░▄▄▄▄▄▄▄▄▀▀▀▀▀▀▀                             |
         0.4┤                ▄▄▄▄▄▄▄▄▀▀▀████▄▄▄▄░░░░░░░░░░░░░░░░░░░░░░░░░░░             |
            │  ▄▄▄▄▄▄▄▀▀▀▀▀▀▀       ░░░░░░░░░░░░▀▀▀▀▀▀▀▄▄▄▄▄▄▄▄▄▄▄▄▄▄▄░░░░░░░░░░░░░░░░░ |
            │▀▀                               ░░░░░░░░░░░░░░░░░░░░░░░░▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▄▄ |
         0.2┤                                                  ░░░░░░░░░░░░░░░░░░░░░░░░ |
            │                                                                           |
           0┤                                                                           |
            └┴─────────────────┴──────────────────┴─────────────────┴─────────────────┴ |
        step 0                 5                 10                15                20 |
        """)
    }
}
