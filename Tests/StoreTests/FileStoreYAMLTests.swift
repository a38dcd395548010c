import Foundation
import XCTest
import Tracking
@testable import FileStore

/// The meta.yaml reader against what PyYAML writes (`mlflow/utils/yaml_utils.py` `write_yaml`).
final class FileStoreYAMLTests: XCTestCase {
    func parse(_ text: String) throws -> [String: YAMLNode] { try MetaYAML.parse(text) }

    func testPlainScalarsNullsAndInts() throws {
        let map = try parse("a: plain text\nb: null\nc: 1795369468486\nd: ''\ne: ~\nf:\ng: -5\n")
        XCTAssertEqual(map["a"]?.string, "plain text")
        XCTAssertNil(map["b"]?.string)
        XCTAssertEqual(map["c"]?.int64, 1795369468486)
        XCTAssertEqual(map["d"]?.string, "")
        XCTAssertNil(map["e"]?.string)
        XCTAssertNil(map["f"]?.string)
        XCTAssertEqual(map["g"]?.int64, -5)
    }

    func testSingleQuotedEscapesAndFolding() throws {
        XCTAssertEqual(try parse("k: 'it''s: ok'\n")["k"]?.string, "it's: ok")
        XCTAssertEqual(try parse("k: '123'\n")["k"]?.int64, nil)  // quoted: a string, not an int
        XCTAssertEqual(try parse("k: '123'\n")["k"]?.string, "123")
        // One line break folds to a space, an empty line is a newline; indentation is dropped.
        XCTAssertEqual(try parse("k: 'a a\n  b b'\n")["k"]?.string, "a a b b")
        XCTAssertEqual(try parse("k: 'line1\n\n  line2'\n")["k"]?.string, "line1\nline2")
        XCTAssertEqual(try parse("k: 'x\n\n\n  y'\n")["k"]?.string, "x\n\ny")
        XCTAssertEqual(try parse("k: '\n\n  leading'\nz: 1\n")["k"]?.string, "\nleading")
    }

    func testDoubleQuotedEscapes() throws {
        XCTAssertEqual(try parse(#"k: "tab\there\nnew \"q\" \\ \x01 \u00e9 \U0001F680 \_ \N \L \e""#)["k"]?.string,
                       "tab\there\nnew \"q\" \\ \u{01} é 🚀 \u{A0} \u{85} \u{2028} \u{1B}")
        // Escaped line break: joins without a space; "\ " keeps a leading space.
        XCTAssertEqual(try parse("k: \"abc\\\n  def\"\n")["k"]?.string, "abcdef")
        XCTAssertEqual(try parse("k: \"abc\\\n  \\ def\"\n")["k"]?.string, "abc def")
        XCTAssertEqual(try parse("k: \"a b\n  c\"\n")["k"]?.string, "a b c")
    }

    func testUnicodeAndFoldedPlain() throws {
        let map = try parse("name: 日本語-実験\nlong: word word\n  word word\n\n  next\nz: 'émoji 🚀'\n")
        XCTAssertEqual(map["name"]?.string, "日本語-実験")
        XCTAssertEqual(map["long"]?.string, "word word word word\nnext")
        XCTAssertEqual(map["z"]?.string, "émoji 🚀")
    }

    func testNestedMappingAndEmptyCollections() throws {
        let map = try parse("destination_id: abc\ntags:\n  mlflow.data.context: training\n  'a: b': 'x'\nz: []\ny: {}\n")
        XCTAssertEqual(map["tags"]?.mapping?["mlflow.data.context"]?.string, "training")
        XCTAssertEqual(map["tags"]?.mapping?["a: b"]?.string, "x")
        XCTAssertEqual(map["z"], .sequence([]))
        XCTAssertEqual(map["y"], .mapping([:]))
        XCTAssertEqual(map["destination_id"]?.string, "abc")
    }

    func testRejectsEmptyAndBrokenDocuments() {
        XCTAssertThrowsError(try parse(""))
        XCTAssertThrowsError(try parse("   \n\n"))
        XCTAssertThrowsError(try parse("k: 'unterminated\n"))
        XCTAssertThrowsError(try parse("just text\n"))
    }

    /// Hundreds of tricky values dumped by the real PyYAML as MLflow dumps them must read back
    /// identically (quotes, `: `, newlines, leading spaces, long folded strings, unicode, escapes).
    func testMatchesPyYAMLOnGeneratedCases() throws {
        let script = MLflowPython.scripts.appendingPathComponent("yaml_cases.py").path
        let cases = try XCTUnwrap(try MLflowPython.json(script, []) as? [[String: Any]])
        XCTAssertGreaterThan(cases.count, 400)
        var failures = 0
        for c in cases {
            let yaml = c["yaml"] as! String
            let data = c["data"] as! [String: Any]
            do {
                let map = try MetaYAML.parse(yaml)
                if !matches(map, data) {
                    failures += 1
                    if failures < 10 { XCTFail("\(c["name"] ?? ""): parsed \(map) from:\n\(yaml)") }
                }
            } catch {
                failures += 1
                if failures < 10 { XCTFail("\(c["name"] ?? ""): \(error) in:\n\(yaml)") }
            }
        }
        XCTAssertEqual(failures, 0)
    }

    func matches(_ map: [String: YAMLNode], _ data: [String: Any]) -> Bool {
        guard Set(map.keys) == Set(data.keys) else { return false }
        return data.allSatisfy { key, value in matches(map[key]!, value) }
    }

    func matches(_ node: YAMLNode, _ value: Any) -> Bool {
        switch value {
        case is NSNull: return node.string == nil && node.mapping == nil
        case let string as String: return node.string == string
        case let number as NSNumber: return node.int64 == number.int64Value
        case let dict as [String: Any]: return node.mapping.map { matches($0, dict) } ?? false
        case let list as [Any]:
            guard case .sequence(let items) = node, items.count == list.count else { return false }
            return zip(items, list).allSatisfy { matches($0, $1) }
        default: return false
        }
    }
}

/// Run meta.yaml fields as `mlflow/store/tracking/file_store.py` `_read_persisted_run_info_dict`
/// reads them.
final class FileStoreRunMetaTests: XCTestCase {
    func info(_ yaml: String, directory: String = "d1") throws -> RunInfo {
        try RunDirectory.info(from: try MetaYAML.parse(yaml), directoryName: directory)
    }

    func testDefaultsAndLegacyFields() throws {
        // Old stores: int experiment_id, run_uuid, no status (RUNNING), no lifecycle_stage (active).
        let old = try info("experiment_id: 3\nrun_uuid: abc\nstart_time: 10\nuser_id: u\n")
        XCTAssertEqual(old.experimentID, "3")
        XCTAssertEqual(old.runID, "abc")
        XCTAssertEqual(old.status, .running)
        XCTAssertEqual(old.lifecycleStage, .active)
        XCTAssertNil(old.endTime)
        // Null times, a deleted run, every status code.
        let deleted = try info("experiment_id: '1'\nrun_id: r\nstart_time: null\nend_time: null\nlifecycle_stage: deleted\ndeleted_time: 5\nstatus: 4\nrun_name: ''\n")
        XCTAssertNil(deleted.startTime)
        XCTAssertEqual(deleted.lifecycleStage, .deleted)
        XCTAssertEqual(deleted.status, .failed)
        XCTAssertEqual(deleted.runName, "")
        XCTAssertEqual(try (1...5).map { try info("experiment_id: '1'\nstatus: \($0)\n").status },
                       [.running, .scheduled, .finished, .failed, .killed])
        XCTAssertEqual(try info("experiment_id: '1'\n", directory: "dirname").runID, "dirname")
        XCTAssertThrowsError(try info("run_id: r\n"))  // no experiment_id: unusable
    }
}
