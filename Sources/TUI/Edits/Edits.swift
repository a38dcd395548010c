import Foundation
import Terminal
import Tracking

/// What an edit line or the untag picker acts on.
enum EditTarget: Equatable, Sendable {
    case runs([RunRef])
    case experiment(id: String, name: String)
}

/// The edit lines of the input line (`InputKind.edit`).
enum EditField: Equatable, Sendable {
    /// `KEY=VALUE`; Tab completes keys, then values, from what the experiment holds.
    case tag(EditTarget)
    case runName(RunRef)
    case experimentName(id: String, name: String)

    var prompt: String {
        switch self {
        case .tag(.runs(let refs)): return "tag \(refs.count == 1 ? refs[0].name : "\(refs.count) runs") KEY=VALUE: "
        case .tag(.experiment(_, let name)): return "tag experiment \(name) KEY=VALUE: "
        case .runName: return "rename run: "
        case .experimentName: return "rename experiment: "
        }
    }
}

/// Asked before a delete or restore, naming what will change: `y` performs the job, any other
/// key keeps everything as it is (as `rm -i` reads anything but yes as no).
struct Confirmation: Equatable, Sendable {
    var question: String
    var job: WriteJob
}

/// Editing from the keyboard: tags, names, descriptions, delete and restore of runs and
/// experiments. Pure, as every reducer: the writes are `Effect.write`, made by the runtime on a
/// store opened for writing only then (Runtime/WriteEffects.swift).
enum Edits {
    static let commands: Set<KeyCommand> = [.editTag, .removeTag, .rename, .editDescription, .deleteItems, .restoreItems]
    static let readOnlyMessage = "read-only (--read-only): edits are off"

    /// An edit key on runs: tags, delete and restore act on every run in `runs` (the marked
    /// ones, else the selected one); rename and the description on the run under the cursor,
    /// `selected`, marks or not (one run's name and text, as the prompt and the editor show).
    static func onRuns(_ state: inout AppState, _ command: KeyCommand, _ runs: [Run], selected: Run?) -> [Effect] {
        guard !state.readOnly else { showMessage(&state, readOnlyMessage, isError: true); return [] }
        guard !runs.isEmpty else { showMessage(&state, "no run selected"); return [] }
        let refs = runs.map(RunRef.init)
        if command == .rename || command == .editDescription {
            guard let selected else { showMessage(&state, "no run selected"); return [] }
            guard selected.info.lifecycleStage == .active else {
                // MLflow refuses writes to a deleted run: said before the editor opens, not after.
                showMessage(&state, "run \(RunRef(selected).name) is deleted: \(state.keys.label(.restoreItems, in: .runs)) restores it first", isError: true)
                return []
            }
            if command == .rename {
                state.input = TextInput(kind: .edit(.runName(RunRef(selected))), text: selected.info.runName)
                return []
            }
            let current = selected.description ?? ""
            return [.editNote(RunRef(selected), current: current, text: state.noteDrafts[selected.info.runID] ?? current)]
        }
        switch command {
        case .editTag:
            state.input = TextInput(kind: .edit(.tag(.runs(refs))), text: tagPrefill(state, runs))
        case .removeTag:
            let picker = untagPicker(runs)
            if picker.items.isEmpty { showMessage(&state, "\(runList(refs)) has no tags to remove") } else { state.picker = picker }
        case .deleteItems, .restoreItems:
            let deleting = command == .deleteItems
            let chosen = runs.filter { ($0.info.lifecycleStage == .deleted) != deleting }.map(RunRef.init)
            guard !chosen.isEmpty else {
                showMessage(&state, deleting ? "\(runList(refs)) already deleted: nothing to delete"
                                             : "\(runList(refs)) not deleted: nothing to restore (\(state.keys.label(.toggleDeleted, in: .runs)) shows deleted runs)")
                return []
            }
            let verb = deleting ? "Delete" : "Restore"
            state.confirm = Confirmation(question: "\(verb) \(runList(chosen))? y/N",
                                         job: deleting ? .deleteRuns(chosen) : .restoreRuns(chosen))
        default: break
        }
        return []
    }

    /// An edit key in the experiments pane, on the selected experiment.
    static func onExperiment(_ state: inout AppState, _ command: KeyCommand) -> [Effect] {
        guard !state.readOnly else { showMessage(&state, readOnlyMessage, isError: true); return [] }
        let visible = state.experiments.visible
        guard visible.indices.contains(state.experiments.cursor.index) else { return [] }
        let row = visible[state.experiments.cursor.index]
        let experiment = row.experiment, id = experiment.experimentID, name = experiment.name
        switch command {
        case .editTag: state.input = TextInput(kind: .edit(.tag(.experiment(id: id, name: name))))
        case .removeTag:
            let items = experiment.tags.map { PickerItem(label: $0.key, count: 1) }.sorted { $0.label < $1.label }
            if items.isEmpty { showMessage(&state, "experiment \(name) has no tags to remove"); return [] }
            state.picker = Picker(purpose: .removeTag(.experiment(id: id, name: name)),
                                  title: "Remove a tag of experiment \(name) (Enter)", items: items)
        case .rename: state.input = TextInput(kind: .edit(.experimentName(id: id, name: name)), text: name)
        case .deleteItems, .restoreItems:
            let deleting = command == .deleteItems
            guard (experiment.lifecycleStage == .deleted) != deleting else {
                showMessage(&state, deleting ? "experiment \(name) is already deleted" : "experiment \(name) is not deleted: nothing to restore")
                return []
            }
            // A restore brings back the runs deleted with it (SQLite: every deleted run of it), so
            // the count of active runs would say 0.
            let runs = deleting ? row.runCount.map { " and its \($0) run\($0 == 1 ? "" : "s")" } ?? "" : " and its deleted runs"
            state.confirm = Confirmation(question: "\(deleting ? "Delete" : "Restore") experiment \(name)\(runs)? y/N",
                                         job: deleting ? .deleteExperiment(id: id, name: name) : .restoreExperiment(id: id, name: name))
        case .editDescription: showMessage(&state, "descriptions are edited on runs (e in the runs table or run details)")
        default: break
        }
        return []
    }

    /// The runs an edit key acts on in the runs table: the marked ones, else the selected one.
    static func tableTargets(_ state: AppState) -> [Run] {
        guard !state.table.marks.isEmpty else { return state.selectedRun.map { [$0] } ?? [] }
        let byID = Dictionary(state.table.runs.map { ($0.info.runID, $0) }, uniquingKeysWith: { a, _ in a })
        return state.table.marks.compactMap { byID[$0] }
    }

    /// On a tag column of the table, the selected run's tag to change; else an empty line.
    private static func tagPrefill(_ state: AppState, _ runs: [Run]) -> String {
        guard state.pane == .runs, state.table.columns.indices.contains(state.table.selectedColumn),
              case .tag(let key) = state.table.columns[state.table.selectedColumn] else { return "" }
        return "\(key)=" + (runs.count == 1 ? runs[0].data.tag(key) ?? "" : "")
    }

    /// The tags of the runs, each with how many of them have it; user tags first.
    private static func untagPicker(_ runs: [Run]) -> Picker {
        var counts: [String: Int] = [:]
        // The name is changed with `r`: removing mlflow.runName would leave MLflow's UI nameless.
        for run in runs { for tag in run.data.tags where tag.key != "mlflow.runName" { counts[tag.key, default: 0] += 1 } }
        let items = counts.map { PickerItem(label: $0.key, count: $0.value) }.sorted {
            let (a, b) = ($0.label.hasPrefix("mlflow."), $1.label.hasPrefix("mlflow."))
            return a != b ? !a : $0.label < $1.label
        }
        let refs = runs.map(RunRef.init)
        return Picker(purpose: .removeTag(.runs(refs)), title: "Remove a tag from \(runList(refs)) (Enter)", items: items)
    }

    /// Enter in the untag picker: only the runs that have the tag (MLflow refuses deleting a
    /// tag a run does not have, `SqlAlchemyStore.delete_tag`).
    static func chooseUntag(_ state: inout AppState, _ target: EditTarget, key: String) -> [Effect] {
        state.picker = nil
        switch target {
        case .runs(let refs):
            let having = Set(state.table.runs.filter { $0.data.tag(key) != nil }.map(\.info.runID))
                .union(state.details?.run.flatMap { $0.data.tag(key) != nil ? [$0.info.runID] : nil } ?? [])
            let chosen = refs.filter { having.contains($0.id) }
            return [.write(.deleteRunTag(chosen.isEmpty ? refs : chosen, key: key))]
        case .experiment(let id, _):
            return [.write(.deleteExperimentTag(id: id, key: key))]
        }
    }

    // MARK: - the edit line

    static func submit(_ state: inout AppState, _ field: EditField, _ text: String) -> [Effect] {
        switch field {
        case .tag(let target):
            guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
                state.input = TextInput(kind: .edit(field), text: text)
                showMessage(&state, "type KEY=VALUE (Tab completes keys and values)", isError: true)
                return []
            }
            let tag = Tag(String(text[..<eq]).trimmingCharacters(in: .whitespaces), String(text[text.index(after: eq)...]))
            switch target {
            case .runs(let refs): return [.write(.setRunTag(refs, tag))]
            case .experiment(let id, _): return [.write(.setExperimentTag(id: id, tag))]
            }
        case .runName(let ref):
            guard text != ref.name else { showMessage(&state, "name unchanged: nothing written"); return [] }
            guard !text.allSatisfy(\.isWhitespace) else { showMessage(&state, "a run name cannot be blank: nothing written", isError: true); return [] }
            return [.write(.renameRun(ref, name: text))]
        case .experimentName(let id, let name):
            guard text != name else { showMessage(&state, "name unchanged: nothing written"); return [] }
            guard !text.allSatisfy(\.isWhitespace) else { showMessage(&state, "an experiment name cannot be blank: nothing written", isError: true); return [] }
            return [.write(.renameExperiment(id: id, name: text))]
        }
    }

    /// Tab on a tag line: before `=` the tag keys, after it the values of that key, from the
    /// experiment's loaded runs (or every experiment's tags): the common prefix is filled in,
    /// the candidates listed under the line.
    static func complete(_ state: inout AppState) {
        guard var input = state.input, case .edit(.tag(let target)) = input.kind else { return }
        var tags: [Tag]
        if case .runs = target { tags = state.table.runs.flatMap(\.data.tags) } else { tags = state.experiments.rows.flatMap(\.experiment.tags) }
        tags.removeAll { $0.key == Tag.noteKey || $0.key == "mlflow.runName" }
        let text = input.text
        var head = "", partial = text, candidates: [String]
        if let eq = text.firstIndex(of: "=") {
            let key = String(text[..<eq])
            head = key + "="
            partial = String(text[text.index(after: eq)...])
            // One-line values only: the line cannot show a newline, and would keep it unseen.
            candidates = Array(Set(tags.filter { $0.key == key && !$0.value.contains("\n") }.map(\.value)))
        } else {
            // System keys only once asked for: they are MLflow's to set.
            candidates = Array(Set(tags.map(\.key).filter { !$0.hasPrefix("mlflow.") || text.hasPrefix("mlflow.") }))
        }
        let matching = candidates.filter { $0.hasPrefix(partial) }.sorted()
        guard !matching.isEmpty else { input.completions = ["(no \(head.isEmpty ? "tag key" : "value") starts with \"\(partial)\")"]; state.input = input; return }
        var common = matching[0]
        for m in matching.dropFirst() { while !m.hasPrefix(common) { common.removeLast() } }
        input.text = head + (matching.count == 1 && head.isEmpty ? common + "=" : common)
        input.cursor = input.text.count
        input.completions = matching.count == 1 ? [] : Array(matching.prefix(20))
        state.input = input
    }

    // MARK: - confirmation and results

    static func answer(_ state: inout AppState, _ key: Key) -> [Effect] {
        guard let confirm = state.confirm else { return [] }
        state.confirm = nil
        if key == .char("y") || key == .char("Y") { return [.write(confirm.job)] }
        showMessage(&state, "cancelled: nothing changed")
        return []
    }

    /// The description came back from the editor: nil when the editor failed (nothing is
    /// written then, nor when the text is unchanged).
    static func noteEdited(_ state: inout AppState, _ run: RunRef, original: String, edited: String?, problem: String?) -> [Effect] {
        if let problem { showMessage(&state, "description not saved: \(problem)", isError: true); return [] }
        guard let edited else { return [] }
        let text = trimmingTrailingNewlines(edited)
        guard text != trimmingTrailingNewlines(original) else { showMessage(&state, "description unchanged: nothing written"); return [] }
        return [.write(.setNote(run, text: text))]
    }

    /// A write answered: on failure one message and nothing reloaded when nothing changed;
    /// else the lists, the table and the open details reload from the store.
    static func written(_ state: inout AppState, _ outcome: WriteOutcome) -> [Effect] {
        let job = outcome.job
        if let error = outcome.error {
            let done = outcome.done > 0 ? job.summary(done: outcome.done) + ", then " : ""
            let failed = job.narrowed(to: outcome.done)
            var kept = ""
            if case .setNote(let ref, let text) = job {
                // The text typed in the editor is not lost: `e` opens it again. Said before the
                // error, which a narrow status line cuts.
                state.noteDrafts[ref.id] = text
                kept = " (your text is kept: e opens it again)"
            }
            showMessage(&state, "\(done)could not \(failed.summary(done: failed.count).replacingFirstWord())\(kept): \(error.description)", isError: true)
            if outcome.done == 0 { return [] }
        } else {
            showMessage(&state, job.summary(done: outcome.done))
            if case .setNote(let ref, _) = job { state.noteDrafts[ref.id] = nil }
            applyToExperimentRow(&state, job)
        }
        // Run counts in the experiments list change with these.
        switch job {
        case .deleteExperiment(let id, _), .restoreExperiment(let id, _): recount(&state, id)
        case .deleteRuns, .restoreRuns: if let id = state.table.experimentID { recount(&state, id) }
        default: break
        }
        if case .deleteRuns(let refs) = job, !state.table.showDeleted {
            let gone = Set(refs.prefix(outcome.done).map(\.id))
            state.table.marks.removeAll { gone.contains($0) }
        }
        var effects = Commands.refresh(&state, manual: false)
        // Details open under another pane (an edit from the table) are stale too.
        if let details = state.details, state.pane != .details, !job.touchesExperiments {
            state.detailsRequest = state.nextRequest()
            effects.append(.loadDetails(request: state.detailsRequest, runID: details.runID))
        }
        return effects
    }

    /// What the store took is on the experiment's row at once: the remove picker, `i`, `D` and
    /// `R` read the row, and the list's reload may answer after the next key.
    private static func applyToExperimentRow(_ state: inout AppState, _ job: WriteJob) {
        func update(_ id: String, _ change: (inout Experiment) -> Void) {
            guard let row = state.experiments.rows.firstIndex(where: { $0.experiment.experimentID == id }) else { return }
            change(&state.experiments.rows[row].experiment)
        }
        switch job {
        case .setExperimentTag(let id, let tag): update(id) { $0.tags.removeAll { $0.key == tag.key }; $0.tags.append(tag) }
        case .deleteExperimentTag(let id, let key): update(id) { $0.tags.removeAll { $0.key == key } }
        case .deleteExperiment(let id, _): update(id) { $0.lifecycleStage = .deleted }
        case .restoreExperiment(let id, _): update(id) { $0.lifecycleStage = .active }
        default: break
        }
    }

    private static func recount(_ state: inout AppState, _ id: String) {
        state.experiments.uncounted = (state.experiments.uncounted ?? []) + [id]
    }

    private static func trimmingTrailingNewlines(_ text: String) -> String {
        var text = text
        while text.last == "\n" || text.last == "\r\n" { text.removeLast() }
        return text
    }
}

private extension String {
    /// "set tag …" stays, "deleted 3 runs" reads "delete 3 runs" after "could not".
    func replacingFirstWord() -> String {
        let verbs = ["renamed": "rename", "saved": "save", "deleted": "delete", "restored": "restore", "removed": "remove"]
        guard let space = firstIndex(of: " "), let verb = verbs[String(self[..<space])] else { return self }
        return verb + self[space...]
    }
}

extension Edits {
    /// The edit keys of the runs table and run details: `T` as the filter's `t` but to write,
    /// `e` edit as k9s, `r` rename as lazygit, `D`/`R` delete and restore (Ctrl-D pages down).
    static func runBindings(_ t: inout KeyRows, on target: String) {
        t.bind([.char("T")], .editTag, "set or change a tag (KEY=VALUE, Tab completes) on \(target)")
        t.bind([.char("u")], .removeTag, "remove a tag from \(target) (a picker of the tags they have)")
        t.bind([.char("r")], .rename, "rename the run")
        t.bind([.char("e")], .editDescription, "edit the run's description (Markdown) in $EDITOR, else $VISUAL, else vi")
        t.bind([.char("D")], .deleteItems, "delete \(target) (asks first)")
        t.bind([.char("R")], .restoreItems, "restore \(target) when deleted (d shows deleted runs; asks first)")
    }

    /// Whether Tab completes in this edit line.
    static func completes(_ kind: InputKind) -> Bool {
        if case .edit(.tag) = kind { return true }
        return false
    }
}
