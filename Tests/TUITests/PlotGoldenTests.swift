import Analysis
import Terminal
import XCTest
@testable import TUI

/// Golden screens of the scatter and parallel-coordinates panes at 80×24: every row, every
/// column ("|" ends each row so trailing blanks count). Runs: `PlotFixtures`.
final class PlotGoldenTests: XCTestCase {
    func screen(_ state: AppState) -> String {
        let buffer = render(state)
        return (0..<buffer.size.height).map { y in
            var line = ""
            for x in 0..<buffer.size.width where !buffer[x, y].isContinuation { line += buffer[x, y].text }
            return line + "|"
        }.joined(separator: "\n")
    }

    func testGroupedScatterWithLegendCursorAndLeftOutRuns() {
        var state = PlotFixtures.state()
        state.table.columns.append(.metric("f1"))
        state.table.view.groupBy = [.param("model")]
        state.press(.char("V"))
        state.press(.char("l"), .char("l"))
        XCTAssertEqual(screen(state), """
         mltui file:///store/mlruns                                         ● connected |
        Scatter · y metrics.f1 · x params.lr · 8 shown runs · grouped by params.model   |
        ⣿ cnn 2  ⣿ mlp 2  ⣿ xgb 2  ⣿ (none) 2                                           |
        0.85▶       ◆⠃                                                                  |
            │                                                                           |
        0.80┤                                                                         ⣤ |
            │       ⢠⡄                                                                  |
            │                                                                           |
        0.75┤⠘⠃                                                                         |
            │                                                                           |
        0.70┤                                                                         ⣤ |
            │                                                                           |
        0.65┤                                                                           |
            │                                                                           |
            │                                                                           |
        0.60┤                                                                         ⠶ |
            │                                                                           |
        0.55┤                                                                           |
            └┴──────▲──────┴──────────────┴──────────────┴──────────────┴─────────────┴ |
             0           0.02           0.04           0.06           0.08          0.10|
        ◆ cnn-slow · params.lr 0.01 · metrics.f1 0.85 · cnn                             |
        not plotted: 1 run lacks params.lr · 1 run has NaN or ±inf metrics.f1           |
        filter: none  (/ search syntax, t tag chips, f fuzzy)                           |
         Esc back  Enter details  x axis  y metric  L log x  l cursor    q quit  ? help |
        """)
    }

    func testScatterOverACategoricalParam() {
        var state = PlotFixtures.state()
        state.press(.char("V"), .char("x"))
        state.type("params.model")
        state.press(.enter, .char("y"))
        state.type("metrics.loss")
        state.press(.enter, .char("l"))
        XCTAssertEqual(screen(state), """
         mltui file:///store/mlruns                                         ● connected |
        Scatter · y metrics.loss · x params.model · 8 shown runs                        |
        0.60▶                                     ◆                                     |
            │                                                                           |
        0.55┤                                     ⠶                                     |
            │                                                                           |
        0.50┤            ⢠⡄                                                             |
            │                                                                           |
        0.45┤                                                             ⢀⡀            |
            │                                                             ⠈⠁            |
            │                                                                           |
        0.40┤            ⠘⠃                                                             |
            │                                                                           |
        0.35┤                                                                           |
            │                                                                           |
        0.30┤                                                             ⢠⡄            |
            │                                                                           |
        0.25┤                                                                           |
            └────────────┴────────────────────────▲───────────────────────┴──────────── |
                        cnn                      mlp                     xgb            |
        ◆ mlp-fast · params.model mlp · metrics.loss 0.6                                |
        not plotted: 2 runs lack params.model                                           |
        filter: none  (/ search syntax, t tag chips, f fuzzy)                           |
         Esc back  Enter details  x axis  y metric  L log x  l cursor    q quit  ? help |
        """)
    }

    func testParallelCoordinatesWithCategoricalAxesAndAHighlightedRun() {
        var state = PlotFixtures.state()
        state.press(.char("P"), .char("j"), .char("l"))
        XCTAssertEqual(screen(state), """
         mltui file:///store/mlruns                                         ● connected |
        Parallel coordinates · 8 shown runs · 5 axes · colour metrics.loss              |
        lr                model             optimizer             f1                loss|
        0.1                                                       0.9               0.65|
        ⠑⢦⣀                 │                   │                  ⠑⡄                  ⠁|
        │ ⠑⢕⠢⣀              │                   │                  │⠈⢢                 ⡀|
        │  ⠈⠢⡀⠉⠢⢄         ⢀⠔⠉xgb⠒⠒⠤⠤⠤⠤⣀⣀⣀⣀      │      ⢀⣀⣀⣀⣀⠤⠤⠤⠤⠤⠒⠒⠢⢄ ⠑⢄            ⡠⠔⠉│|
        │    ⠈⠢⡀ ⠉⠢⢄    ⢀⠔⠁ │             ⠉⠉⠉⠉⢀⠤⠒sgd⠉⠉⠉⠁           │ ⠉⠢⢄⠢⡀       ⡠⠔⠉  ⢀⡀|
        │      ⠈⠢⡀  ⠉⠢⣤⠒⠁   │               ⡠⠒⠁ │      ⠉⠉⠑⠒⠒⠢⠤⠤⣀⣀⣀⠤⠒⠒⠤⠤⠤⠉⠢⢄⣀⣀ ⡠⣔⣉⠤⠔⠒⠊⠉⠁│|
        │        ⠈⢆ ⡠⠊ ⠉⠒⢄⡀ │            ⣀⠔⠉    │            ⢀⡠⠒⠉ ⠉⠉⠑⠒⠢⠤⣤⣠⣤⠉⠢⣀⠉⠉⠉⠒⠒⠒⠒⠤⠤⠄|
        │         ⡠⠛⢄     ⠈⣒⠤mlp      ⢀⠤⠊       │        ⢀⡠⠔⠊⠁   ⣀⡠⠤⠒⠒⠉⠉⣀⠔⠊⠉⠉⢖⠑⠢⣀⢄⣀⣀   │|
        │       ⡠⠊   ⠑⢄ ⡠⠔⠉ │ ⠈⠉⠑⠒⠤⢄⡠⠒⠁         │     ⣀⠤⠒⠁⢀⣀⠤⠔⠒⠊⠉  │ ⣀⠔⠊      ⠑⡄ ⠑⠢⣀⠉⠉⠒⠂|
        │     ⡠⠊    ⢀⡠⠒⠙⢄   │    ⣀⠔⠉ ⠈⠉⠒⠢⠤⢄⣀    │ ⢀⡠⣔⣉⠤⠔⠒⠉⠁        ⠔⠊          ⠈⢢   ⠑⠢⣀│|
        │  ⢀⠔⠉   ⢀⠤⠒⠁   ⠈⠢⡀ │ ⢀⠤⠊         ⣀⣀⣉⣑⠶⠦⠴adam              │             ⠑⢄    ⠁|
        │⢀⠔⠁  ⣀⠤⠊⠁       ⣀⣀⣀⡠cnn⠤⠤⠒⠒⠒⠒⠉⠉⠉⠉      │                  │              ⠈⠢⡀  │|
        ⠤⠤⠤⠔⠒⠒⠒⠒⠒⠒⠉⠉⠉⠉⠉⠉⠉   │                   │                  │                ⠘⢄ │|
        ⡠⠔⠉                 │                   │                  ⡀                  ⠣⡀|
        0.001                                                     0.6                0.3|
        colour loss: 0.3 ▁▂▃▅▆█ 0.65  (low → high; dim: no value)                       |
        ◆ cnn-slow · lr 0.01 · model cnn · optimizer sgd · f1 0.85 · loss 0.4           |
                                                                                        |
        no value: lr 1 · model 2 · optimizer 4 · f1 1 NaN/inf · loss 1 NaN/inf          |
        filter: none  (/ search syntax, t tag chips, f fuzzy)                           |
         Esc back  Enter details  ←→ axis  o axes  m colour              q quit  ? help |
        """)
    }

    /// Without colour (NO_COLOR, the mono theme) the cursor's point and line still stand out:
    /// they are drawn reversed.
    func testHighlightsStandOutInTheMonoTheme() throws {
        var state = PlotFixtures.state()
        state.theme = try ThemeParser.parse(BuiltinThemes.files["mono"]!)
        state.press(.char("V"))
        let buffer = render(state)
        var diamonds: [Terminal.Cell] = []
        for y in 2..<20 { for x in 0..<80 where buffer[x, y].text == "◆" { diamonds.append(buffer[x, y]) } }
        XCTAssertEqual(diamonds.count, 1)
        XCTAssertTrue(diamonds.first?.style.attributes.contains(.reverse) ?? false)

        state.press(.escape, .char("P"))
        let parallel = render(state)
        let reversedDots = (2..<17).flatMap { y in (0..<80).map { parallel[$0, y] } }
            .filter { $0.style.attributes.contains(.reverse) && $0.text.unicodeScalars.first!.value >= 0x2800 }
        XCTAssertGreaterThan(reversedDots.count, 10, "the highlighted run's line")
    }
}
