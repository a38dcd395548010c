import Terminal
import XCTest

/// The image protocols' encoders against the byte sequences their specifications give, and how
/// the terminal's protocol is found from its answers and its environment.
final class TerminalGraphicsTests: XCTestCase {
    func testKittyTransmitsInOneChunkOrSeveral() {
        XCTAssertEqual(KittyGraphics.transmit(png: [1, 2, 3], id: 7, columns: 2, rows: 1),
                       "\u{1B}_Ga=T,U=1,f=100,i=7,c=2,r=1,q=2,m=0;AQID\u{1B}\\")
        // 3,075 bytes are 4,100 base64 characters: 4,096 with m=1, then 4 with m=0 and no keys.
        let long = KittyGraphics.transmit(png: [UInt8](repeating: 0, count: 3075), id: 9, columns: 10, rows: 5)
        let chunks = long.components(separatedBy: "\u{1B}\\").filter { !$0.isEmpty }
        XCTAssertEqual(chunks.count, 2)
        XCTAssertTrue(chunks[0].hasPrefix("\u{1B}_Ga=T,U=1,f=100,i=9,c=10,r=5,q=2,m=1;"), chunks[0])
        XCTAssertEqual(chunks[0].split(separator: ";", maxSplits: 1)[1].count, 4096)
        XCTAssertEqual(chunks[1], "\u{1B}_Gm=0;AAAA")
        XCTAssertEqual(KittyGraphics.delete(id: 9), "\u{1B}_Ga=d,d=I,i=9,q=2\u{1B}\\")
    }

    func testKittyPlaceholdersNameRowAndColumn() {
        XCTAssertEqual(KittyGraphics.maxCells, 297)
        XCTAssertEqual(KittyGraphics.placeholderRow(0, columns: 2), ["\u{10EEEE}\u{0305}\u{0305}", "\u{10EEEE}\u{0305}\u{030D}"])
        XCTAssertEqual(KittyGraphics.placeholderRow(2, columns: 1), ["\u{10EEEE}\u{030E}\u{0305}"])
        XCTAssertEqual(KittyGraphics.placeholderRow(296, columns: 1), ["\u{10EEEE}\u{1D244}\u{0305}"])
        // One grapheme per cell: the marks combine with the placeholder.
        XCTAssertEqual(KittyGraphics.placeholderRow(5, columns: 3).map(\.count), [1, 1, 1])
    }

    func testITerm2InlineImage() {
        XCTAssertEqual(ITerm2Image.inline([1, 2, 3], columns: 4, rows: 2),
                       "\u{1B}]1337;File=inline=1;size=3;width=4;height=2;preserveAspectRatio=1:AQID\u{07}")
    }

    func testSixelBandsColoursAndRuns() {
        func image(_ width: Int, _ height: Int, _ pixel: (Int, Int) -> [UInt8]) -> [UInt8] {
            (0..<height).flatMap { y in (0..<width).flatMap { x in pixel(x, y) } }
        }
        let red: [UInt8] = [255, 0, 0, 255], blue: [UInt8] = [0, 0, 255, 255], clear: [UInt8] = [0, 0, 0, 0]
        // Column 0 red, column 1 blue: registers 180 and 5 of the 6x6x6 cube, one band.
        XCTAssertEqual(Sixel.encode(rgba: image(2, 6) { x, _ in x == 0 ? red : blue }, width: 2, height: 6),
                       "\u{1B}P0;1;0q\"1;1;2;6#5;2;0;0;100#180;2;100;0;0#5?~$#180~$\u{1B}\\")
        // Eight red columns: one run; a transparent pixel is not painted.
        XCTAssertEqual(Sixel.encode(rgba: image(8, 6) { _, _ in red }, width: 8, height: 6),
                       "\u{1B}P0;1;0q\"1;1;8;6#180;2;100;0;0#180!8~$\u{1B}\\")
        XCTAssertEqual(Sixel.encode(rgba: image(1, 6) { _, y in y == 0 ? clear : red }, width: 1, height: 6),
                       "\u{1B}P0;1;0q\"1;1;1;6#180;2;100;0;0#180}$\u{1B}\\")
        // Seven rows: two bands, the second with its top row only.
        XCTAssertEqual(Sixel.encode(rgba: image(1, 7) { _, _ in blue }, width: 1, height: 7),
                       "\u{1B}P0;1;0q\"1;1;1;7#5;2;0;0;100#5~$-#5@$\u{1B}\\")
    }

    /// What the adapter writes after a frame: kitty sends an image once (through tmux's
    /// passthrough there) and writes its placeholder rows at the placement on every redraw, in
    /// the colour that names it; a removed image is deleted; iTerm2 and sixel draw at the cell.
    func testGraphicsWriterPlacesImagesAtTheirCells() {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 1, 2]
        let placement = ImagePlacement(x: 3, y: 1, columns: 2, rows: 1, id: "run/a.png", width: 1, height: 1,
                                       rgba: [255, 0, 0, 255], file: png)
        var kitty = GraphicsWriter(graphics: .kitty, inTmux: false, directColor: false)
        let row = "\u{1B}[2;4H\u{1B}[38;5;1m\u{10EEEE}\u{0305}\u{0305}\u{10EEEE}\u{0305}\u{030D}\u{1B}[39m"
        XCTAssertEqual(kitty.sequences(drawing: [placement], removed: []),
                       KittyGraphics.transmit(png: png, id: 1, columns: 2, rows: 1) + row)
        XCTAssertEqual(kitty.sequences(drawing: [placement], removed: []), row, "sent once, placed again")
        XCTAssertEqual(kitty.sequences(drawing: [], removed: [placement]), KittyGraphics.delete(id: 1))
        var tmuxed = GraphicsWriter(graphics: .kitty, inTmux: true, directColor: true)
        let raw = ImagePlacement(x: 0, y: 0, columns: 1, rows: 1, id: "b", width: 1, height: 1, rgba: [1, 2, 3, 255], file: [])
        XCTAssertEqual(tmuxed.sequences(drawing: [raw], removed: []),
                       TmuxPassthrough.wrap(KittyGraphics.transmit(rgba: [1, 2, 3, 255], width: 1, height: 1, id: 1, columns: 1, rows: 1))
                        + "\u{1B}[1;1H\u{1B}[38;2;0;0;1m\u{10EEEE}\u{0305}\u{0305}\u{1B}[39m")
        var iterm = GraphicsWriter(graphics: .iterm2, inTmux: false, directColor: false)
        XCTAssertEqual(iterm.sequences(drawing: [placement], removed: []), "\u{1B}[2;4H" + ITerm2Image.inline(png, columns: 2, rows: 1))
        var sixel = GraphicsWriter(graphics: .sixel, inTmux: false, directColor: false)
        sixel.cellPixels = (width: 1, height: 6)
        // 2 x 1 cells of 1 x 6 pixels: the one red pixel, square, fills 2 x 2 of that 2 x 6 box.
        XCTAssertEqual(sixel.sequences(drawing: [placement], removed: []),
                       "\u{1B}[2;4H" + Sixel.encode(rgba: Array(repeating: [UInt8]([255, 0, 0, 255]), count: 4).flatMap { $0 }, width: 2, height: 2))
        var none = GraphicsWriter(graphics: .halfBlocks, inTmux: false, directColor: false)
        XCTAssertEqual(none.sequences(drawing: [placement], removed: [placement]), "")
    }

    func testTmuxPassthroughDoublesEachEscape() {
        XCTAssertEqual(TmuxPassthrough.wrap("\u{1B}_Ga=d\u{1B}\\"), "\u{1B}Ptmux;\u{1B}\u{1B}_Ga=d\u{1B}\u{1B}\\\u{1B}\\")
    }

    func testDetectionFromTheTerminalsAnswers() {
        XCTAssertEqual(GraphicsDetection.fromReplies("\u{1B}_Gi=31;OK\u{1B}\\\u{1B}[?62;22c"), .kitty)
        XCTAssertEqual(GraphicsDetection.fromReplies("\u{1B}P>|iTerm2 3.5.0\u{1B}\\\u{1B}[?62;4c"), .iterm2)
        XCTAssertEqual(GraphicsDetection.fromReplies("\u{1B}P>|WezTerm 20240203-110809\u{1B}\\\u{1B}[?65;1;9c"), .iterm2)
        XCTAssertEqual(GraphicsDetection.fromReplies("\u{1B}P>|ghostty 1.1.0\u{1B}\\\u{1B}[?62;22c"), .kitty)
        XCTAssertEqual(GraphicsDetection.fromReplies("\u{1B}P>|XTerm(390)\u{1B}\\\u{1B}[?63;1;2;4;6;9;15;16;22;28c"), .sixel)
        XCTAssertNil(GraphicsDetection.fromReplies("\u{1B}[?62;22c"))
        XCTAssertNil(GraphicsDetection.fromReplies("\u{1B}[?4;6c"), "class 4 is the device, not sixel")
        XCTAssertNil(GraphicsDetection.fromReplies(""))
    }

    func testDetectionFromTheEnvironment() {
        XCTAssertEqual(GraphicsDetection.fromEnvironment(["TERM": "xterm-kitty"]), .kitty)
        XCTAssertEqual(GraphicsDetection.fromEnvironment(["TERM": "xterm-256color", "KITTY_WINDOW_ID": "1"]), .kitty)
        XCTAssertEqual(GraphicsDetection.fromEnvironment(["TERM_PROGRAM": "ghostty"]), .kitty)
        XCTAssertEqual(GraphicsDetection.fromEnvironment(["TERM_PROGRAM": "iTerm.app"]), .iterm2)
        XCTAssertEqual(GraphicsDetection.fromEnvironment(["TERM_PROGRAM": "WezTerm"]), .iterm2)
        XCTAssertEqual(GraphicsDetection.fromEnvironment(["TERM": "foot"]), .sixel)
        XCTAssertEqual(GraphicsDetection.fromEnvironment(["TERM": "mlterm-sixel"]), .sixel)
        XCTAssertNil(GraphicsDetection.fromEnvironment(["TERM": "xterm-256color"]))
        XCTAssertEqual(GraphicsDetection.fromEnvironment(["MLTUI_GRAPHICS": "none", "TERM": "xterm-kitty"]), .halfBlocks)
        XCTAssertEqual(GraphicsDetection.fromEnvironment(["MLTUI_GRAPHICS": "sixel"]), .sixel)
        // The answers win over the environment, the override over both; nothing: half blocks.
        XCTAssertEqual(GraphicsDetection.choose(environment: ["TERM_PROGRAM": "iTerm.app"], replies: "\u{1B}_Gi=31;OK\u{1B}\\"), .kitty)
        XCTAssertEqual(GraphicsDetection.choose(environment: ["TERM_PROGRAM": "iTerm.app"], replies: "\u{1B}[?62;22c"), .iterm2)
        XCTAssertEqual(GraphicsDetection.choose(environment: ["MLTUI_GRAPHICS": "none"], replies: "\u{1B}_Gi=31;OK\u{1B}\\"), .halfBlocks)
        XCTAssertEqual(GraphicsDetection.choose(environment: ["TERM": "screen"], replies: nil), .halfBlocks)
    }
}
