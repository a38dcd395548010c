import XCTest
@testable import Terminal

final class DisplayWidthTests: XCTestCase {
    func testWidthsOfCharacters() {
        XCTAssertEqual(DisplayWidth.of("a" as Character), 1)
        XCTAssertEqual(DisplayWidth.of("模" as Character), 2)
        XCTAssertEqual(DisplayWidth.of("日" as Character), 2)
        XCTAssertEqual(DisplayWidth.of("한" as Character), 2)
        XCTAssertEqual(DisplayWidth.of("Ａ" as Character), 2, "fullwidth Latin")
        XCTAssertEqual(DisplayWidth.of("🚀" as Character), 2)
        XCTAssertEqual(DisplayWidth.of("e\u{301}" as Character), 1, "e + combining acute is one column")
        XCTAssertEqual(DisplayWidth.of("👨‍👩‍👧" as Character), 2, "ZWJ family is one wide glyph")
        XCTAssertEqual(DisplayWidth.of("🇯🇵" as Character), 2, "flag pair")
        XCTAssertEqual(DisplayWidth.of("❤️" as Character), 2, "emoji presentation selector")
        XCTAssertEqual(DisplayWidth.of("λ" as Character), 1)
        XCTAssertEqual(DisplayWidth.of("\u{7}" as Character), 0)
        XCTAssertEqual(DisplayWidth.of(scalar: "\u{301}"), 0)
        XCTAssertEqual(DisplayWidth.of(scalar: "\u{200B}"), 0, "zero width space is a format character")
    }

    func testWidthsOfStrings() {
        XCTAssertEqual(DisplayWidth.of("vision-模型"), 11)
        XCTAssertEqual(DisplayWidth.of("crashed 🚀"), 10)
        XCTAssertEqual(DisplayWidth.of("Cafe\u{301}"), 4)
    }

    func testTruncateAndPadKeepExactWidth() {
        XCTAssertEqual(DisplayWidth.truncated("日本語の実験", to: 7), "日本語…")
        XCTAssertEqual(DisplayWidth.of(DisplayWidth.truncated("日本語の実験", to: 7)), 7)
        XCTAssertEqual(DisplayWidth.truncated("abcdef", to: 4), "abc…")
        XCTAssertEqual(DisplayWidth.truncated("abc", to: 4), "abc")
        for text in ["日本語の実験-run", "crashed 🚀", "plain", "e\u{301}e\u{301}e\u{301}", ""] {
            for width in 1...12 {
                XCTAssertEqual(DisplayWidth.of(DisplayWidth.padded(text, to: width)), width, "\(text) padded to \(width)")
            }
        }
    }

    func testSanitizeRemovesControlCharacters() {
        XCTAssertEqual(DisplayWidth.sanitized("a\nb\tc"), "a b c")
        XCTAssertEqual(DisplayWidth.sanitized("x\u{1B}[31m"), "x\u{FFFD}[31m")
    }

    func testBufferWritesWideGlyphsAsCellPairs() {
        var buffer = Buffer(size: Size(width: 6, height: 1))
        let used = buffer.write("模a型", x: 0, y: 0, style: .plain)
        XCTAssertEqual(used, 5)
        XCTAssertEqual(buffer[0, 0].text, "模")
        XCTAssertTrue(buffer[1, 0].isContinuation)
        XCTAssertEqual(buffer[2, 0].text, "a")
        XCTAssertEqual(buffer.lines, ["模a型 "])
    }

    func testWideGlyphAtClipEdgeBecomesSpace() {
        var buffer = Buffer(size: Size(width: 5, height: 1))
        buffer.write("ab模", x: 0, y: 0, maxWidth: 3, style: .plain)
        XCTAssertEqual(buffer.lines, ["ab   "])
        XCTAssertFalse(buffer.cells.contains { $0.isContinuation })
    }

    func testOverwritingHalfAWideGlyphBlanksTheOtherHalf() {
        var buffer = Buffer(size: Size(width: 4, height: 1))
        buffer.write("模型", x: 0, y: 0, style: .plain)
        buffer.write("x", x: 1, y: 0, style: .plain)
        XCTAssertEqual(buffer.lines, [" x型"])
    }

    func testColorModeDetectionAndFallback() {
        XCTAssertEqual(ColorMode.detect(environment: ["NO_COLOR": "1"], colors: 256, hasColors: true), .none)
        XCTAssertEqual(ColorMode.detect(environment: ["NO_COLOR": ""], colors: 256, hasColors: true), .ansi256)
        XCTAssertEqual(ColorMode.detect(environment: [:], colors: 8, hasColors: true), .ansi8)
        XCTAssertEqual(ColorMode.detect(environment: [:], colors: 0x1000000, hasColors: true), .direct)
        XCTAssertEqual(ColorMode.ansi256.number(for: .rgb(0, 95, 135)), 24)
        XCTAssertEqual(ColorMode.ansi256.number(for: .rgb(128, 128, 128)), 244)
        XCTAssertEqual(ColorMode.direct.number(for: .rgb(1, 2, 3)), 0x010203)
        XCTAssertEqual(ColorMode.ansi8.number(for: .rgb(255, 0, 0)), 1)
        XCTAssertEqual(ColorMode.ansi8.number(for: .indexed(46)), 2, "xterm green maps to ANSI green")
        XCTAssertEqual(ColorMode.ansi8.number(for: .ansi(9)), 1, "bright red falls back to red")
        XCTAssertEqual(ColorMode.none.number(for: .ansi(1)), -1)
    }
}
