import CNcursesw
#if canImport(Glibc)
import Glibc
#endif

/// How many colours the terminal can show; themes are mapped down to it.
public enum ColorMode: String, Sendable {
    case none, ansi8, ansi256, direct

    /// NO_COLOR (any non-empty value, see no-color.org) wins; otherwise what terminfo reports.
    public static func detect(environment: [String: String], colors: Int, hasColors: Bool) -> ColorMode {
        if let v = environment["NO_COLOR"], !v.isEmpty { return .none }
        guard hasColors else { return .none }
        if colors >= 0x1000000 { return .direct }
        if colors >= 256 { return .ansi256 }
        return .ansi8
    }

    /// The terminal colour number for `color`, -1 for the terminal's default.
    public func number(for color: Color) -> Int32 {
        switch (self, color) {
        case (_, .default), (.none, _): return -1
        case (.ansi8, .ansi(let n)): return Int32(n % 8)
        case (_, .ansi(let n)): return Int32(n)
        case (.ansi8, .indexed(let n)): return Int32(ColorMode.nearestANSI(ColorMode.rgb(ofIndexed: n)))
        case (_, .indexed(let n)): return Int32(n)
        case (.direct, .rgb(let r, let g, let b)): return Int32(r) << 16 | Int32(g) << 8 | Int32(b)
        case (.ansi256, .rgb(let r, let g, let b)): return Int32(ColorMode.nearestIndexed(r, g, b))
        case (.ansi8, .rgb(let r, let g, let b)): return Int32(ColorMode.nearestANSI((r, g, b)))
        }
    }

    /// The xterm 6x6x6 cube or grey ramp entry closest to an RGB colour.
    static func nearestIndexed(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        let levels: [Int] = [0, 95, 135, 175, 215, 255]
        func level(_ v: UInt8) -> Int { levels.indices.min { abs(levels[$0] - Int(v)) < abs(levels[$1] - Int(v)) }! }
        let (ri, gi, bi) = (level(r), level(g), level(b))
        let cube = (levels[ri], levels[gi], levels[bi])
        let grey = (Int(r) + Int(g) + Int(b)) / 3
        let greyIndex = max(0, min(23, (grey - 8 + 5) / 10))
        let greyValue = 8 + greyIndex * 10
        func dist(_ c: (Int, Int, Int)) -> Int {
            let dr = c.0 - Int(r), dg = c.1 - Int(g), db = c.2 - Int(b)
            return dr * dr + dg * dg + db * db
        }
        if dist((greyValue, greyValue, greyValue)) < dist(cube) { return UInt8(232 + greyIndex) }
        return UInt8(16 + 36 * ri + 6 * gi + bi)
    }

    static func rgb(ofIndexed n: UInt8) -> (UInt8, UInt8, UInt8) {
        if n >= 232 { let v = UInt8(8 + 10 * (Int(n) - 232)); return (v, v, v) }
        if n >= 16 {
            let levels: [UInt8] = [0, 95, 135, 175, 215, 255]
            let i = Int(n) - 16
            return (levels[i / 36], levels[(i / 6) % 6], levels[i % 6])
        }
        return basic[Int(n) % 8]
    }

    static let basic: [(UInt8, UInt8, UInt8)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
    ]

    static func nearestANSI(_ c: (UInt8, UInt8, UInt8)) -> UInt8 {
        var best = 0, bestDist = Int.max
        for (i, b) in basic.enumerated() {
            let d = (Int(b.0) - Int(c.0)) * (Int(b.0) - Int(c.0)) + (Int(b.1) - Int(c.1)) * (Int(b.1) - Int(c.1))
                + (Int(b.2) - Int(c.2)) * (Int(b.2) - Int(c.2))
            if d < bestDist { best = i; bestDist = d }
        }
        return UInt8(best)
    }
}

/// Whether ncurses currently owns the terminal; read by the signal and atexit handlers.
/// nonisolated(unsafe), as the two globals below: a signal handler may take no lock, and these
/// are set by the UI thread before the handlers are installed.
nonisolated(unsafe) private var terminalActive = false

private func restoreTerminalNow() {
    if terminalActive {
        terminalActive = false
        endwin()
    }
}

/// The write end of the resize pipe and ncurses' own SIGWINCH action, for `handleResize`.
nonisolated(unsafe) private var resizeWakeFD: Int32 = -1
nonisolated(unsafe) private var ncursesResizeAction = sigaction()

/// SIGWINCH lands on whichever thread does not block it, usually not the UI loop's (Foundation
/// threads block most signals), so it interrupts no poll(2) there: after ncurses' handler has
/// noted the new size, a byte on the resize pipe wakes the loop, which then reads KEY_RESIZE.
private func handleResize(_ signal: Int32) {
    if let ncursesHandler = ncursesResizeAction.__sigaction_handler.sa_handler { ncursesHandler(signal) }
    var byte: UInt8 = 1
    _ = write(resizeWakeFD, &byte, 1)
}

/// Restores the terminal on a fatal signal, then lets the signal do what it would have done.
private func handleFatalSignal(_ signal: Int32) {
    restoreTerminalNow()
    Glibc.signal(signal, SIG_DFL)
    raise(signal)
}

/// The ncurses adapter: the only code that talks to the terminal. It knows cells and keys,
/// nothing of the app.
/// @unchecked Sendable: ncurses is single-threaded, and only the UI loop's thread calls it.
public final class NcursesTerminal: TerminalDevice, @unchecked Sendable {
    public private(set) var size: Size
    public let colorMode: ColorMode
    private var lastFrame: Buffer?
    private var pairs: [Int64: Int32] = [:]
    private let resized = WakeSignal()
    public let graphics: GraphicsProtocol
    private var graphicsWriter: GraphicsWriter

    /// Takes over the terminal. Restores it on `close()`, at exit, and on SIGINT, SIGTERM,
    /// SIGHUP, SIGQUIT and crash signals.
    public init(environment: [String: String], mouse: Bool = true) throws {
        setlocale(LC_ALL, "")
        if environment["ESCDELAY"] == nil { setenv("ESCDELAY", "25", 1) }
        guard isatty(STDIN_FILENO) != 0, isatty(STDOUT_FILENO) != 0 else {
            throw TerminalError("mltui needs an interactive terminal (stdin and stdout must be a TTY)")
        }
        // initscr on a terminal it cannot drive exits the process with its own message; say why and what to do instead.
        if let reason = TerminalProbe.probe(environment: environment).unusableReason { throw TerminalError(reason) }
        // Asked before ncurses reads the keyboard, so the answers are not taken for keys.
        let forced = !(environment["MLTUI_GRAPHICS"] ?? "").isEmpty
        graphics = GraphicsDetection.choose(environment: environment, replies: forced ? nil : GraphicsQuery.ask())
        guard initscr() != nil else { throw TerminalError("could not initialise the terminal (TERM=\(environment["TERM"] ?? "unset"))") }
        terminalActive = true
        atexit { restoreTerminalNow() }
        for sig in [SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGABRT, SIGFPE] {
            signal(sig) { handleFatalSignal($0) }
        }
        raw()
        noecho()
        nonl()
        keypad(mltui_stdscr(), true)
        curs_set(0)
        let hasColors = has_colors()
        if hasColors && (environment["NO_COLOR"] ?? "").isEmpty {
            start_color()
            use_default_colors()
        }
        colorMode = ColorMode.detect(environment: environment, colors: Int(mltui_colors()), hasColors: hasColors)
        graphicsWriter = GraphicsWriter(graphics: graphics, inTmux: environment["TMUX"] != nil, directColor: colorMode == .direct)
        if mouse { mousemask(mltui_mouse_mask(), nil); mouseinterval(0) }
        size = Size(width: Int(mltui_cols()), height: Int(mltui_lines()))
        watchResizes()
    }

    private func watchResizes() {
        resizeWakeFD = resized.writeEnd
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { handleResize($0) }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(SIGWINCH, &action, &ncursesResizeAction)
    }

    public func close() { restoreTerminalNow() }

    /// Hands the terminal to another program (a pager, an editor) in the foreground, then takes
    /// it back: whatever reached the terminal meanwhile (keys meant for the program, replies to
    /// its queries such as vim's ESC [ > c) is dropped, not read as our keys.
    public func runOutside(_ arguments: [String]) -> ProgramOutcome {
        def_prog_mode()
        endwin()
        let outcome = ForegroundProgram.run(arguments)
        reset_prog_mode()
        tcflush(STDIN_FILENO, TCIFLUSH)
        flushinp()
        lastFrame = nil
        clearok(mltui_stdscr(), true)
        refresh()
        return outcome
    }

    /// Waits for a key, a resize or a click on the terminal, for `wake`, or for `deadline`.
    public func waitForEvent(until deadline: Double?, wake: WakeSignal) -> InputEvent? {
        while true {
            // ncurses may hold bytes it has read already (the rest of a sequence); ask it first.
            if let event = readPending() { return event }
            var fds = [pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wake.fd, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: resized.fd, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 3, MonotonicClock.pollTimeout(until: deadline))
            if ready < 0 && errno == EINTR { continue }
            if fds[2].revents != 0 { resized.drain(); continue }  // ncurses reports KEY_RESIZE next
            if fds[0].revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 {
                // The terminal hung up. The kernel's SIGHUP went to its foreground group, which
                // was not ours if a pager had it then: end as that signal ends us (sent to the
                // process, since this thread blocks it).
                kill(getpid(), SIGHUP)
                return nil
            }
            if fds[0].revents != 0, let event = readPending() { return event }
            if ready <= 0 || fds[1].revents != 0 { return nil }
            // Input that was not a whole event yet (half an escape sequence): wait for the rest.
            if let deadline, MonotonicClock.now >= deadline { return nil }
        }
    }

    /// The next event ncurses can decode without waiting (beyond ESCDELAY inside a sequence).
    private func readPending() -> InputEvent? {
        timeout(0)
        var ch: wint_t = 0
        let kind = wget_wch(mltui_stdscr(), &ch)
        if kind == ERR { return nil }
        if kind == KEY_CODE_YES { return decodeFunctionKey(Int32(ch)) }
        return decodeCharacter(UInt32(ch))
    }

    private func decodeFunctionKey(_ code: Int32) -> InputEvent? {
        switch code {
        case KEY_UP: return .key(.up)
        case KEY_DOWN: return .key(.down)
        case KEY_LEFT: return .key(.left)
        case KEY_RIGHT: return .key(.right)
        case KEY_PPAGE: return .key(.pageUp)
        case KEY_NPAGE: return .key(.pageDown)
        case KEY_HOME, KEY_A1: return .key(.home)
        case KEY_END, KEY_C1: return .key(.end)
        case KEY_ENTER: return .key(.enter)
        case KEY_BACKSPACE: return .key(.backspace)
        case KEY_DC: return .key(.delete)
        case KEY_BTAB: return .key(.backTab)
        case KEY_RESIZE:
            size = Size(width: Int(mltui_cols()), height: Int(mltui_lines()))
            lastFrame = nil
            return .resize(size)
        case KEY_MOUSE:
            var x: Int32 = 0, y: Int32 = 0, wheel: Int32 = 0
            guard mltui_mouse_event(&x, &y, &wheel) != 0 else { return nil }
            return wheel != 0 ? .wheel(x: Int(x), y: Int(y), delta: Int(wheel)) : .mouseClick(x: Int(x), y: Int(y))
        case KEY_F0 + 1 ... KEY_F0 + 12: return .key(.function(Int(code - KEY_F0)))
        default: return nil
        }
    }

    private func decodeCharacter(_ value: UInt32) -> InputEvent? {
        switch value {
        case 9: return .key(.tab)
        case 10, 13: return .key(.enter)
        case 8, 127: return .key(.backspace)
        case 27: return .key(.escape)
        case 0: return .key(.ctrl(" "))
        case 1...26: return .key(.ctrl(Character(Unicode.Scalar(value + 96)!)))
        default:
            guard let scalar = Unicode.Scalar(value) else { return nil }
            return .key(.char(Character(scalar)))
        }
    }

    /// Writes the cells that differ from the previous frame (`Buffer.diff`), then refreshes once.
    public func draw(_ frame: Buffer) {
        // Images drawn over the cells are the terminal's, not ncurses': when they change, the
        // screen is written whole (what they covered comes back) and they are drawn again.
        let imagesChanged = frame.images != (lastFrame?.images ?? [])
        let previous = frame.size == size && !(imagesChanged && !(lastFrame?.images ?? []).isEmpty) ? lastFrame : nil
        let changes = Buffer.diff(from: previous, to: frame)
        if changes.fullRedraw { clearok(mltui_stdscr(), true) }
        for run in changes.runs where run.y < size.height && run.x < size.width {
            // The bottom-right cell makes ncurses scroll on some terminals: never write it.
            let limit = size.width - run.x - (run.y == size.height - 1 ? 1 : 0)
            let text = run.width <= limit ? run.text : Self.prefix(of: run.text, columns: limit)
            if text.isEmpty { continue }
            apply(run.style)
            move(Int32(run.y), Int32(run.x))
            addstr(text)
        }
        let removed = (lastFrame?.images ?? []).filter { !frame.images.contains($0) }
        // Cells written over an image (an overlay closed over it) erased part of it: draw it again.
        let covered = changes.runs.contains { run in
            frame.images.contains { run.y >= $0.y && run.y < $0.y + $0.rows && run.x < $0.x + $0.columns && run.x + run.width > $0.x }
        }
        lastFrame = frame
        refresh()
        if imagesChanged || covered || (changes.fullRedraw && !frame.images.isEmpty) {
            var size = winsize()
            if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_xpixel > 0, size.ws_ypixel > 0, size.ws_col > 0, size.ws_row > 0 {
                graphicsWriter.cellPixels = (Int(size.ws_xpixel) / Int(size.ws_col), Int(size.ws_ypixel) / Int(size.ws_row))
            }
            let sequences = graphicsWriter.sequences(drawing: frame.images, removed: removed)
            // Saved and restored cursor and attributes: ncurses goes on from where it left them.
            if !sequences.isEmpty { mltui_write_stdout("\u{1B}7" + sequences + "\u{1B}8") }
        }
    }

    /// The leading characters of `text` that fit in `columns` (a frame wider than the screen).
    static func prefix(of text: String, columns: Int) -> String {
        var used = 0
        return String(text.prefix { c in
            used += max(1, DisplayWidth.of(c))
            return used <= columns
        })
    }

    private func apply(_ style: Style) {
        var attrs = mltui_a_normal()
        if style.attributes.contains(.bold) { attrs |= mltui_a_bold() }
        if style.attributes.contains(.dim) { attrs |= mltui_a_dim() }
        if style.attributes.contains(.underline) { attrs |= mltui_a_underline() }
        if style.attributes.contains(.italic) { attrs |= mltui_a_italic() }
        var reverse = style.attributes.contains(.reverse)
        // Without colours a highlighted background would vanish; show it as reverse video.
        if colorMode == .none && style.bg != .default { reverse.toggle() }
        if reverse { attrs |= mltui_a_reverse() }
        mltui_set_attr(attrs, pair(for: style))
    }

    private func pair(for style: Style) -> Int32 {
        guard colorMode != .none else { return 0 }
        let fg = colorMode.number(for: style.fg), bg = colorMode.number(for: style.bg)
        if fg == -1 && bg == -1 { return 0 }
        let key = Int64(fg) << 32 | Int64(UInt32(bitPattern: bg))
        if let p = pairs[key] { return p }
        let p = alloc_pair(fg, bg)
        let result = p < 0 ? 0 : p
        pairs[key] = result
        return result
    }

    public func notify(_ sequence: String) { mltui_write_stdout(sequence) }

    /// Sends an OSC 52 clipboard sequence (tmux forwards it with `set-clipboard on`).
    public func copyToClipboard(_ text: String) {
        let sequence = "\u{1B}]52;c;\(Base64.encode(Array(text.utf8)))\u{07}"
        mltui_write_stdout(sequence)
    }
}

public struct TerminalError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

enum Base64 {
    static func encode(_ bytes: [UInt8]) -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        var out = ""
        var i = 0
        while i < bytes.count {
            let b0 = Int(bytes[i]), b1 = i + 1 < bytes.count ? Int(bytes[i + 1]) : 0, b2 = i + 2 < bytes.count ? Int(bytes[i + 2]) : 0
            out.append(table[b0 >> 2])
            out.append(table[(b0 & 3) << 4 | b1 >> 4])
            out.append(i + 1 < bytes.count ? table[(b1 & 15) << 2 | b2 >> 6] : "=")
            out.append(i + 2 < bytes.count ? table[b2 & 63] : "=")
            i += 3
        }
        return out
    }
}
