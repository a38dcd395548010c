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

    func testIdenticalBuffersHaveNoChanges() {
        let a = frame("hello", "world"), b = frame("hello", "world")
        let diff = Buffer.diff(from: a, to: b)
        XCTAssertFalse(diff.fullRedraw)
        XCTAssertEqual(diff.runs, [])
    }

    func testOneChangedCellIsOneRunOfOneCell() {
        let a = frame("hello", "world"), b = frame("hello", "wOrld")
        XCTAssertEqual(Buffer.diff(from: a, to: b).runs, [CellRun(x: 1, y: 1, text: "O", width: 1, style: .plain)])
    }

    func testAdjacentChangesOfOneStyleShareARunAndGapsSplitIt() {
        let a = frame("abcdefghij"), b = frame("aXYdefZhij")
        XCTAssertEqual(Buffer.diff(from: a, to: b).runs, [
            CellRun(x: 1, y: 0, text: "XY", width: 2, style: .plain),
            CellRun(x: 6, y: 0, text: "Z", width: 1, style: .plain),
        ])
    }

    func testAStyleOnlyChangeRewritesTheSameTextInTheNewStyle() {
        let a = frame("abc")
        var b = a
        b.restyle(x: 1, y: 0, width: 2) { $0 = self.red }
        XCTAssertEqual(Buffer.diff(from: a, to: b).runs, [CellRun(x: 1, y: 0, text: "bc", width: 2, style: red)])
    }

    func testARunSplitsWhereTheStyleChanges() {
        let a = frame("")
        var b = a
        b.write("ab", x: 0, y: 0, style: .plain)
        b.write("cd", x: 2, y: 0, style: red)
        XCTAssertEqual(Buffer.diff(from: a, to: b).runs, [
            CellRun(x: 0, y: 0, text: "ab", width: 2, style: .plain),
            CellRun(x: 2, y: 0, text: "cd", width: 2, style: red),
        ])
    }

    func testAWideCharacterIsWrittenWholeAndCoversTwoColumns() {
        let a = frame("ab cd"), b = frame("ab模d")
        // 模 takes columns 2-3 (its continuation replaces "c"); "d" at 4 is unchanged.
        XCTAssertEqual(Buffer.diff(from: a, to: b).runs, [CellRun(x: 2, y: 0, text: "模", width: 2, style: .plain)])
        let emoji = frame("ab🚀d")
        XCTAssertEqual(Buffer.diff(from: b, to: emoji).runs, [CellRun(x: 2, y: 0, text: "🚀", width: 2, style: .plain)])
    }

    func testReplacingAWideCharacterByNarrowOnesWritesBothColumns() {
        let a = frame("x模y"), b = frame("xABy")
        XCTAssertEqual(Buffer.diff(from: a, to: b).runs, [CellRun(x: 1, y: 0, text: "AB", width: 2, style: .plain)])
    }

    func testAnUnchangedWideCharacterBetweenChangesSplitsTheRun() {
        let a = frame("a模b"), b = frame("A模B")
        XCTAssertEqual(Buffer.diff(from: a, to: b).runs, [
            CellRun(x: 0, y: 0, text: "A", width: 1, style: .plain),
            CellRun(x: 3, y: 0, text: "B", width: 1, style: .plain),
        ])
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
