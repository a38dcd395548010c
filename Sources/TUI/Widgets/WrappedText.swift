import Terminal

/// `text` wrapped to the width of `rect`, as many lines as fit: an error is not cut at the
/// screen's edge, since its end often says what to do.
func writeWrapped(_ buffer: inout Buffer, _ text: String, _ rect: Rect, style: Style) {
    for (i, line) in wrap(DisplayWidth.sanitized(text), width: rect.width).prefix(max(0, rect.height)).enumerated() {
        buffer.write(line, x: rect.x, y: rect.y + i, maxWidth: rect.width, style: style)
    }
}
