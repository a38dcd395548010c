import Terminal

extension ValueOverlay {
/// The viewer over the body: the title and length on the top border, which lines show on the bottom one.
static func render(_ buffer: inout Buffer, _ state: AppState) {
    guard let viewer = state.value else { return }
    let theme = state.theme
    let size = state.size
    let count = viewer.length.map { " · \($0) chars" } ?? ""
    let titleRoom = max(1, size.width - 8 - DisplayWidth.of(count))
    let title = middleElided(viewer.title, to: titleRoom) + count
    // A short value gets a box its size; a long one the whole screen.
    let widest = viewer.lines.map { DisplayWidth.of($0.text) }.max() ?? 0
    let rect = overlayBox(&buffer, state, width: max(widest + 4, DisplayWidth.of(title) + 6, 48),
                          height: viewer.lines.count + 2, title: title)
    for i in 0..<rect.height {
        let index = viewer.top + i
        guard viewer.lines.indices.contains(index) else { break }
        let line = viewer.lines[index]
        buffer.write(line.text, x: rect.x, y: rect.y + i, maxWidth: rect.width, style: theme[line.role])
    }
    // Where the view stands, once the value is taller than the box.
    guard viewer.lines.count > rect.height else { return }
    let last = min(viewer.lines.count, viewer.top + rect.height)
    let position = " lines \(viewer.top + 1)–\(last) of \(viewer.lines.count)\(last == viewer.lines.count ? " (end)" : "") "
    let x = rect.x + rect.width - DisplayWidth.of(position)
    if x > rect.x { buffer.write(position, x: x, y: rect.y + rect.height, style: theme[.overlay_border]) }
}
}
