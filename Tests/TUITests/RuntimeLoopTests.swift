import Foundation
import Terminal
import Tracking
import XCTest
@testable import TUI

/// The real UI loop (`runApp`) against the in-memory `ScriptedTerminal` and an in-process store:
/// open, press keys, see the screen, quit.
final class RuntimeLoopTests: XCTestCase {
    /// Experiments and runs of `Fixtures`, and one text artifact in every run.
    final class MemoryStore: TrackingStore {
        struct Text: ArtifactContent {
            let bytes: [UInt8]
            var size: Int64? { Int64(bytes.count) }
            func read(offset: Int64, count: Int) async throws -> [UInt8] {
                let start = min(bytes.count, Int(offset))
                return Array(bytes[start..<min(bytes.count, start + count)])
            }
        }

        let uri = "memory://fixtures"
        func searchExperiments(_ request: ExperimentSearch) async throws -> Page<Experiment> { Page(items: Fixtures.experiments) }
        func getExperiment(id: String) async throws -> Experiment {
            guard let found = Fixtures.experiments.first(where: { $0.experimentID == id }) else { throw MLflowError.notFound(id) }
            return found
        }
        func getExperimentByName(_ name: String) async throws -> Experiment {
            guard let found = Fixtures.experiments.first(where: { $0.name == name }) else { throw MLflowError.notFound(name) }
            return found
        }
        func searchRuns(_ request: RunSearch) async throws -> Page<Run> {
            Page(items: Fixtures.runs.filter { request.experimentIDs.contains($0.info.experimentID) })
        }
        func getRun(id: String) async throws -> Run {
            guard let found = Fixtures.runs.first(where: { $0.info.runID == id }) else { throw MLflowError.notFound(id) }
            return found
        }
        func metricHistory(runID: String, key: String, maxResults: Int?, pageToken: String?) async throws -> Page<Metric> {
            Page(items: (try await getRun(id: runID)).data.metrics.filter { $0.key == key })
        }
        func listArtifacts(runID: String, path: String?) async throws -> ArtifactListing {
            ArtifactListing(rootURI: nil, files: path == nil ? [ArtifactEntry(path: "hello.txt", isDir: false, fileSize: 26)] : [])
        }
        func openArtifact(runID: String, path: String) async throws -> any ArtifactContent {
            guard path == "hello.txt" else { throw MLflowError.notFound(path) }
            return Text(bytes: Array("hello, world\nsecond line\n".utf8))
        }
    }

    func testOpenBrowseAnArtifactOpenItInThePagerAndQuit() async throws {
        let size = Size(width: 100, height: 30)
        let device = ScriptedTerminal(size: size, script: [
            .when("parent-sweep", send: .key(.char("a"))),
            .when("hello.txt", send: .key(.enter)),
            .when("1 │ hello, world", send: .key(.char("o"))),
            // After the pager the browser is back, its file still shown; Esc leaves it.
            .when("2 │ second line", send: .key(.escape)),
            ScriptedTerminal.Step("the runs table again", events: [.key(.char("q"))]) { !$0.text.contains("hello.txt") },
        ])
        let store = MemoryStore()
        let initial = AppState(source: store.uri, size: size, now: Date().timeIntervalSince1970)
        let final = await runApp(initial, store: store, device: device, themeDirectories: [],
                                 environment: ["PAGER": "cat", "PATH": "/usr/bin:/bin"])

        XCTAssertNil(device.stalled)
        XCTAssertTrue(final.shouldQuit)
        XCTAssertTrue(device.closed, "the loop closes the terminal when it quits")
        let screens = device.frames.map(\.text)
        let runsScreen = try XCTUnwrap(screens.first { $0.contains("parent-sweep") })
        XCTAssertTrue(runsScreen.contains("Runs · vision-模型 · 6"), runsScreen)
        XCTAssertTrue(runsScreen.contains("● connected"), runsScreen)
        XCTAssertTrue(runsScreen.contains("日本語の実験-run"), runsScreen)

        // $PAGER goes through sh with the downloaded copy as "$1".
        XCTAssertEqual(device.programs.count, 1)
        let run = try XCTUnwrap(device.programs.first)
        let program = run.arguments
        XCTAssertEqual(Array(program.dropLast()), ["/bin/sh", "-c", "cat \"$1\"", "sh"])
        // The frame drawn after the pager: the browser as it was, on the same file.
        let after = device.frames[run.framesBefore].text
        XCTAssertTrue(after.contains("Artifacts ·") && after.contains("1 │ hello, world"), after)
        XCTAssertEqual((program.last as NSString?)?.lastPathComponent, "hello.txt")
        XCTAssertFalse(FileManager.default.fileExists(atPath: program.last ?? ""), "the temporary copy is removed")
        XCTAssertTrue(device.lastFrame?.text.contains("Runs · vision-模型") ?? false)
    }

    func testAPostedActionWakesTheWaitAndDrainingResetsIt() {
        let inbox = ActionInbox()
        XCTAssertFalse(inbox.wake.wait(until: MonotonicClock.now), "nothing posted yet")
        inbox.post(.tick(1))
        inbox.post(.tick(2))
        XCTAssertTrue(inbox.wake.wait(until: MonotonicClock.now + 60), "a post wakes the loop")
        let ticks = inbox.drain().compactMap { action -> Double? in if case .tick(let t) = action { return t } else { return nil } }
        XCTAssertEqual(ticks, [1, 2])
        XCTAssertFalse(inbox.wake.wait(until: MonotonicClock.now), "drained: the next wait sleeps")
        XCTAssertTrue(inbox.drain().isEmpty)
    }

    func testThePagerAndEditorFallBackToWhatIsInstalled() throws {
        let dir = NSTemporaryDirectory() + "mltui-path-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func install(_ name: String) {
            FileManager.default.createFile(atPath: dir + "/" + name, contents: Data("#!/bin/sh\n".utf8), attributes: [.posixPermissions: 0o755])
        }
        func command(editor: Bool, _ environment: [String: String]) -> [String]? {
            try? externalCommand(editor: editor, environment: environment.merging(["PATH": dir]) { a, _ in a }).get().arguments
        }
        guard case .failure(let missing) = externalCommand(editor: false, environment: ["PATH": dir]) else { return XCTFail("found a pager") }
        XCTAssertEqual(missing.message, "no pager: set PAGER (neither less nor more is installed)")
        guard case .failure(let noEditor) = externalCommand(editor: true, environment: ["PATH": dir]) else { return XCTFail("found an editor") }
        XCTAssertEqual(noEditor.message, "no editor: set VISUAL or EDITOR (vi is not installed)")
        install("more")
        XCTAssertEqual(command(editor: false, [:]), [dir + "/more"])
        install("less")
        XCTAssertEqual(command(editor: false, [:]), [dir + "/less"], "less is preferred to more")
        XCTAssertEqual(command(editor: false, ["PAGER": ""]), [dir + "/less"], "an empty PAGER counts as unset")
        XCTAssertEqual(command(editor: false, ["PAGER": "less -R"]), ["/bin/sh", "-c", "less -R \"$1\"", "sh"])
        install("vi")
        XCTAssertEqual(command(editor: true, [:]), [dir + "/vi"])
        XCTAssertEqual(command(editor: true, ["EDITOR": "nano", "VISUAL": "vim"]), ["/bin/sh", "-c", "vim \"$1\"", "sh"])
        XCTAssertEqual(command(editor: true, ["EDITOR": "nano"]), ["/bin/sh", "-c", "nano \"$1\"", "sh"])
    }
}
