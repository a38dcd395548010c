import Terminal

/// The chart pane's rows of the key table (`v` and `S` in the runs table open it and its sparkline column).
let chartBindings = keyRows(.chart) { t in
    t.bind([.escape, .backspace], .back, "back to the runs", footer: "back")
    t.bind([.char("m")], .metricPicker, "choose the metric", footer: "metric")
    t.bind([.char("x")], .xMode, "x axis: step, wall time, relative time", footer: "x axis")
    t.bind([.char("L")], .logScale, "linear/log y axis", footer: "log")
    t.bind([.char("[")], .smoothLess, "less smoothing")
    t.bind([.char("]")], .smoothMore, "more smoothing (EMA, as TensorBoard)", footer: "smooth")
    t.bind([.char("+"), .char("=")], .zoomIn, "zoom in on x (around the cursor)", footer: "zoom")
    t.bind([.char("-")], .zoomOut, "zoom out on x")
    t.bind([.char("0")], .zoomReset, "show the whole x range")
    t.bind([.char("<"), .char(",")], .panLeft, "pan left")
    t.bind([.char(">"), .char(".")], .panRight, "pan right")
    t.bind([.char("h"), .left], .cursorLeft, "cursor left (reads out each run)")
    t.bind([.char("l"), .right], .cursorRight, "cursor right", footer: "cursor")
    t.bind([.char("r")], .toggleMembers, "grouped chart: member runs' lines under the bands on/off", footer: "runs")
}
