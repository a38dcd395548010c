import Analysis
import Terminal
import Tracking
@testable import TUI
import XCTest

/// The alert inbox in the reducer: the experiment opened is watched, a refresh polls it once
/// at a time, new alerts count in the header until `!` opens the inbox, Enter opens the run,
/// and the configured notification is written once per poll that brought alerts.
final class AlertInboxTests: XCTestCase {
    private func pollEffect(_ effects: [Effect]) -> (request: Int, ids: [String], endedSince: Int64)? {
        for effect in effects {
            if case .pollAlerts(let request, let ids, let endedSince, _) = effect { return (request, ids, endedSince) }
        }
        return nil
    }

    private func failedRun(_ id: String, name: String) -> Run {
        Run(info: RunInfo(runID: id, experimentID: "1", runName: name, status: .failed, startTime: Fixtures.start, endTime: Fixtures.start + 1000))
    }

    func testAlertsCountUntilTheInboxOpensAndEnterOpensTheRun() throws {
        var state = Fixtures.loadedState(width: 120, height: 30)
        state.alerts.notify = .osc9
        XCTAssertEqual(state.alerts.watched, ["1"], "the experiment opened at start is watched")
        let refresh = state.press(.ctrl("r"))
        let poll = try XCTUnwrap(pollEffect(refresh))
        XCTAssertEqual(poll.ids, ["1"])
        XCTAssertNil(pollEffect(state.press(.ctrl("r"))), "one poll at a time")

        let crashed = failedRun("f00d", name: "crashes")
        var nan = Run(info: RunInfo(runID: "beef", experimentID: "1", runName: "diverges", status: .running))
        nan.data.metrics = [Metric(key: "loss", value: .nan, timestamp: 5, step: 3)]
        let effects = reduce(&state, .alertsPolled(request: poll.request, .success(AlertPoll(runs: [crashed, nan], histories: [:], startedAt: Int64(Fixtures.now * 1000)))))
        XCTAssertEqual(effects, [.notify("\u{1B}]9;failed: vision-模型/crashes the run ended FAILED (and 1 more)\u{07}")])
        XCTAssertEqual(state.alerts.unread, 2)
        XCTAssertTrue(render(state).text.contains("⚠ 2 alerts (!)"), render(state).text)

        // The same runs again: nothing new, no notification.
        let again = try XCTUnwrap(pollEffect(state.press(.ctrl("r"))))
        XCTAssertEqual(reduce(&state, .alertsPolled(request: again.request, .success(AlertPoll(runs: [crashed, nan], histories: [:], startedAt: Int64(Fixtures.now * 1000))))), [])

        state.press(.char("!"))
        XCTAssertEqual(state.keyContext, .alerts)
        XCTAssertEqual(state.alerts.unread, 0)
        let screen = render(state).text
        XCTAssertFalse(screen.contains("⚠"), screen)
        XCTAssertTrue(screen.contains("Alerts (2) · Enter opens the run · Esc closes"), screen)
        XCTAssertTrue(screen.contains("failed  vision-模型/crashes  the run ended FAILED"), screen)
        XCTAssertTrue(screen.contains("nan     vision-模型/diverges  loss is NaN at step 3"), screen)
        state.press(.char("j"))
        let opened = state.press(.enter)
        XCTAssertNil(state.alertsOverlay)
        XCTAssertEqual(state.pane, .details)
        XCTAssertEqual(opened, [.loadDetails(request: state.detailsRequest, runID: "beef")])
    }

    func testAnEmptyInboxSaysWhatIsWatchedAndAFailedPollIsQuiet() throws {
        var state = Fixtures.loadedState(width: 120, height: 30)
        let poll = try XCTUnwrap(pollEffect(state.press(.ctrl("r"))))
        XCTAssertEqual(reduce(&state, .alertsPolled(request: poll.request, .failure(MLflowError(.temporarilyUnavailable, "down")))), [])
        let next = try XCTUnwrap(pollEffect(state.press(.ctrl("r"))), "the next refresh polls again")
        _ = reduce(&state, .alertsPolled(request: next.request, .failure(MLflowError(.invalidParameterValue, "Invalid attribute key 'end_time'"))))
        state.press(.char("!"))
        let screen = render(state).text
        XCTAssertTrue(screen.contains("the last read failed: Invalid attribute key 'end_time'"), screen)
        XCTAssertTrue(screen.contains("no alerts: watching 1 experiment opened this session"), screen)
        state.press(.escape)
        XCTAssertEqual(state.keyContext, .runs)
    }

    func testNotificationSequences() {
        XCTAssertNil(AlertNotification.none.sequence("x"))
        XCTAssertEqual(AlertNotification.bell.sequence("x"), "\u{07}")
        XCTAssertEqual(AlertNotification.osc777.sequence("a;b\u{1B}c\nd\u{18}e\u{9C}f\u{2028}g"), "\u{1B}]777;notify;mltui;abcdefg\u{07}")
        XCTAssertEqual(AlertNotification.osc9.sequence(String(repeating: "x", count: 500))?.count, 200 + 5)
    }

    /// Alerts that come while the inbox is open are seen at once, and the row chosen stays chosen.
    func testAlertsArrivingWhileTheInboxIsOpenKeepTheCursor() throws {
        var state = Fixtures.loadedState(width: 120, height: 30)
        let first = try XCTUnwrap(pollEffect(state.press(.ctrl("r"))))
        _ = reduce(&state, .alertsPolled(request: first.request, .success(AlertPoll(runs: [failedRun("a1", name: "one")], histories: [:], startedAt: 1))))
        state.press(.char("!"))
        let second = try XCTUnwrap(pollEffect(state.press(.ctrl("r"))))
        _ = reduce(&state, .alertsPolled(request: second.request, .success(AlertPoll(runs: [failedRun("b2", name: "two")], histories: [:], startedAt: 2))))
        XCTAssertEqual(state.alerts.unread, 0)
        XCTAssertEqual(state.alerts.entries.map(\.alert.runID), ["b2", "a1"])
        XCTAssertEqual(state.press(.enter), [.loadDetails(request: state.detailsRequest, runID: "a1")])
    }
}
