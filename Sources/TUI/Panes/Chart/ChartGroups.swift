import Analysis
import Tracking

/// One group of a grouped chart: its name in the legend and the member runs charted.
struct ChartGroup: Equatable, Sendable {
    /// "model=cnn (9)", or "model=cnn (50 of 80)" when not every member is charted.
    var label: String
    /// The values alone ("cnn", "cnn/a"), for the cursor readout.
    var name: String
    var runIDs: [String]
    /// Members of the group, charted or not.
    var total: Int

    /// One colour each: more would repeat colours and crowd the legend.
    static let maxGroups = 8
    /// Each member is one history load (`get-history`, paged, on a tracking server), so a chart
    /// of 8 groups asks for at most 400; a band over 50 runs already shows the spread.
    static let maxMembers = 50

    /// The groups of `runs` in `Grouping.group`'s order (the table's), the first `maxGroups`
    /// of them, each with its first `maxMembers` runs; and how many groups were left out.
    static func make(_ runs: [Run], by keys: [ColumnKey]) -> (groups: [ChartGroup], hidden: Int) {
        let all = Grouping.group(runs, by: keys)
        let groups = all.prefix(maxGroups).map { group in
            let ids = group.members.map { runs[$0].info.runID }
            let shown = Array(ids.prefix(maxMembers))
            let count = shown.count == ids.count ? "\(ids.count)" : "\(shown.count) of \(ids.count)"
            return ChartGroup(label: label(keys, group.values) + " (\(count))",
                              name: group.values.map { $0 ?? "(none)" }.joined(separator: "/"), runIDs: shown, total: ids.count)
        }
        return (groups, all.count - groups.count)
    }

    /// "model=cnn", "model=cnn tags.team=a": params by their bare name as the chart's users
    /// think of them, other keys as `--group-by` names them; a missing value as "(none)".
    static func label(_ keys: [ColumnKey], _ values: [String?]) -> String {
        zip(keys, values).map { key, value in
            let name: String
            if case .param(let k) = key { name = k } else { name = key.header }
            return name + "=" + (value ?? "(none)")
        }.joined(separator: " ")
    }
}

extension ChartView {
    /// Recomputes the band of the groups holding `runID` (every group when nil) once none of
    /// their members is still loading: a band of half-loaded histories would jump page by page,
    /// and recomputing it per page costs a pass over every member's points.
    mutating func rebandGroups(of runID: String?) {
        guard isGrouped else { return }
        if bands.count != groups.count {
            bands = groups.map { BandSeries(label: $0.label, name: $0.name, members: [], transform: transform) }
        }
        for (g, group) in groups.enumerated() where runID.map({ group.runIDs.contains($0) }) ?? true {
            guard !group.runIDs.contains(where: pending.contains) else { continue }
            bands[g] = BandSeries(label: group.label, name: group.name, members: group.runIDs.compactMap { histories[$0] },
                                  transform: transform)
        }
    }

    /// The member runs' drawn lines per group, when shown.
    var memberLines: [[PlotSeries]] {
        showMembers ? groups.map { $0.runIDs.compactMap { preparedByRun[$0] } } : []
    }

    /// "4 groups by model · 30 runs", with what was left out.
    var groupsSummary: String {
        var text = "\(groups.count) group\(groups.count == 1 ? "" : "s")"
        if hiddenGroups > 0 { text = "showing \(groups.count) of \(groups.count + hiddenGroups) groups" }
        let charted = groups.reduce(0) { $0 + $1.runIDs.count }, total = groups.reduce(0) { $0 + $1.total }
        text += " · \(charted) run\(charted == 1 ? "" : "s")"
        if charted < total { text += " (≤\(ChartGroup.maxMembers) per group)" }
        return text
    }
}
