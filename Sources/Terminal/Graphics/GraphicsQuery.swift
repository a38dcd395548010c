#if canImport(Glibc)
import Glibc
#endif

/// Asks the terminal which graphics it speaks (`GraphicsDetection.query`) before ncurses takes
/// it over: the tty in raw mode for a moment, the questions written, the answers read until the
/// device attributes' reply (which every terminal sends, and sends last) or `timeout` seconds
/// (a slow SSH link answers late; the answer ends the wait). What arrived unread is then dropped,
/// so a reply is never taken for keys.
enum GraphicsQuery {
    static func ask(timeout: Double = 1.0) -> String? {
        guard isatty(STDIN_FILENO) != 0, isatty(STDOUT_FILENO) != 0 else { return nil }
        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else { return nil }
        var raw = saved
        cfmakeraw(&raw)
        guard tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0 else { return nil }
        defer {
            tcflush(STDIN_FILENO, TCIFLUSH)
            tcsetattr(STDIN_FILENO, TCSANOW, &saved)
        }
        let query = GraphicsDetection.query
        _ = query.withCString { write(STDOUT_FILENO, $0, strlen($0)) }
        var reply: [UInt8] = []
        let deadline = MonotonicClock.now + timeout
        while MonotonicClock.now < deadline {
            var fds = pollfd(fd: STDIN_FILENO, events: Int16(POLLIN), revents: 0)
            guard poll(&fds, 1, MonotonicClock.pollTimeout(until: deadline)) > 0 else { break }
            var chunk = [UInt8](repeating: 0, count: 512)
            let n = read(STDIN_FILENO, &chunk, chunk.count)
            if n <= 0 { break }
            reply += chunk[0..<n]
            if endsWithDeviceAttributes(reply) { break }
        }
        return String(decoding: reply, as: UTF8.self)
    }

    /// Whether `bytes` hold a primary device attributes reply (`ESC [ ? … c`).
    static func endsWithDeviceAttributes(_ bytes: [UInt8]) -> Bool {
        guard let start = bytes.indices.last(where: { bytes[$0] == 0x1B && $0 + 2 < bytes.count && bytes[$0 + 1] == 0x5B && bytes[$0 + 2] == 0x3F }) else {
            return false
        }
        return bytes[(start + 3)...].contains(0x63)
    }
}
