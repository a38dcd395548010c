import Foundation
import Terminal
import Tracking

/// Startup and latency figures, written to stderr on exit when MLTUI_BENCH is set.
struct FrameTimings {
    /// Process start on the monotonic clock, so the first-frame figure includes startup.
    var startedAt = processStartSeconds() ?? monotonicSeconds()
    var firstRunsFrame: Double?
    var keyLatencies: [Double] = []

    func report() -> String {
        var lines: [String] = []
        if let first = firstRunsFrame { lines.append(String(format: "first frame with runs: %.1f ms", first * 1000)) }
        if !keyLatencies.isEmpty {
            let sorted = keyLatencies.sorted()
            let p50 = sorted[sorted.count / 2], p99 = sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
            lines.append(String(format: "keystroke to frame: %d keys, p50 %.2f ms, p99 %.2f ms, max %.2f ms",
                                sorted.count, p50 * 1000, p99 * 1000, sorted.last! * 1000))
        }
        return lines.joined(separator: "\n")
    }
}

/// When this process started, on CLOCK_BOOTTIME-compatible seconds (/proc/self/stat field 22).
func processStartSeconds() -> Double? {
    guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return nil }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    // Fields after the command start at field 3; starttime is field 22.
    guard fields.count > 19, let ticks = Double(fields[19]) else { return nil }
    let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
    var boot = timespec()
    clock_gettime(CLOCK_BOOTTIME, &boot)
    let bootNow = Double(boot.tv_sec) + Double(boot.tv_nsec) / 1e9
    // Express the start on the monotonic clock: now(monotonic) - (now(boot) - start(boot)).
    return monotonicSeconds() - (bootNow - ticks / hz)
}

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Runs the terminal UI until the user quits. The input loop runs on its own thread (ncurses
/// is single-threaded); store calls run as tasks and come back through the inbox, so a slow
/// or dead backend shows a spinner and an error line instead of freezing the screen.
public func runTUI(store: any TrackingStore, options: TUIOptions) async throws {
    let (theme, warning) = ThemeLoader.resolve(options)
    let terminal = try NcursesTerminal(environment: options.environment, mouse: options.mouse)
    var state = AppState(source: store.uri, theme: theme, size: terminal.size, now: Date().timeIntervalSince1970,
                         utcOffset: TimeZone.current.secondsFromGMT(), refreshInterval: options.refreshInterval,
                         pageSize: options.pageSize, initialExperiment: options.initialExperiment)
    if let warning { showMessage(&state, warning, isError: true) }
    state.chartGlyphs = ChartGlyphs.detect(options.environment)
    let initialState = state
    let inbox = ActionInbox()
    let runner = EffectRunner(store: store, inbox: inbox, themeDirectories: options.themeDirectories,
                              memoryFile: StoreMemoryFile.directory(environment: options.environment).map(StoreMemoryFile.init))
    let bench = options.environment["MLTUI_BENCH"].map { !$0.isEmpty } ?? false

    let finalState: AppState = await withCheckedContinuation { continuation in
        let thread = Thread {
            var state = initialState
            var timings = FrameTimings()
            for effect in startApp(&state) { runner.run(effect) }
            terminal.draw(render(state))
            var lastTick = 0.0
            while !state.shouldQuit {
                // Poll quickly while loading: a store's answer arrives through the inbox, which is
                // only looked at between reads (10 ms, not 50: startup waits on two answers).
                let event = terminal.readEvent(timeoutMs: state.isLoading ? 10 : 200)
                let keyTime = monotonicSeconds()
                var actions: [Action] = []
                var isKey = false
                switch event {
                case .key(let key)?: actions.append(.key(key)); isKey = true
                case .resize(let size)?: actions.append(.resize(size))
                case .mouseClick(let x, let y)?: actions.append(.click(x: x, y: y))
                case .wheel(let x, let y, let delta)?: actions.append(.wheel(x: x, y: y, delta: delta))
                case nil: break
                }
                actions += inbox.drain()
                let now = Date().timeIntervalSince1970
                if now - lastTick >= (state.isLoading ? 0.1 : 1) { actions.append(.tick(now)); lastTick = now }
                if actions.isEmpty { continue }
                for action in actions {
                    for effect in reduce(&state, action) {
                        if case .copy(let text) = effect { terminal.copyToClipboard(text) }
                        else if case .artifacts(.openExternal(let runID, let path, let editor)) = effect {
                            // Needs the terminal itself: fetched to a temporary file, then $PAGER/$EDITOR runs in the foreground.
                            if let error = openExternally(store: store, runID: runID, path: path, editor: editor, terminal: terminal) {
                                showMessage(&state, error, isError: true)
                            }
                        } else { runner.run(effect) }
                    }
                }
                if state.shouldQuit { break }
                terminal.draw(render(state))
                if timings.firstRunsFrame == nil && !state.table.rows.isEmpty {
                    timings.firstRunsFrame = monotonicSeconds() - timings.startedAt
                }
                if isKey { timings.keyLatencies.append(monotonicSeconds() - keyTime) }
            }
            terminal.close()
            // stderr, so the figures can be collected while stdout is the terminal.
            if bench { FileHandle.standardError.write(Data((timings.report() + "\n").utf8)) }
            continuation.resume(returning: state)
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
    // OSC 52 may be ignored (no tmux set-clipboard, some terminals): print what was copied.
    for text in finalState.yanked { print("copied: \(text)") }
}
