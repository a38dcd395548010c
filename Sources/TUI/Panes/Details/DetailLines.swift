import Foundation
import Terminal
import Tracking

/// One line of the run details pane. Links (parent, children) can be followed with Enter.
struct DetailLine: Equatable, Sendable {
    var label: String
    var value: String
    var role: ThemeRole
    var link: String?
    var isSection: Bool

    static func section(_ title: String) -> DetailLine { DetailLine(label: title, value: "", role: .section, link: nil, isSection: true) }
    static func field(_ label: String, _ value: String, _ role: ThemeRole = .base, link: String? = nil) -> DetailLine {
        DetailLine(label: label, value: value, role: role, link: link, isSection: false)
    }
}

/// The details pane content of a run: info, description, params, metrics, tags (system tags
/// grouped last and dimmed), parent and children links, inputs.
func detailLines(_ details: RunDetails, now: Double, utcOffset: Int, width: Int) -> [DetailLine] {
    guard let run = details.run else { return [] }
    var lines: [DetailLine] = [.section("Run")]
    let info = run.info
    lines.append(.field("name", info.runName))
    lines.append(.field("run id", info.runID))
    lines.append(.field("status", "\(statusGlyph(info.status)) \(info.status.rawValue)", statusRole(info.status)))
    lines.append(.field("experiment", info.experimentID))
    lines.append(.field("user", info.userID))
    lines.append(.field("started", info.startTime.map { "\(formatAbsolute($0, utcOffset: utcOffset)) (\(formatRelative($0, now: now)))" } ?? "-"))
    lines.append(.field("ended", info.endTime.map { formatAbsolute($0, utcOffset: utcOffset) } ?? "-"))
    lines.append(.field("duration", formatDuration(run, now: now)))
    if let source = run.data.tag("mlflow.source.name") { lines.append(.field("source", source)) }
    lines.append(.field("artifacts", info.artifactURI))
    if info.lifecycleStage == .deleted { lines.append(.field("lifecycle", "deleted", .warning)) }

    if let parent = run.parentRunID {
        lines.append(.section("Parent"))
        lines.append(.field("↑ parent", parent, .link, link: parent))
    }
    if !details.children.isEmpty {
        lines.append(.section("Children (\(details.children.count))"))
        for child in details.children {
            lines.append(.field("↳ " + statusGlyph(child.info.status), "\(child.info.runName)  \(child.info.runID)", .link, link: child.info.runID))
        }
    }
    if let note = run.description, !note.isEmpty {
        lines.append(.section("Description"))
        for paragraph in note.split(separator: "\n", omittingEmptySubsequences: false) {
            for wrapped in wrap(String(paragraph), width: max(20, width - 4)) { lines.append(.field("", wrapped)) }
        }
    }
    lines.append(.section("Params (\(run.data.params.count))"))
    for p in run.data.params.sorted(by: { $0.key < $1.key }) { lines.append(.field(p.key, p.value)) }
    lines.append(.section("Metrics (\(run.data.metrics.count), latest value)"))
    for m in run.data.metrics.sorted(by: { $0.key < $1.key }) {
        var text = "\(formatNumber(m.value))   step \(m.step)"
        if let range = details.metricRanges[m.key], range.count > 1 {
            text += "   min \(formatNumber(range.min))  max \(formatNumber(range.max))  (\(range.count) values)"
        }
        lines.append(.field(m.key, text))
    }
    let userTags = run.data.tags.filter { !$0.key.hasPrefix("mlflow.") }.sorted { $0.key < $1.key }
    let systemTags = run.data.tags.filter { $0.key.hasPrefix("mlflow.") && $0.key != "mlflow.note.content" }.sorted { $0.key < $1.key }
    lines.append(.section("Tags (\(userTags.count))"))
    for t in userTags { lines.append(.field(t.key, t.value)) }
    if !systemTags.isEmpty {
        lines.append(.section("System tags (\(systemTags.count))"))
        for t in systemTags { lines.append(.field(t.key, t.value, .dim)) }
    }
    if !run.inputs.datasetInputs.isEmpty {
        lines.append(.section("Datasets (\(run.inputs.datasetInputs.count))"))
        for input in run.inputs.datasetInputs {
            let d = input.dataset
            let context = input.context.map { " [\($0)]" } ?? ""
            lines.append(.field(d.name + context, "digest \(d.digest)  \(d.sourceType): \(d.source)"))
        }
    }
    if !run.inputs.modelInputs.isEmpty || !run.outputs.modelOutputs.isEmpty {
        lines.append(.section("Models"))
        for m in run.inputs.modelInputs { lines.append(.field("input", m.modelID)) }
        for m in run.outputs.modelOutputs { lines.append(.field("output", m.modelID + (m.step.map { " (step \($0))" } ?? ""))) }
    }
    return lines
}

/// One row of the compare view.
