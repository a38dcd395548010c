#if canImport(Glibc)
import Glibc
#endif

/// Runs a program as the terminal's foreground job, as a job-control shell does: in its own
/// process group, which is given the terminal (tcsetpgrp) for as long as it runs. A program
/// left in a background group cannot read the terminal or set its modes (SIGTTIN, SIGTTOU),
/// which is what a full-screen pager or editor needs first.
enum ForegroundProgram {
    static func run(_ arguments: [String], terminal: Int32 = STDIN_FILENO) -> ProgramOutcome {
        guard let program = arguments.first else { return .failedToStart("no program") }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The child starts with default dispositions (our fatal-signal handlers restore the
        // terminal; a pager must simply die on Ctrl-C) and nothing blocked.
        var defaults = sigset_t(), mask = sigset_t()
        sigemptyset(&defaults)
        sigemptyset(&mask)
        for signal in [SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGTSTP, SIGTTIN, SIGTTOU, SIGPIPE, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let strings = arguments.map { strdup($0) }
        defer { strings.forEach { free($0) } }
        var argv = strings + [nil]
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, program, nil, &attributes, &argv, environ)
        guard spawned == 0 else { return .failedToStart(String(cString: strerror(spawned))) }

        // Handing the terminal over and back makes us a background job for a moment: tcsetpgrp
        // from a background group raises SIGTTOU, which would stop us.
        let previous = signal(SIGTTOU, SIG_IGN)
        defer {
            _ = tcsetpgrp(terminal, getpgrp())
            _ = signal(SIGTTOU, previous)
        }
        _ = tcsetpgrp(terminal, pid)
        return wait(for: pid, terminal: terminal)
    }

    /// Waits for the child to end. A stop (it touched the terminal before it owned it, or Ctrl-Z
    /// with nothing to resume it from) is answered by giving it the terminal again and SIGCONT.
    private static func wait(for pid: pid_t, terminal: Int32) -> ProgramOutcome {
        while true {
            var status: Int32 = 0
            if waitpid(pid, &status, WUNTRACED) < 0 {
                if errno == EINTR { continue }
                return .failedToStart("waitpid: \(String(cString: strerror(errno)))")
            }
            // The <sys/wait.h> macros, which Swift does not import.
            let low = status & 0x7f
            if status & 0xff == 0x7f {
                _ = tcsetpgrp(terminal, pid)
                _ = kill(-pid, SIGCONT)
            } else if low == 0 {
                return .exited((status >> 8) & 0xff)
            } else {
                return .signalled(low)
            }
        }
    }
}
