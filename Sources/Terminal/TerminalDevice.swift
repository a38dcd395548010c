#if canImport(Glibc)
import Glibc
#endif

/// What the UI loop needs from a terminal: its size, a way to show a frame, to wait for input
/// (or a wake-up, or a deadline), to set the clipboard and to lend the screen to another program.
/// `NcursesTerminal` is the real one; `ScriptedTerminal` plays a script in memory for tests.
public protocol TerminalDevice: AnyObject, Sendable {
    var size: Size { get }
    /// Shows `frame`, writing only what differs from the frame shown before.
    func draw(_ frame: Buffer)
    /// Blocks until input arrives, `wake` is signalled or the monotonic clock reaches `deadline`
    /// (seconds, as `MonotonicClock.now`); the input, or nil when woken or at the deadline.
    func waitForEvent(until deadline: Double?, wake: WakeSignal) -> InputEvent?
    func copyToClipboard(_ text: String)
    /// Writes a bell or a notification sequence (OSC 9/777) as it is.
    func notify(_ sequence: String)
    /// Runs a program (a pager, an editor) in the foreground with the terminal handed over,
    /// then takes the terminal back and redraws the next frame whole.
    func runOutside(_ arguments: [String]) -> ProgramOutcome
    func close()
    /// How images are drawn (`Buffer.images`): a graphics protocol, or half blocks in the cells.
    var graphics: GraphicsProtocol { get }
}

extension TerminalDevice {
    public var graphics: GraphicsProtocol { .halfBlocks }
}

/// How a program run in the foreground ended.
public enum ProgramOutcome: Equatable, Sendable {
    case exited(Int32)
    case signalled(Int32)
    case failedToStart(String)
}

public enum MonotonicClock {
    public static var now: Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Milliseconds from now to `deadline` for poll(2): -1 (forever) without one, never negative.
    static func pollTimeout(until deadline: Double?) -> Int32 {
        guard let deadline else { return -1 }
        let ms = ((deadline - now) * 1000).rounded(.up)
        return Int32(max(0, min(ms, Double(Int32.max))))
    }
}

/// A self-pipe: any thread may `signal()`; the UI loop includes `fd` in its poll(2) set, so a
/// posted action wakes it without a polling interval.
public final class WakeSignal: Sendable {
    /// The read end, to poll for readability.
    public let fd: Int32
    /// The write end; a signal handler may write to it (write(2) is async-signal-safe).
    let writeEnd: Int32

    public init() {
        var ends: [Int32] = [-1, -1]
        precondition(pipe(&ends) == 0, "pipe(2) failed: \(errno)")
        for end in ends {
            // Non-blocking: a full pipe already means "woken"; close-on-exec: a pager must not inherit it.
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        fd = ends[0]
        writeEnd = ends[1]
    }

    deinit {
        Glibc.close(fd)
        Glibc.close(writeEnd)
    }

    public func signal() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    /// Empties the pipe; call before looking at what the signallers left, so a later signal is not lost.
    public func drain() {
        var bytes = [UInt8](repeating: 0, count: 256)
        while read(fd, &bytes, bytes.count) > 0 {}
    }

    /// Waits for the signal (or `deadline`) alone; true when signalled.
    public func wait(until deadline: Double?) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, MonotonicClock.pollTimeout(until: deadline)) > 0
    }
}
