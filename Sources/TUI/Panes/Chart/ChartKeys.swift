import Terminal

/// The chart's rows of the key table (appended to `Keymap.bindings`).
let chartBindings: [KeyBinding] = {
    func b(_ keys: [Key], _ context: KeyContext, _ command: KeyCommand, _ help: String, footer: String? = nil) -> KeyBinding {
        KeyBinding(keys: keys, context: context, command: command, help: help, footer: footer)
    }
    return [
        b([.char("v")], .runs, .chart, "chart a metric of the marked (or selected) runs", footer: "chart"),
        b([.char("S")], .runs, .sparklineColumn, "sparkline column for a metric"),
        b([.escape, .backspace], .chart, .back, "back to the runs", footer: "back"),
        b([.char("m")], .chart, .metricPicker, "choose the metric", footer: "metric"),
        b([.char("x")], .chart, .xMode, "x axis: step, wall time, relative time", footer: "x axis"),
        b([.char("L")], .chart, .logScale, "linear/log y axis", footer: "log"),
        b([.char("[")], .chart, .smoothLess, "less smoothing"),
        b([.char("]")], .chart, .smoothMore, "more smoothing (EMA, as TensorBoard)", footer: "smooth"),
        b([.char("+"), .char("=")], .chart, .zoomIn, "zoom in on x (around the cursor)", footer: "zoom"),
        b([.char("-")], .chart, .zoomOut, "zoom out on x"),
        b([.char("0")], .chart, .zoomReset, "show the whole x range"),
        b([.char("<"), .char(",")], .chart, .panLeft, "pan left"),
        b([.char(">"), .char(".")], .chart, .panRight, "pan right"),
        b([.char("h"), .left], .chart, .cursorLeft, "cursor left (reads out each run)"),
        b([.char("l"), .right], .chart, .cursorRight, "cursor right", footer: "cursor"),
    ]
}()
