import Foundation

/// Ctrl-R's line on the message bar: "refreshing…", then, once every reload it started has
/// answered, "refreshed 14:02:31" or what failed. The live tick's refreshes stay silent.
struct RefreshFeedback: Equatable, Sendable {
    var error: String?

    static func start(_ state: inout AppState) {
        state.refreshFeedback = RefreshFeedback()
        showMessage(&state, "refreshing…")
    }

    /// After each action: notes a failed reload, and says so when the last one has answered.
    static func settle(_ state: inout AppState, _ action: Action, awaited: Set<Int>) {
        guard var feedback = state.refreshFeedback else { return }
        if let failure = action.failedRequest, awaited.contains(failure.request) {
            feedback.error = feedback.error ?? failure.message
        }
        guard state.refreshAwaiting.isEmpty else { state.refreshFeedback = feedback; return }
        state.refreshFeedback = nil
        if let error = feedback.error {
            showMessage(&state, "refresh failed: \(error)", isError: true)
        } else {
            showMessage(&state, "refreshed \(clockTime(state.now, utcOffset: state.utcOffset))")
        }
    }
}

/// `14:02:31`, local time of day.
func clockTime(_ seconds: Double, utcOffset: Int) -> String {
    let day = 86_400
    let t = ((Int(seconds.rounded(.down)) + utcOffset) % day + day) % day
    return String(format: "%02d:%02d:%02d", t / 3600, t / 60 % 60, t % 60)
}

extension Action {
    /// A reload that failed: its request id and error line.
    var failedRequest: (request: Int, message: String)? {
        switch self {
        case .experimentsLoaded(let request, .failure(let error)), .runsLoaded(let request, _, .failure(let error)),
             .detailsLoaded(let request, .failure(let error)):
            return (request, error.oneLineMessage)
        default: return nil
        }
    }
}
