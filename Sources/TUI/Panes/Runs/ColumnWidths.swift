import Terminal
import Tracking

/// The name column's width on a pane `totalWidth` wide before any content is measured.
func nameColumnWidth(_ totalWidth: Int) -> Int { min(32, max(14, totalWidth / 4)) }

/// A column's width before its content is measured: what a narrow terminal shows.
func columnWidth(_ column: RunColumn) -> Int {
    switch column {
    case .name: return 20
    case .started: return 19
    case .duration: return 9
    case .user: return 10
    case .source: return 16
    case .param, .metric, .tag, .best: return max(10, min(20, DisplayWidth.of(column.title) + 2))
    case .sparkline: return 26
    }
}

/// How wide a column grows at most when the terminal has room: long values are cut there.
func contentCap(_ column: RunColumn) -> Int {
    column == .name ? 60 : 48
}

/// Whether a column grows to its content when there is room. Started and duration have fixed
/// formats; a sparkline draws into whatever width it gets.
func growsToContent(_ column: RunColumn) -> Bool {
    switch column {
    case .name, .user, .source, .param, .metric, .tag, .best: return true
    case .started, .duration, .sparkline: return false
    }
}

/// The scrollable columns (indices into `table.columns`) that fit after the frozen name column,
/// at their unmeasured widths.
func visibleColumns(_ table: RunsTable, width: Int) -> [Int] {
    var x = 3 + nameColumnWidth(width) + 1
    var shown: [Int] = []
    var i = max(1, table.scrollColumn)
    while i < table.columns.count {
        let w = columnWidth(table.columns[i])
        if x + w > width && !shown.isEmpty { break }
        shown.append(i)
        x += w + 1
        i += 1
    }
    return shown
}

/// The widths one frame draws the table with.
struct TableColumns: Equatable {
    struct Shown: Equatable {
        /// Index into `table.columns`.
        var index: Int
        var width: Int
    }
    var name: Int
    var shown: [Shown]
}

/// The columns that fit at their unmeasured widths (so a narrow terminal shows what it always
/// did), then the width left over shared out: the name column first, up to its widest value,
/// then the other columns left to right, up to theirs. Cheap: the widths were measured when
/// the runs or columns changed (`RunsPane.measureColumns`).
func tableColumns(_ table: RunsTable, width: Int) -> TableColumns {
    var layout = TableColumns(name: nameColumnWidth(width),
                              shown: visibleColumns(table, width: width).map { .init(index: $0, width: columnWidth(table.columns[$0])) })
    var left = width - (3 + layout.name + layout.shown.reduce(0) { $0 + 1 + $1.width })
    func grow(_ current: Int, _ column: RunColumn) -> Int {
        guard left > 0, growsToContent(column), let content = table.contentWidths[column] else { return current }
        let extra = max(0, min(left, min(content, contentCap(column)) - current))
        left -= extra
        return current + extra
    }
    layout.name = grow(layout.name, .name)
    for i in layout.shown.indices { layout.shown[i].width = grow(layout.shown[i].width, table.columns[layout.shown[i].index]) }
    return layout
}

extension RunsPane {
    /// Measures the widest value (header included) of every column not measured yet, over the
    /// rows shown. `rebuildRows` forgets the widths, so they follow each load and rearrangement;
    /// a new column is measured on the next clamp.
    static func measureColumns(_ state: inout AppState) {
        // A column added to a grouped table: its shared values are read once, not per group row.
        if isGrouped(state.table) { readGroupColumns(&state.table) }
        let table = state.table
        for column in table.columns where growsToContent(column) && table.contentWidths[column] == nil {
            // The header with room for a sort arrow.
            var widest = DisplayWidth.of(headerTitle(table, column)) + 2
            let cap = contentCap(column)
            for row in table.rows where widest < cap {
                if row.isGroupRow, let g = row.group {
                    let text = column == .name ? groupNameText(state, g, width: cap) : groupCellText(state, g, column)
                    widest = max(widest, DisplayWidth.of(text))
                    continue
                }
                let run = table.runs[row.index]
                var w = DisplayWidth.of(cellText(run, column, now: state.now, utcOffset: state.utcOffset, summaries: state.table.summaries))
                if column == .name && (table.tree || row.isMember) { w += 2 * row.depth + 2 }
                widest = max(widest, w)
            }
            state.table.contentWidths[column] = min(widest, cap)
        }
    }
}
