import Foundation
import Tracking
import XCTest

/// `runs/log-model`'s entry and list, against what MLflow 3.17.2 printed for the same inputs
/// (`json.dumps(Model.from_dict(json.loads(x)).get_tags_dict())`, and `json.dumps(json.loads(old) + [entry])`).
/// WriteThroughServeTests compares the stores both servers leave.
final class LoggedModelHistoryTests: XCTestCase {
    func testEntryKeepsTheTagFieldsInModelOrderAndDropsFlavorConfig() throws {
        let json = #"{"run_id":"r","artifact_path":"p","utc_time_created":"t","flavors":{"a":{"config":1,"k":1.0,"e":"\u00e9"}, "b": 3},"model_uuid":"u","x":1}"#
        XCTAssertEqual(try LoggedModelHistory.entry(modelJSON: json),
                       #"{"run_id": "r", "artifact_path": "p", "utc_time_created": "t", "model_uuid": "u", "flavors": {"a": {"k": 1.0, "e": "\u00e9"}, "b": 3}}"#)
        XCTAssertEqual(try LoggedModelHistory.entry(modelJSON: #"{"run_id":null,"artifact_path":"p","utc_time_created":5,"flavors":null}"#),
                       #"{"artifact_path": "p", "utc_time_created": "5", "model_uuid": null, "flavors": {}}"#)
    }

    func testAFalsyCreationTimeBecomesNowAsPythonPrintsIt() throws {
        let now = Date(timeIntervalSince1970: 1_700_000_000.25)
        let entry = try LoggedModelHistory.entry(modelJSON: #"{"run_id":"r","artifact_path":"p","utc_time_created":"","flavors":{}}"#, now: now)
        XCTAssertTrue(entry.contains(#""utc_time_created": "2023-11-14 22:13:20.250000""#), entry)
        let whole = try LoggedModelHistory.entry(modelJSON: #"{"run_id":"r","artifact_path":"p","utc_time_created":null,"flavors":{}}"#,
                                                 now: Date(timeIntervalSince1970: 1_700_000_000))
        XCTAssertTrue(whole.contains(#""utc_time_created": "2023-11-14 22:13:20""#), whole)
    }

    func testRefusalsUseTheHandlersMessages() {
        XCTAssertThrowsError(try LoggedModelHistory.entry(modelJSON: "not json")) { error in
            XCTAssertEqual((error as? MLflowError)?.code, .invalidParameterValue)
            XCTAssertEqual((error as? MLflowError)?.message, "Malformed model info. \n not json \n is not a valid JSON.")
        }
        XCTAssertThrowsError(try LoggedModelHistory.entry(modelJSON: #"{"run_id": "r", "flavors": {}, "utc_time_created": "t"}"#)) { error in
            XCTAssertEqual((error as? MLflowError)?.message, "Model json is missing mandatory fields: {'artifact_path'}")
        }
    }

    func testAppendingRewritesTheListAsPythonDumpsIt() throws {
        XCTAssertEqual(try LoggedModelHistory.appending("{}", to: nil), "[{}]")
        XCTAssertEqual(try LoggedModelHistory.appending("{}", to: #"[{"a":1e5}]"#), #"[{"a": 100000.0}, {}]"#)
        XCTAssertThrowsError(try LoggedModelHistory.appending("{}", to: "{}"))
    }
}
