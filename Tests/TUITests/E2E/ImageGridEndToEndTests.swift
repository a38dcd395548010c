import Foundation
import TestSupport
import XCTest

/// Images logged by the real client with `mlflow.log_image(key=, step=)` (MLflow 3.x names under
/// `images/`), under tmux: `I` on two marked runs shows them as a grid of runs by steps, one key
/// at a time; the scrubber moves every run's column together; a run without an image at a step
/// shows a dot; Enter enlarges the selected run's image. Each image is one solid colour, so the
/// half-block cells' colours say which image is drawn where.
final class ImageGridEndToEndTests: XCTestCase {
    private var folder = ""
    private var session: TmuxSession?

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "mltui-images-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        session?.close()
        try? FileManager.default.removeItem(atPath: folder)
        super.tearDown()
    }

    static let script = """
        import sys, numpy as np, mlflow
        mlflow.set_tracking_uri(sys.argv[1])
        mlflow.set_experiment("images")
        def solid(rgb):
            return np.full((24, 24, 3), rgb, dtype=np.uint8)
        red, green, blue = (255, 0, 0), (0, 255, 0), (0, 0, 255)
        with mlflow.start_run(run_name="alpha"):
            for step, colour in enumerate([red, green, blue]):
                mlflow.log_image(solid(colour), key="samples", step=step)
            mlflow.log_image(solid((255, 255, 255)), key="masks/val", step=5)
            mlflow.log_image(solid(red), artifact_file="plots/static.png")
        with mlflow.start_run(run_name="beta"):
            mlflow.log_image(solid(blue), key="samples", step=0)
            mlflow.log_image(solid(red), key="samples", step=2)
        """

    /// The store the script logs, open in the UI under tmux (`environment` before the binary).
    private func openLoggedImages(environment: String = "", width: Int, height: Int) throws -> TmuxSession {
        let uri = "sqlite:///\(folder)/mlflow.db"
        let script = folder + "/log_images.py"
        try Self.script.write(toFile: script, atomically: true, encoding: .utf8)
        let logged = try CommandRunner.run(try RepoLayout.mlflowPython(), [script, uri], cwd: URL(fileURLWithPath: folder), timeout: 180)
        XCTAssertEqual(logged.status, 0, logged.stderrText.suffix(3000).description)
        let binary = try RepoLayout.mltuiBinary().path
        // Colours are what these tests read: a NO_COLOR the test runner may set is dropped.
        let tui = try TmuxSession(command: "unset NO_COLOR; \(environment) TERM=xterm-256color XDG_STATE_HOME='\(folder)/state' '\(binary)' --refresh 0 --experiment images '\(uri)'; echo \"EXITED $?\"; sleep 30",
                                  width: width, height: height)
        session = tui
        return tui
    }

    func testGridOfRunsBySteps() throws {
        let tui = try openLoggedImages(width: 120, height: 40)
        try tui.waitFor("alpha")
        try tui.waitFor("beta")
        // Mark both runs (the table lists the newest first: beta, alpha), then the grid.
        try tui.send("Space")
        try tui.send("Space")
        try tui.send("I")
        try tui.waitFor("Images · 2 runs · samples (key 2/2, [ ] switch) · step 2 (3/3)")
        // ] and [ switch between the keys, each on its last step.
        try tui.send("]")
        try tui.waitFor("Images · 2 runs · masks/val (key 1/2, [ ] switch) · step 5 (1/1)")
        try tui.send("[")
        var screen = try tui.waitFor("samples (key 2/2, [ ] switch) · step 2 (3/3)")
        XCTAssertTrue(screen.contains("step 0") && screen.contains("step 1") && screen.contains("step 2"), screen)
        XCTAssertFalse(screen.contains("static"), "an artifact_file image is not in the grid:\n\(screen)")
        // beta has no image at step 1: a dot in its row.
        let betaRows = screen.split(separator: "\n").drop { !$0.hasPrefix("beta") }
        XCTAssertTrue(betaRows.prefix { !$0.hasPrefix("alpha") }.contains { $0.contains("·") }, screen)

        // Colours per cell: at step 2 the columns hold (left to right) step 0, 1, 2.
        // The thumbnails arrive one by one (and tmux takes a frame as it comes): wait until the
        // cells' colours are the images' — beta: step 0 blue, nothing at 1, step 2 red; alpha:
        // red, green, blue. A wrong image in a cell never gets there and fails with the screen.
        var colours: [String: [String]] = [:]
        _ = try tui.waitUntil("the cells coloured as the images", timeout: 15) { _ in
            colours = (try? rowColours(try tui.captureStyled())) ?? [:]
            return colours == ["beta": ["blue", "red"], "alpha": ["red", "green", "blue"]]
        }

        // The scrubber moves for every run; Enter enlarges the selected run's image at it.
        try tui.send("h")
        try tui.waitFor("step 1 (2/3)")
        try tui.send("g")
        try tui.waitFor("step 0 (1/3)")
        try tui.send("G")
        try tui.waitFor("step 2 (3/3)")
        try tui.send("j")
        try tui.send("Enter")
        screen = try tui.waitFor("alpha · step 2 · images/samples+step+2+timestamp+")
        XCTAssertTrue(screen.contains("▀"), screen)
        XCTAssertEqual(Set(try colourNames(try tui.captureStyled())), ["blue"], "the enlarged image is alpha's step 2")
        // Enlarged, the scrubber still moves: beta has nothing at step 1, and says so.
        try tui.send("Escape")
        try tui.waitFor("step 2 (3/3)")
        try tui.send("k")
        try tui.send("Enter")
        try tui.waitFor("beta · step 2 · images/samples+step+2+timestamp+")
        try tui.send("h")
        try tui.waitFor("no image of beta at step 1")
        try tui.send("Escape")
        try tui.waitFor("step 1 (2/3)")
        try tui.send("Escape")
        try tui.waitFor("Runs · images")
        try tui.send("q")
        try tui.waitFor("EXITED 0")
    }

    /// With kitty's protocol (forced: tmux is no kitty), the enlarged image is sent inline
    /// through tmux's passthrough and drawn as Unicode placeholders: text tmux keeps, each cell
    /// U+10EEEE with its row and column marks, in the foreground colour that names the image.
    /// Leaving the view writes the screen whole, placeholders gone.
    func testEnlargedImageAsKittyPlaceholders() throws {
        let tui = try openLoggedImages(environment: "MLTUI_GRAPHICS=kitty", width: 100, height: 30)
        try tui.waitFor("alpha")
        try tui.send("j")
        try tui.send("I")
        try tui.waitFor("Images · alpha · masks/val")
        try tui.send("]")
        try tui.waitFor("Images · alpha · samples (key 2/2, [ ] switch) · step 2 (3/3)")
        try tui.waitUntil("the thumbnails") { $0.contains("▀") && !$0.contains("loading…") }
        XCTAssertFalse(Self.hasPlaceholder(try tui.capture()), "the grid itself is drawn in half blocks")
        try tui.send("Enter")
        // tmux takes the rows as they come: wait for the whole placement.
        let screen = try tui.waitUntil("the placeholders, every row whole") { text in
            let rows = text.split(separator: "\n").filter { Self.hasPlaceholder(String($0)) }
            return rows.count > 10 && rows.allSatisfy { $0.unicodeScalars.filter { $0.value == 0x10EEEE }.count == rows.count * 2 }
        }
        XCTAssertTrue(screen.contains("alpha · step 2 · images/samples+step+2"), screen)
        let rows = screen.split(separator: "\n").filter { Self.hasPlaceholder(String($0)) }
        // A square image as tall as the area: twice as many columns as rows (a cell is twice as
        // tall as wide), every row whole.
        XCTAssertGreaterThan(rows.count, 10)
        XCTAssertEqual(Set(rows.map { $0.unicodeScalars.filter { $0.value == 0x10EEEE }.count }), [rows.count * 2])
        // Row 3, column 0: the placeholder with the marks for 3 (U+0310) and 0 (U+0305).
        XCTAssertTrue(rows[3].unicodeScalars.starts(with: ["\u{10EEEE}", "\u{0310}", "\u{0305}"]), String(rows[3].unicodeScalars.prefix(6)))
        XCTAssertNotNil(try tui.captureStyled().unicodeScalars.map(String.init).joined().range(of: "\u{1B}[38;5;1m\u{10EEEE}", options: .literal),
                        "image 1 named by the foreground")
        // An overlay hides the image (the terminal would draw it over the overlay); closing it
        // brings the image back.
        try tui.send("?")
        let help = try tui.waitUntil("the help, no placeholder") { $0.contains("In image grid") && !Self.hasPlaceholder($0) }
        XCTAssertTrue(help.contains("scrubber: the previous step"), help)
        try tui.send("Escape")
        _ = try tui.waitUntil("the placeholders again") { Self.hasPlaceholder($0) && !$0.contains("In image grid") }
        try tui.send("Escape")
        let grid = try tui.waitUntil("the grid again, no placeholder left") { $0.contains("step 2 (3/3)") && !Self.hasPlaceholder($0) }
        XCTAssertTrue(grid.contains("▀"), grid)
        try tui.send("q")
        try tui.waitFor("EXITED 0")
    }

    /// Whether kitty's placeholder is on screen (a Character compare would not find it: with its
    /// marks it is another grapheme).
    static func hasPlaceholder(_ text: String) -> Bool { text.unicodeScalars.contains { $0.value == 0x10EEEE } }

    /// The solid colours drawn in each run's row band, left to right, by run name.
    private func rowColours(_ styled: String) throws -> [String: [String]] {
        var out: [String: [String]] = [:]
        var current: String?
        for line in styled.split(separator: "\n", omittingEmptySubsequences: false) {
            let plain = line.replacingOccurrences(of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression)
            if plain.hasPrefix("alpha") { current = "alpha" } else if plain.hasPrefix("beta") { current = "beta" }
            guard let run = current, out[run] == nil else { continue }
            let names = try colourNames(String(line))
            if !names.isEmpty { out[run] = names }
        }
        return out
    }

    /// The colours of the half blocks on a line, in order, runs of one colour counted once.
    private func colourNames(_ styled: String) throws -> [String] {
        var names: [String] = []
        for line in styled.split(separator: "\n") {
            // tmux writes each attribute as its own sequence: the foreground stays until reset.
            var foreground: String?
            for part in line.components(separatedBy: "\u{1B}[").dropFirst() {
                guard let m = part.firstIndex(of: "m") else { continue }
                let codes = part[..<m].split(separator: ";").map(String.init)
                if codes.contains("38") { foreground = Self.name(codes) } else if codes == ["39"] || codes == ["0"] { foreground = nil }
                guard part[part.index(after: m)...].contains("▀"), let name = foreground else { continue }
                if names.last != name { names.append(name) }
            }
        }
        return names
    }

    /// Red, green or blue from an SGR foreground (256 colours or RGB).
    static func name(_ codes: [String]) -> String? {
        guard let at = codes.firstIndex(of: "38") else { return nil }
        if codes.count > at + 2, codes[at + 1] == "5" {
            switch codes[at + 2] { case "196", "9": return "red"; case "46", "10": return "green"; case "21", "12": return "blue"; default: return nil }
        }
        if codes.count > at + 4, codes[at + 1] == "2" {
            switch (codes[at + 2], codes[at + 3], codes[at + 4]) {
            case ("255", "0", "0"): return "red"; case ("0", "255", "0"): return "green"; case ("0", "0", "255"): return "blue"
            default: return nil
            }
        }
        return nil
    }
}
