import Terminal

/// The artifact browser's rows of the key table (appended to `Keymap.bindings`).
let artifactBindings = keyRows(.artifacts) { t in
    t.bind([.enter, .char("l"), .right], .open, "open folder / preview file (in the preview: fold JSON)", footer: "open")
    t.bind([.char("h"), .left], .closeFolder, "close folder / go to parent")
    t.bind([.tab], .focusNext, "switch between tree and preview", footer: "preview")
    t.bind([.char("d")], .download, "download to the current directory", footer: "download")
    t.bind([.char("y")], .yankArtifactURI, "copy the artifact URI", footer: "copy URI")
    t.bind([.char("o")], .openPager, "open the file in $PAGER", footer: "pager")
    t.bind([.char("e")], .openEditor, "open a copy of the file in $EDITOR")
    t.bind([.char("/")], .previewSearch, "search in the previewed file", footer: "search")
    t.bind([.char("n")], .nextMatch, "next match of the search")
    t.bind([.char("N")], .previousMatch, "previous match of the search")
    t.bind([.escape], .back, "close the browser", footer: "back")
}
