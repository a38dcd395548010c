import Terminal
import XCTest

/// `Buffer.diff`: what the terminal adapter writes to turn one frame into the next.
final class BufferDiffTests: XCTestCase {
    let size = Size(width: 10, height: 3)
    let red = Style(fg: .ansi(1))

    func frame(_ rows: String...) -> Buffer {
        var buffer = Buffer(size: size)
        for (y, row) in rows.enumerated() { buffer.write(row, x: 0, y: y, style: .plain) }
        return buffer
    }

    /// The runs that turn `a` into `b`.
    func changes(_ a: Buffer?, _ b: Buffer) -> [CellRun] { Buffer.diff(from: a, to: b).runs }

    /// A run at (x, y) as wide as its text's display width.
    func run(_ x: Int, _ text: String, y: Int = 0, _ style: Style = .plain) -> CellRun {
        CellRun(x: x, y: y, text: text, width: text.reduce(0) { $0 + DisplayWidth.of($1) }, style: style)
    }

    func testIdenticalBuffersHaveNoChanges() {
        let a = frame("hello", "world"), b = frame("hello", "world")
        let diff = Buffer.diff(from: a, to: b)
        XCTAssertFalse(diff.fullRedraw)
        XCTAssertEqual(diff.runs, [])
    }

    func testOneChangedCellIsOneRunOfOneCell() {
        let a = frame("hello", "world"), b = frame("hello", "wOrld")
        XCTAssertEqual(changes(a, b), [run(1, "O", y: 1)])
    }

    func testAdjacentChangesOfOneStyleShareARunAndGapsSplitIt() {
        let a = frame("abcdefghij"), b = frame("aXYdefZhij")
        XCTAssertEqual(changes(a, b), [run(1, "XY"), run(6, "Z")])
    }

    func testAStyleOnlyChangeRewritesTheSameTextInTheNewStyle() {
        let a = frame("abc")
        var b = a
        b.restyle(x: 1, y: 0, width: 2) { $0 = self.red }
        XCTAssertEqual(changes(a, b), [run(1, "bc", red)])
    }

    func testARunSplitsWhereTheStyleChanges() {
        let a = frame("")
        var b = a
        b.write("ab", x: 0, y: 0, style: .plain)
        b.write("cd", x: 2, y: 0, style: red)
        XCTAssertEqual(changes(a, b), [run(0, "ab"), run(2, "cd", red)])
    }

    func testAWideCharacterIsWrittenWholeAndCoversTwoColumns() {
        let a = frame("ab cd"), b = frame("ab模d")
        // 模 takes columns 2-3 (its continuation replaces "c"); "d" at 4 is unchanged.
        XCTAssertEqual(changes(a, b), [run(2, "模")])
        XCTAssertEqual(changes(a, b).first?.width, 2)
        let emoji = frame("ab🚀d")
        XCTAssertEqual(changes(b, emoji), [run(2, "🚀")])
    }

    func testReplacingAWideCharacterByNarrowOnesWritesBothColumns() {
        let a = frame("x模y"), b = frame("xABy")
        XCTAssertEqual(changes(a, b), [run(1, "AB")])
    }

    func testAnUnchangedWideCharacterBetweenChangesSplitsTheRun() {
        let a = frame("a模b"), b = frame("A模B")
        XCTAssertEqual(changes(a, b), [run(0, "A"), run(3, "B")])
    }

    func testASizeChangeOrNoPreviousFrameRedrawsEverything() {
        let small = Buffer(size: Size(width: 4, height: 2))
        let next = frame("hi")
        for previous in [nil, small] {
            let diff = Buffer.diff(from: previous, to: next)
            XCTAssertTrue(diff.fullRedraw)
            // Every row written whole (one style): the screen was cleared.
            XCTAssertEqual(diff.runs, (0..<3).map { y in
                CellRun(x: 0, y: y, text: y == 0 ? "hi        " : "          ", width: 10, style: .plain)
            })
        }
    }
}
