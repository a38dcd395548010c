import Foundation
import TestSupport
import XCTest

/// The comparison itself: it must ignore only what MLflow leaves arbitrary and catch the rest.
final class ComparisonTests: XCTestCase {
    private func doc(_ text: String) throws -> JSONDocument { try JSONDocument.parse(Data(text.utf8)) }

    private func mismatch(_ expected: String, _ actual: String) throws -> String? {
        RESTOutcome.mismatch(expected: .document(try doc(expected)), actual: .document(try doc(actual)))
    }

    func testRunDataListsAndObjectKeysCompareUnordered() throws {
        let a = #"{"runs":[{"info":{"run_id":"r1","status":"FINISHED"},"data":{"params":[{"key":"b","value":"2"},{"key":"a","value":"1"}],"metrics":[{"key":"m","value":"NaN","step":0,"timestamp":5}]}}]}"#
        let b = #"{"runs":[{"data":{"metrics":[{"timestamp":5,"step":0,"value":"NaN","key":"m"}],"params":[{"value":"1","key":"a"},{"key":"b","value":"2"}]},"info":{"status":"FINISHED","run_id":"r1"}}]}"#
        XCTAssertNil(try mismatch(a, b))
    }

    func testIntegerAndFloatSpellingsOfOneNumberAreEqual() throws {
        XCTAssertNil(try mismatch(#"{"metrics":[{"key":"x","value":1.0,"step":0}]}"#, #"{"metrics":[{"key":"x","value":1,"step":0}]}"#))
    }

    func testRunOrderMatters() throws {
        let one = #"{"runs":[{"info":{"run_id":"r1"}},{"info":{"run_id":"r2"}}]}"#
        let two = #"{"runs":[{"info":{"run_id":"r2"}},{"info":{"run_id":"r1"}}]}"#
        let found = try XCTUnwrap(try mismatch(one, two))
        XCTAssertTrue(found.contains("$.runs[0].info.run_id: MLflow \"r1\", mltui \"r2\""), found)
    }

    func testHistoryOrderMatters() throws {
        let found = try mismatch(#"{"metrics":[{"key":"k","value":1,"step":0},{"key":"k","value":2,"step":1}]}"#,
                                 #"{"metrics":[{"key":"k","value":2,"step":1},{"key":"k","value":1,"step":0}]}"#)
        XCTAssertNotNil(found)
    }

    func testReportsChangedMissingAndExtraFields() throws {
        let found = try XCTUnwrap(try mismatch(#"{"runs":[{"info":{"end_time":5,"status":"FINISHED"},"data":{"tags":[{"key":"t","value":"x"}]}}]}"#,
                                               #"{"runs":[{"info":{"status":"FAILED","lifecycle_stage":"active"},"data":{"tags":[{"key":"t","value":"y"}]}}]}"#))
        XCTAssertTrue(found.contains("$.runs[0].info.end_time: missing in mltui"), found)
        XCTAssertTrue(found.contains("$.runs[0].info.lifecycle_stage: unexpected in mltui"), found)
        XCTAssertTrue(found.contains("$.runs[0].info.status: MLflow \"FINISHED\", mltui \"FAILED\""), found)
        XCTAssertTrue(found.contains("$.runs[0].data.tags[0].value: MLflow \"x\", mltui \"y\""), found)
    }

    func testNaNStringIsNotANumber() throws {
        XCTAssertNotNil(try mismatch(#"{"metrics":[{"value":"NaN"}]}"#, #"{"metrics":[{"value":0}]}"#))
        XCTAssertNotNil(try mismatch(#"{"files":[{"is_dir":true}]}"#, #"{"files":[{"is_dir":1}]}"#))
    }

    func testEmptyResultIsAnEmptyObject() throws {
        XCTAssertNotNil(try mismatch("{}", #"{"runs":[]}"#))
    }

    func testErrorsCompareByCodeOnly() {
        XCTAssertNil(RESTOutcome.mismatch(expected: .error(code: "INVALID_PARAMETER_VALUE", message: "a"),
                                          actual: .error(code: "INVALID_PARAMETER_VALUE", message: "b")))
        XCTAssertNotNil(RESTOutcome.mismatch(expected: .error(code: "INVALID_PARAMETER_VALUE", message: ""),
                                             actual: .error(code: "BAD_REQUEST", message: "")))
        XCTAssertNotNil(RESTOutcome.mismatch(expected: .error(code: "INVALID_PARAMETER_VALUE", message: ""),
                                             actual: .document(.object([:]))))
    }

    func testMltuiErrorContract() {
        let good = CommandResult(status: 1, stdout: Data(#"{"error_code": "INVALID_PARAMETER_VALUE", "message": "bad"}"#.utf8),
                                 stderr: Data("mltui: INVALID_PARAMETER_VALUE: bad\n".utf8), timedOut: false)
        guard case .error(let code, _) = RESTOutcome(mltui: good) else { return XCTFail("contract-conforming error not recognised") }
        XCTAssertEqual(code, "INVALID_PARAMETER_VALUE")
        let noStderrLine = CommandResult(status: 1, stdout: good.stdout, stderr: Data(), timedOut: false)
        guard case .broken = RESTOutcome(mltui: noStderrLine) else { return XCTFail("missing stderr line accepted") }
        let crash = CommandResult(status: 134, stdout: Data(), stderr: Data("Fatal error".utf8), timedOut: false)
        guard case .broken = RESTOutcome(mltui: crash) else { return XCTFail("crash accepted") }
    }
}
