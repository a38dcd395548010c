import Foundation
import Terminal
import Tracking

/// An in-memory terminal for tests (like ratatui's TestBackend): it plays a script of
/// "when the screen shows this, send these events" and keeps every frame drawn. Input is held
/// back until its step's condition holds on the last frame, so a test never races the store.
final class ScriptedTerminal: TerminalDevice {
    struct Step: Sendable {
        let name: String
        let condition: @Sendable (Buffer) -> Bool
        let events: [InputEvent]

        init(_ name: String, events: [InputEvent], when condition: @escaping @Sendable (Buffer) -> Bool) {
            self.name = name
            self.condition = condition
            self.events = events
        }

        /// Sends `events` once the screen contains `text`.
        static func when(_ text: String, send events: InputEvent...) -> Step {
            Step("screen shows \"\(text)\"", events: events) { $0.text.contains(text) }
        }
    }

    private struct State {
        var steps: [Step]
        var queued: [InputEvent] = []
        var frames: [Buffer] = []
        var programs: [ProgramRun] = []
        var clipboard: [String] = []
        var notifications: [String] = []
        var stalled: String?
        var closed = false
    }

    let size: Size
    /// How long the script waits for a condition before it gives up (and presses Ctrl-C).
    private let patience: Double
    private let state: Locked<State>

    init(size: Size, script: [Step], patience: Double = 20) {
        self.size = size
        self.patience = patience
        state = Locked(State(steps: script))
    }

    var frames: [Buffer] { state.current.frames }
    var lastFrame: Buffer? { state.current.frames.last }
    /// A program `runOutside` was asked to run, and how many frames had been drawn by then.
    struct ProgramRun: Equatable, Sendable {
        let arguments: [String]
        let framesBefore: Int
    }

    var programs: [ProgramRun] { state.current.programs }
    var clipboard: [String] { state.current.clipboard }
    var notifications: [String] { state.current.notifications }
    /// The step whose condition never held, with the screen at that point.
    var stalled: String? { state.current.stalled }
    var closed: Bool { state.current.closed }

    func draw(_ frame: Buffer) { state.withLock { $0.frames.append(frame) } }

    func waitForEvent(until deadline: Double?, wake: WakeSignal) -> InputEvent? {
        if stalled != nil { return .key(.ctrl("c")) }
        let giveUp = MonotonicClock.now + patience
        while true {
            if let event = nextEvent() { return event }
            let limit = min(deadline ?? giveUp, giveUp)
            if wake.wait(until: limit) { return nil }
            if let deadline, MonotonicClock.now >= deadline { return nil }
            if MonotonicClock.now >= giveUp { return stall() }
        }
    }

    /// The next queued event, or the events of the next step whose condition holds now.
    private func nextEvent() -> InputEvent? {
        state.withLock { s in
            if s.queued.isEmpty, let step = s.steps.first, let frame = s.frames.last, step.condition(frame) {
                s.steps.removeFirst()
                s.queued = step.events
            }
            return s.queued.isEmpty ? nil : s.queued.removeFirst()
        }
    }

    /// Records where the script stopped and asks the app to quit (Ctrl-C, which quits from
    /// anywhere within two presses).
    private func stall() -> InputEvent {
        state.withLock { s in
            if s.stalled == nil {
                let waitingFor = s.steps.first?.name ?? "the app to quit"
                s.stalled = "gave up waiting for \(waitingFor); last screen:\n\(s.frames.last?.text ?? "(none)")"
            }
            s.steps = []
        }
        return .key(.ctrl("c"))
    }

    func copyToClipboard(_ text: String) { state.withLock { $0.clipboard.append(text) } }
    func notify(_ sequence: String) { state.withLock { $0.notifications.append(sequence) } }

    func runOutside(_ arguments: [String]) -> ProgramOutcome {
        state.withLock { $0.programs.append(ProgramRun(arguments: arguments, framesBefore: $0.frames.count)) }
        return .exited(0)
    }

    func close() { state.withLock { $0.closed = true } }
}
