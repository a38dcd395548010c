/// Moving through the details pane by section, and opening a line in the value viewer.
extension DetailsPane {
    /// `]`/`[` move to the next/previous section, the number keys to a named one. The cursor lands
    /// on the section's first line (a link can be followed at once) with its heading at the top.
    static func jump(_ state: inout AppState, _ command: KeyCommand) {
        guard let details = state.details else { return }
        let lines = DetailsPane.lines(state)
        let headings = lines.indices.filter { lines[$0].isSection }
        let cursor = details.cursor.index
        let heading: Int?
        switch command {
        case .nextSection: heading = headings.first { $0 > cursor }
        case .previousSection:
            // First back to the start of the section the cursor is in, as vim's `[[` does.
            let before = headings.filter { $0 < cursor }
            guard let current = before.last else { return }
            heading = target(lines, current) < cursor ? current : before.dropLast().last
        default:
            let wanted: DetailSection
            switch command {
            case .jumpParams: wanted = .params
            case .jumpMetrics: wanted = .metrics
            case .jumpTags: wanted = .tags
            case .jumpModels: wanted = .models
            case .jumpDatasets: wanted = .datasets
            case .jumpSystemMetrics: wanted = .systemMetrics
            default: wanted = .links
            }
            heading = headings.first { lines[$0].heading == wanted }
            if heading == nil {
                let missing = [DetailSection.links: "this run has no parent or children", .models: "this run logged no models",
                               .datasets: "this run has no datasets", .systemMetrics: "this run logged no system metrics (mlflow.start_run(log_system_metrics=True))"]
                showMessage(&state, missing[wanted] ?? "no such section")
            }
        }
        guard let heading else { return }
        state.details!.cursor.index = target(lines, heading)
        state.details!.cursor.top = heading
        clampAll(&state)
    }

    /// The first line under a heading, or the heading of an empty section.
    private static func target(_ lines: [DetailLine], _ heading: Int) -> Int {
        lines.indices.contains(heading + 1) && !lines[heading + 1].isSection ? heading + 1 : heading
    }

    /// The line under the cursor in full: "Params · prompt" and its whole value.
    static func showValue(_ state: inout AppState) -> [Effect] {
        guard let details = state.details else { return [] }
        let lines = DetailsPane.lines(state)
        guard lines.indices.contains(details.cursor.index) else { return [] }
        let line = lines[details.cursor.index]
        guard !line.isSection else { return [] }
        let heading = lines[...details.cursor.index].last { $0.isSection }?.label ?? ""
        let section = heading.components(separatedBy: " (").first ?? heading
        let title = line.label.isEmpty ? section : "\(section) · \(line.label)"
        return ValueOverlay.open(&state, title: title, text: line.full ?? line.value)
    }
}
