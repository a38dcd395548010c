import Analysis
import Foundation
import Terminal
import Tracking

/// Startup and latency figures, written to stderr on exit when MLTUI_BENCH is set.
struct FrameTimings {
    /// Process start on the monotonic clock, so the first-frame figure includes startup.
    var startedAt = processStartSeconds() ?? MonotonicClock.now
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
    return MonotonicClock.now - (bootNow - ticks / hz)
}


/// Runs the terminal UI until the user quits. Store calls run as tasks and come back through
/// the inbox, so a slow or dead backend shows a spinner and an error line instead of freezing
/// the screen.
public func runTUI(store: any TrackingStore, options: TUIOptions) async throws {
    let (theme, warning) = ThemeLoader.resolve(options)
    let terminal = try NcursesTerminal(environment: options.environment, mouse: options.mouse)
    var state = AppState(source: store.uri, theme: theme, size: terminal.size, now: Date().timeIntervalSince1970,
                         utcOffset: TimeZone.current.secondsFromGMT(), refreshInterval: options.refreshInterval,
                         pageSize: options.pageSize, initialExperiment: options.initialExperiment)
    if let warning { showMessage(&state, warning, isError: true) }
    let (utf8, from, variable) = localeIsUTF8(options.environment)
    if !utf8 {
        showMessage(&state, "\(from ?? "no LANG") is not UTF-8: names and charts come out garbled; export \(variable)=C.UTF-8", isError: true)
    }
    state.readOnly = options.readOnly
    state.keys = options.config.keys
    // Runs that ended in the hour before the UI started raise alerts too, as `mltui watch`'s --since.
    state.alerts.endedSince = Int64((state.now - 3600) * 1000)
    state.alerts.notify = options.config.notify ?? .none
    state.alerts.detector = AlertDetector(stallFactor: options.config.stallFactor ?? 5,
                                          stallMinimumMs: Int64((options.config.stallMinimum ?? 60) * 1000),
                                          silentSince: Int64((state.now - 86_400) * 1000))
    if let columns = options.config.columns { state.defaultView.columns = columns }
    state.chartGlyphs = ChartGlyphs.detect(options.environment)
    let bench = options.environment["MLTUI_BENCH"].map { !$0.isEmpty } ?? false
    let finalState = await runApp(state, store: store, device: terminal, themeDirectories: options.themeDirectories,
                                  environment: options.environment, reportTimings: bench,
                                  writer: LazyWriter(options.readOnly ? nil : options.openWriter))
    // OSC 52 may be ignored (no tmux set-clipboard, some terminals): print what was copied.
    for text in finalState.yanked { print("copied: \(text)") }
}

/// Runs the UI loop against `device` on a thread of its own (ncurses is single-threaded, and
/// the loop blocks in poll(2)) until the state says quit; returns that final state.
func runApp(_ initial: AppState, store: any TrackingStore, device: any TerminalDevice, themeDirectories: [String],
            environment: [String: String], reportTimings: Bool = false, writer: LazyWriter = LazyWriter(nil)) async -> AppState {
    await withCheckedContinuation { continuation in
        let thread = Thread {
            var loop = UILoop(store: store, device: device, themeDirectories: themeDirectories, environment: environment,
                              writer: writer)
            let state = loop.run(initial)
            // stderr, so the figures can be collected while stdout is the terminal.
            if reportTimings { FileHandle.standardError.write(Data((loop.timings.report() + "\n").utf8)) }
            continuation.resume(returning: state)
        }
        thread.stackSize = 8 << 20
        thread.start()
    }
}

/// Sleeps until something happens: input on the terminal, an action posted to the inbox (its
/// wake pipe is in the terminal's poll set), or the next tick (the spinner's 100 ms while
/// loading, else the 1 s clock for relative times and live refresh). Then reduces and draws.
struct UILoop {
    let store: any TrackingStore
    let device: any TerminalDevice
    let inbox: ActionInbox
    let runner: EffectRunner
    let environment: [String: String]
    var timings = FrameTimings()
    let tickStats: TickStats?

    init(store: any TrackingStore, device: any TerminalDevice, themeDirectories: [String], environment: [String: String],
         writer: LazyWriter = LazyWriter(nil)) {
        self.store = store
        self.device = device
        self.environment = environment
        let inbox = ActionInbox()
        self.inbox = inbox
        tickStats = TickStats(environment: environment)
        runner = EffectRunner(store: store, inbox: inbox, themeDirectories: themeDirectories,
                              memoryFile: StoreMemoryFile.directory(environment: environment).map(StoreMemoryFile.init),
                              writer: writer)
    }

    mutating func run(_ initial: AppState) -> AppState {
        var state = initial
        state.graphics = device.graphics
        for effect in startApp(&state) { perform(effect, &state) }
        device.draw(render(state))
        var lastTick = MonotonicClock.now
        while !state.shouldQuit {
            let nextTick = lastTick + (state.isLoading ? 0.1 : 1)
            let event = device.waitForEvent(until: nextTick, wake: inbox.wake)
            let woke = MonotonicClock.now
            var actions = event.map { [Self.action(for: $0)] } ?? []
            actions += inbox.drain()
            if woke >= nextTick {
                actions.append(.tick(Date().timeIntervalSince1970))
                lastTick = woke
            }
            if actions.isEmpty { continue }
            for action in actions {
                let effects = reduce(&state, action)
                if case .tick = action, effects.contains(.refreshStore) { tickStats?.refreshStarting() }
                for effect in effects { perform(effect, &state) }
            }
            if state.shouldQuit { break }
            device.draw(render(state))
            if timings.firstRunsFrame == nil && !state.table.rows.isEmpty {
                timings.firstRunsFrame = MonotonicClock.now - timings.startedAt
            }
            if case .key? = event { timings.keyLatencies.append(MonotonicClock.now - woke) }
        }
        device.close()
        return state
    }

    static func action(for event: InputEvent) -> Action {
        switch event {
        case .key(let key): return .key(key)
        case .resize(let size): return .resize(size)
        case .mouseClick(let x, let y): return .click(x: x, y: y)
        case .wheel(let x, let y, let delta): return .wheel(x: x, y: y, delta: delta)
        }
    }

    /// Effects that need the terminal run here, on the loop's thread; the rest go to the runner.
    private func perform(_ effect: Effect, _ state: inout AppState) {
        switch effect {
        case .copy(let text):
            device.copyToClipboard(text)
        case .notify(let sequence):
            device.notify(sequence)
        case .editNote(let run, let current, let text):
            inbox.post(editNote(run, current: current, text: text, environment: environment, device: device))
        case .artifacts(.openExternal(let owner, let path, let editor)):
            let error = openExternally(store: store, owner: owner, path: path, editor: editor,
                                       environment: environment, device: device)
            if let error { showMessage(&state, error, isError: true) }
        default:
            runner.run(effect)
        }
    }
}
