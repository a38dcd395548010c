import Terminal

extension HelpOverlay {
    static func render(_ buffer: inout Buffer, _ state: AppState) {
        guard let help = state.help else { return }
        let theme = state.theme
        let width = boxWidth(state.size)
        let lines = help.lines(width: width, keys: state.keys)
        let rect = overlayBox(&buffer, state, width: width, height: lines.count + 2, title: "Keys (\(state.keys.label(.back, in: .help)) closes)")
        let keyWidth = Self.keyWidth(width)
        for i in 0..<rect.height {
            let index = help.cursor.top + i
            guard lines.indices.contains(index) else { break }
            let line = lines[index]
            if line.isSection {
                buffer.write(line.keys, x: rect.x, y: rect.y + i, maxWidth: rect.width, style: theme[.section])
            } else {
                buffer.write(DisplayWidth.padded(line.keys, to: keyWidth), x: rect.x, y: rect.y + i, style: theme[.footer_key])
                buffer.write(line.help, x: rect.x + keyWidth + 1, y: rect.y + i, maxWidth: rect.width - keyWidth - 1, style: theme[.overlay])
            }
        }
    }
}
