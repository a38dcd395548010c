import Terminal

/// The artifact browser's rows of the key table (appended to `Keymap.bindings`).
let artifactBindings: [KeyBinding] = {
    func b(_ keys: [Key], _ context: KeyContext, _ command: KeyCommand, _ help: String, footer: String? = nil) -> KeyBinding {
        KeyBinding(keys: keys, context: context, command: command, help: help, footer: footer)
    }
    return [
        b([.enter, .char("l"), .right], .artifacts, .open, "open folder / preview file (in the preview: fold JSON)", footer: "open"),
        b([.char("h"), .left], .artifacts, .closeFolder, "close folder / go to parent"),
        b([.tab], .artifacts, .focusNext, "switch between tree and preview", footer: "preview"),
        b([.char("d")], .artifacts, .download, "download to the current directory", footer: "download"),
        b([.char("y")], .artifacts, .yankArtifactURI, "copy the artifact URI", footer: "copy URI"),
        b([.char("o")], .artifacts, .openPager, "open the file in $PAGER", footer: "pager"),
        b([.char("e")], .artifacts, .openEditor, "open a copy of the file in $EDITOR"),
        b([.char("/")], .artifacts, .previewSearch, "search in the previewed file", footer: "search"),
        b([.char("n")], .artifacts, .nextMatch, "next match of the search"),
        b([.char("N")], .artifacts, .previousMatch, "previous match of the search"),
        b([.escape], .artifacts, .back, "close the browser", footer: "back"),
    ]
}()
