import Foundation
import Terminal
import Tracking

/// The store opened for writing, once: on the first edit, never at start, so a session that
/// only reads never opens the store to write (a read-only SQLite file, a server without write
/// permission are fine until the user edits). Nil `open`: edits are off.
final class LazyWriter: Sendable {
    private let open: (@Sendable () throws -> any TrackingWriter)?
    private let opened = Locked<(any TrackingWriter)?>(nil)
    /// The write made last: each waits for the one before, so edits land in the order typed
    /// (a tag set, then removed, is removed).
    private let last = Locked<Task<Void, Never>?>(nil)

    init(_ open: (@Sendable () throws -> any TrackingWriter)?) { self.open = open }

    /// Makes the job's calls after every job queued before it; `answer` gets the outcome.
    func perform(_ job: WriteJob, answer: @escaping @Sendable (WriteOutcome) -> Void) {
        last.withLock { last in
            let previous = last
            last = Task.detached { [self] in
                await previous?.value
                answer(await performWrite(job, writer: self))
            }
        }
    }

    func writer() throws -> any TrackingWriter {
        try opened.withLock { writer in
            if let writer { return writer }
            guard let open else { throw MLflowError(.permissionDenied, "this store is open read-only") }
            let new = try open()
            writer = new
            return new
        }
    }
}

/// Makes a job's calls in order and stops at the first failure: a failed call on one run
/// leaves the others as they are, and the message says how far it got.
func performWrite(_ job: WriteJob, writer source: LazyWriter) async -> WriteOutcome {
    var done = 0
    do {
        let writer = try await BlockingWork.run { try source.writer() }
        switch job {
        case .setRunTag(let refs, let tag):
            for ref in refs { try await writer.setTag(runID: ref.id, tag: tag); done += 1 }
        case .deleteRunTag(let refs, let key):
            for ref in refs { try await writer.deleteTag(runID: ref.id, key: key); done += 1 }
        case .renameRun(let ref, let name):
            // `update_run_info` with only a name, as the web UI's rename does: it rewrites mlflow.runName too.
            _ = try await writer.updateRun(id: ref.id, status: nil, endTime: nil, runName: name); done = 1
        case .setNote(let ref, let text):
            try await writer.setTag(runID: ref.id, tag: Tag(Tag.noteKey, text)); done = 1
        case .deleteRuns(let refs):
            for ref in refs { try await writer.deleteRun(id: ref.id); done += 1 }
        case .restoreRuns(let refs):
            for ref in refs { try await writer.restoreRun(id: ref.id); done += 1 }
        case .renameExperiment(let id, let name): try await writer.renameExperiment(id: id, newName: name); done = 1
        case .setExperimentTag(let id, let tag): try await writer.setExperimentTag(experimentID: id, key: tag.key, value: tag.value); done = 1
        case .deleteExperimentTag(let id, let key): try await writer.deleteExperimentTag(experimentID: id, key: key); done = 1
        case .deleteExperiment(let id, _): try await writer.deleteExperiment(id: id); done = 1
        case .restoreExperiment(let id, _): try await writer.restoreExperiment(id: id); done = 1
        }
        return WriteOutcome(job: job, done: done)
    } catch {
        return WriteOutcome(job: job, done: done, error: error.asMLflowError)
    }
}

/// `e`: the description in the user's editor, lazygit's way: curses mode ends, the editor
/// gets the terminal on a temporary file holding the note, then the screen comes back and is
/// redrawn. Answers `noteEdited`; a failed or aborted editor (non-zero exit) answers nil.
func editNote(_ run: RunRef, current: String, text: String, environment: [String: String], device: any TerminalDevice) -> Action {
    func failed(_ problem: String) -> Action { .noteEdited(run: run, original: current, edited: nil, problem: problem) }
    let command: ExternalCommand
    switch externalCommand(editor: true, environment: environment, editorVariables: ["EDITOR", "VISUAL"]) {
    case .success(let found): command = found
    case .failure(let missing): return failed(missing.message)
    }
    let folder = NSTemporaryDirectory() + "mltui-note-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    guard mkdir(folder, 0o700) == 0 else { return failed("cannot create \(folder)") }
    defer { try? FileManager.default.removeItem(atPath: folder) }
    // .md: editors highlight it as Markdown, which it is in MLflow's UI.
    let file = folder + "/description-\(run.id.prefix(8)).md"
    do { try text.write(toFile: file, atomically: true, encoding: .utf8) } catch { return failed("cannot write \(file)") }
    switch device.runOutside(command.arguments + [file]) {
    case .exited(0): break
    case .exited(let status): return failed("\(command.name) exited with status \(status)")
    case .signalled(let signal): return failed("\(command.name) was killed by signal \(signal)")
    case .failedToStart(let reason): return failed("cannot run \(command.name): \(reason)")
    }
    guard let edited = try? String(contentsOfFile: file, encoding: .utf8) else { return failed("cannot read \(file) back") }
    return .noteEdited(run: run, original: current, edited: edited, problem: nil)
}
