import Foundation
import TestSupport
import TUI
import XCTest

/// The README's key table is generated from the keymap; this keeps it from drifting.
final class ReadmeKeyTableTests: XCTestCase {
    func testREADMEKeyTableMatchesTheKeymap() throws {
        let readme = try String(contentsOf: RepoLayout.root.appendingPathComponent("README.md"), encoding: .utf8)
        guard let begin = readme.range(of: "<!-- keys:begin -->\n"), let end = readme.range(of: "\n<!-- keys:end -->") else {
            return XCTFail("README.md has no <!-- keys:begin --> ... <!-- keys:end --> block")
        }
        let table = String(readme[begin.upperBound..<end.lowerBound])
        XCTAssertEqual(table + "\n", Keymap.markdownTable(),
                       "README's key table is stale: replace it with the output of `mltui keys`")
    }
}
