import Foundation
import Terminal
import Tracking

/// The sections of the details pane that `]`/`[` and the number keys jump between.
enum DetailSection: Equatable, Sendable {
    case run, links, description, params, metrics, systemMetrics, tags, systemTags, datasets, models

    /// The number key that jumps to the section, shown on its heading.
    var jumpKey: Character? {
        switch self {
        case .params: return "1"
        case .metrics: return "2"
        case .tags: return "3"
        case .links: return "4"
        case .models: return "5"
        case .datasets: return "6"
        case .systemMetrics: return "7"
        default: return nil
        }
    }
}

/// One line of the run details pane. Links (parent, children) can be followed with Enter; any
/// other line opens in the value viewer.
struct DetailLine: Equatable, Sendable {
    var label: String
    var value: String
    var role: ThemeRole
    var link: String?
    var isSection: Bool
    /// On a heading: which section it starts.
    var heading: DetailSection?
    /// Paths are shortened in the middle, where they say the least.
    var isPath = false
    /// The text the value viewer shows when `value` is only part of it (a wrapped description).
    var full: String?
    /// A description line as Markdown renders it, drawn across the pane instead of `value`.
    var spans: [TextSpan]?
    /// A link to a model page (a logged model, a registered model or a version); `link` is a run's.
    var target: ModelSubject?

    static func section(_ title: String, _ kind: DetailSection) -> DetailLine {
        DetailLine(label: title, value: "", role: .section, link: nil, isSection: true, heading: kind)
    }
    static func field(_ label: String, _ value: String, _ role: ThemeRole = .base, link: String? = nil,
                      target: ModelSubject? = nil) -> DetailLine {
        DetailLine(label: label, value: value, role: role, link: link, isSection: false, target: target)
    }
    static func path(_ label: String, _ value: String) -> DetailLine {
        DetailLine(label: label, value: value, role: .base, link: nil, isSection: false, isPath: true)
    }
}

/// The details pane content of a run: info, description, params, metrics, tags (system tags
/// grouped last and dimmed), parent and children links, inputs.
func detailLines(_ details: RunDetails, now: Double, utcOffset: Int, width: Int, experimentName: String? = nil) -> [DetailLine] {
    guard let run = details.run else { return [] }
    var lines: [DetailLine] = [.section("Run", .run)]
    let info = run.info
    lines.append(.field("name", info.runName))
    lines.append(.field("run id", info.runID))
    lines.append(.field("status", "\(statusGlyph(info.status)) \(info.status.rawValue)", statusRole(info.status)))
    lines.append(.field("experiment", experimentName.map { "\($0) (\(info.experimentID))" } ?? info.experimentID))
    lines.append(.field("user", info.userID))
    lines.append(.field("started", info.startTime.map { "\(formatAbsolute($0, utcOffset: utcOffset)) (\(formatRelative($0, now: now)))" } ?? "-"))
    lines.append(.field("ended", info.endTime.map { formatAbsolute($0, utcOffset: utcOffset) } ?? "-"))
    lines.append(.field("duration", formatDuration(run, now: now)))
    if let source = run.data.tag("mlflow.source.name") { lines.append(.path("source", source)) }
    lines.append(.path("artifacts", info.artifactURI))
    if info.lifecycleStage == .deleted { lines.append(.field("lifecycle", "deleted", .warning)) }

    if let parent = run.parentRunID {
        lines.append(.section("Parent", .links))
        // The name, as the children's links show it; the id alone when the parent could not be read.
        let name = details.parent.map { "\($0.info.runName)  \(parent)" } ?? parent
        lines.append(.field("↑ parent", name, .link, link: parent))
    }
    if !details.children.isEmpty {
        lines.append(.section("Children (\(details.children.count))", .links))
        for child in details.children {
            lines.append(.field("↳ " + statusGlyph(child.info.status), "\(child.info.runName)  \(child.info.runID)", .link, link: child.info.runID))
        }
    }
    if let note = run.description, !note.isEmpty {
        lines += descriptionLines(note, width: width)
    }
    lines.append(.section("Params (\(run.data.params.count))", .params))
    for p in run.data.params.sorted(by: { $0.key < $1.key }) { lines.append(.field(p.key, p.value)) }
    // Model metrics, then MLflow's system metrics (`system/…`) apart, by device, with sparklines.
    let (system, model) = run.data.metrics.reduce(into: ([Metric](), [Metric]())) { parts, m in
        if SystemMetrics.isSystem(m.key) { parts.0.append(m) } else { parts.1.append(m) }
    }
    lines.append(.section("Metrics (\(model.count), latest value)", .metrics))
    for m in model.sorted(by: { $0.key < $1.key }) {
        var text = "\(formatNumber(m.value))   step \(m.step)"
        if let range = details.metricRanges[m.key], range.count > 1 {
            text += "   min \(formatNumber(range.min))  max \(formatNumber(range.max))  (\(range.count) values)"
        }
        lines.append(.field(m.key, text))
    }
    if !system.isEmpty {
        lines.append(.section("System metrics (\(system.count), latest value)", .systemMetrics))
        let grouped = Dictionary(grouping: system) { SystemMetrics.classify($0.key).group }
        for group in grouped.keys.sorted() {
            lines.append(.field(group.name, "", .label))
            for m in grouped[group]!.sorted(by: { $0.key < $1.key }) {
                var text = formatNumber(m.value)
                if let range = details.metricRanges[m.key], range.count > 1 {
                    text = text.padding(toLength: max(text.count, 10), withPad: " ", startingAt: 0)
                        + " \(range.sparkline)  min \(formatNumber(range.min))  max \(formatNumber(range.max))  (\(range.count) values)"
                }
                var line = DetailLine.field("  " + SystemMetrics.classify(m.key).name, text)
                line.full = "\(m.key)\n\(text)"
                lines.append(line)
            }
        }
    }
    let userTags = run.data.tags.filter { !$0.key.hasPrefix("mlflow.") }.sorted { $0.key < $1.key }
    let systemTags = run.data.tags.filter { $0.key.hasPrefix("mlflow.") && $0.key != Tag.noteKey }.sorted { $0.key < $1.key }
    lines.append(.section("Tags (\(userTags.count))", .tags))
    for t in userTags { lines.append(.field(t.key, t.value)) }
    if !systemTags.isEmpty {
        lines.append(.section("System tags (\(systemTags.count))", .systemTags))
        for t in systemTags { lines.append(.field(t.key, t.value, .dim)) }
    }
    if !run.inputs.modelInputs.isEmpty || !run.outputs.modelOutputs.isEmpty {
        lines.append(.section("Logged models (\(run.outputs.modelOutputs.count))", .models))
        for output in run.outputs.modelOutputs {
            let model = details.models.first { $0.modelID == output.modelID }
            let label = model.map { "↳ \(modelStatusGlyph($0.status)) \($0.name)" } ?? "↳ output"
            let type = model?.modelType.map { "  \($0)" } ?? ""
            lines.append(.field(label, output.modelID + type + (output.step.map { "  step \($0)" } ?? ""), .link,
                                target: .loggedModel(output.modelID)))
        }
        for input in run.inputs.modelInputs {
            lines.append(.field("↑ input", input.modelID, .link, target: .loggedModel(input.modelID)))
        }
    }
    if !details.versions.isEmpty {
        lines.append(.section("Registered versions (\(details.versions.count))", .models))
        for v in details.versions.sorted(by: { ($0.name, $1.versionNumber) < ($1.name, $0.versionNumber) }) {
            lines.append(ModelPagePane.versionLink(v, aliases: v.aliases, named: true))
        }
    }
    if !run.inputs.datasetInputs.isEmpty {
        lines.append(.section("Datasets (\(run.inputs.datasetInputs.count))", .datasets))
        for input in run.inputs.datasetInputs {
            let d = input.dataset
            let context = input.context.map { " [\($0)]" } ?? ""
            let rows = DatasetProfile.fields(d.profile).first { $0.0 == "num_rows" }.map { "\($0.1) rows  " } ?? ""
            var line = DetailLine.field(d.name + context, "\(rows)digest \(d.digest)  \(d.sourceType): \(d.source)")
            // Enter shows the dataset whole: its schema and profile.
            line.full = datasetText(input)
            lines.append(line)
        }
    }
    return lines
}

/// A description under its heading. MLflow's web UI renders notes as Markdown; so do the run
/// details and the model pages, across the pane's width.
func descriptionLines(_ note: String, width: Int) -> [DetailLine] {
    var lines: [DetailLine] = [.section("Description", .description)]
    for styled in markdownLines(note, width: max(20, width - 4)) {
        var line = DetailLine.field("", styled.text)
        line.full = note
        line.spans = styled.spans
        lines.append(line)
    }
    return lines
}

/// A dataset input in full, for the value viewer: source, digest, context, profile and schema.
func datasetText(_ input: DatasetInput) -> String {
    let d = input.dataset
    var text = "name     \(d.name)\ndigest   \(d.digest)\n"
    if let context = input.context { text += "context  \(context)\n" }
    text += "source   \(d.sourceType): \(d.source)\n"
    let profile = DatasetProfile.fields(d.profile)
    if !profile.isEmpty {
        text += "\nProfile\n"
        let width = profile.map { $0.0.count }.max() ?? 0
        for (key, value) in profile { text += "  " + key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value + "\n" }
    }
    if let schema = DatasetSchema(json: d.schema) {
        text += "\nSchema (\(schema.columns.count) column\(schema.columns.count == 1 ? "" : "s"))\n"
        let width = schema.columns.map { $0.name.count }.max() ?? 0
        for column in schema.columns {
            text += "  " + column.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + column.type
                + (column.required ? "" : "  (optional)") + "\n"
        }
    } else if let raw = d.schema, !raw.isEmpty {
        text += "\nSchema\n  \(raw)\n"
    }
    return text
}

/// One row of the compare view.
