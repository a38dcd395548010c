import Tracking
import XCTest
@testable import TUI

/// The image grid through the reducer: a refresh lists the runs' images again, and a scrubber on
/// the last step follows new steps while one moved back stays where it is.
final class ImageGridTests: XCTestCase {
    func images(_ steps: ClosedRange<Int64>) -> [LoggedImage] {
        steps.map { LoggedImage(key: "samples", step: $0, timestamp: 1_795_369_000_000 + $0, id: "u\($0)", path: "images/samples+step+\($0)+u\($0).png") }
    }

    func testRefreshListsAgainAndTheLastStepIsFollowed() {
        var state = Fixtures.loadedState()
        _ = ImageGridPane.open(&state, runs: [state.table.runs[0]])
        let runID = state.table.runs[0].info.runID
        let request = state.imageGrid!.request
        _ = reduce(&state, .imageIndexLoaded(request: request, runID: runID, .success(images(0...2))))
        XCTAssertEqual(state.imageGrid?.step, 2)
        // A refresh lists the run's images again; the scrubber on the last step follows.
        let effects = Commands.refresh(&state, manual: false)
        XCTAssertTrue(effects.contains(.loadImageIndex(request: request, runIDs: [runID])), "\(effects)")
        _ = reduce(&state, .imageIndexLoaded(request: request, runID: runID, .success(images(0...4))))
        XCTAssertEqual(state.imageGrid?.step, 4)
        // Moved back, it stays.
        state.press(.char("h"))
        XCTAssertEqual(state.imageGrid?.step, 3)
        _ = reduce(&state, .imageIndexLoaded(request: request, runID: runID, .success(images(0...6))))
        XCTAssertEqual(state.imageGrid?.step, 3)
        state.press(.char("G"))
        XCTAssertEqual(state.imageGrid?.step, 6)
    }
}
