import Foundation
import TestSupport
import XCTest

/// Dates and durations as a person reads them: a run started in another year shows that year,
/// and the table's duration reads exactly as `mltui runs` prints it.
extension PickersEndToEndTests {
    func testAnOldRunShowsItsYearAndItsDurationAsTheCLIPrintsIt() throws {
        let uri = "sqlite:///" + (try store()) + "/mlflow.db"
        let table = try CommandRunner.run(try RepoLayout.mltuiBinary(),
                                          ["runs", "--tracking-uri", uri, "--experiment-name", "pickers"], timeout: 60)
        XCTAssertEqual(table.status, 0, table.stderrText)
        // The CLI's table row of run-train: its duration is the field after the start time.
        guard let cliRow = table.stdoutText.split(separator: "\n").first(where: { $0.contains("run-train") }) else {
            return XCTFail("no run-train in\n\(table.stdoutText)")
        }
        let duration = cliRow.split(separator: " ").map(String.init).first { $0.hasSuffix("h") && $0.contains("d") }
        XCTAssertNotNil(duration, "a duration of years reads as days and hours: \(cliRow)")

        let tui = try launch()
        defer { tui.close() }
        let screen = try tui.waitFor("Runs · pickers · 4")
        guard let row = lines(screen).first(where: { $0.contains("run-train") }) else { return XCTFail(screen) }
        // Started in 2023 (the store's runs start at 1,700,000,000,000 ms): the year is shown.
        XCTAssertTrue(row.contains("2023-11-14"), "the year of an old run\n\(screen)")
        if let duration { XCTAssertTrue(row.contains(duration), "the UI's duration \(row) reads as the CLI's \(duration)") }
    }
}
