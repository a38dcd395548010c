import XCTest
@testable import Tracking

final class JSONTests: XCTestCase {
    func testWriterMatchesPythonIndentAndEscapes() {
        var w = JSONWriter()
        w.beginObject()
        w.field("name", "héllo✓ 🚀")
        w.key("empty"); w.beginArray(); w.endArray()
        w.key("list"); w.beginArray(); w.value(Int64(1)); w.value(2.5); w.endArray()
        w.endObject()
        // What Python's json.dumps(obj, indent=2) (ensure_ascii) prints for the same object.
        XCTAssertEqual(w.string, """
        {
          "name": "h\\u00e9llo\\u2713 \\ud83d\\ude80",
          "empty": [],
          "list": [
            1,
            2.5
          ]
        }
        """)
    }

    func testDoublesAsMLflowWritesThem() {
        XCTAssertEqual(JSONWriter.pythonRepr(1e-05), "1e-05")
        XCTAssertEqual(JSONWriter.pythonRepr(1.2345678901234567e+19), "1.2345678901234567e+19")
        XCTAssertEqual(JSONWriter.pythonRepr(100), "100.0")
        XCTAssertEqual(JSONWriter.pythonRepr(0.1), "0.1")
        XCTAssertEqual(JSONWriter.pythonRepr(1e16), "1e+16")
        XCTAssertEqual(JSONWriter.pythonRepr(1.7976931348623157e308), "1.7976931348623157e+308")
        var w = JSONWriter(pretty: false)
        w.beginArray(); w.value(Double.nan); w.value(Double.infinity); w.value(-Double.infinity); w.endArray()
        XCTAssertEqual(w.string, "[\"NaN\",\"Infinity\",\"-Infinity\"]")
    }

    func testParserRoundTripsAndKeepsInt64Exact() throws {
        let text = #"{"a": [1, -2.5e3, "x\"\u00e9\ud83d\ude80", true, null], "big": 9007199254740993, "o": {}}"#
        let value = try JSONValue.parse(text)
        XCTAssertEqual(value["big"], .int(9007199254740993))
        XCTAssertEqual(value["a"]?.arrayValue?[1], .double(-2500))
        XCTAssertEqual(value["a"]?.arrayValue?[2], .string("x\"é🚀"))
        XCTAssertEqual(try JSONValue.parse(value.serialized()), value)
    }

    func testParserRejectsTruncatedAndGarbageInput() {
        for bad in ["{\"a\": [1, 2", "<html>", "{\"a\" 1}", "[1,]x", "\"\\q\"", ""] {
            XCTAssertThrowsError(try JSONValue.parse(bad), bad)
        }
        let deep = String(repeating: "[", count: 10_000)
        XCTAssertThrowsError(try JSONValue.parse(deep))
    }

    func testNumericFieldsAcceptMLflowInputForms() throws {
        let v = try JSONValue.parse(#"{"t": "1700000000002", "v": "NaN", "w": "1.5", "i": "-Infinity"}"#)
        XCTAssertEqual(v["t"]?.int64Value, 1700000000002)
        XCTAssertTrue(v["v"]?.doubleValue?.isNaN ?? false)
        XCTAssertEqual(v["w"]?.doubleValue, 1.5)
        XCTAssertEqual(v["i"]?.doubleValue, -.infinity)
    }

    func testRunShapeRoundTripsThroughRESTJSON() throws {
        let run = Run(info: RunInfo(runID: "abc", experimentID: "1", runName: "r", userID: "u", status: .finished,
                                    startTime: 5, endTime: nil, artifactURI: "file:///x", lifecycleStage: .active),
                      data: RunData(metrics: [Metric(key: "m", value: .nan, timestamp: 1, step: 2, runID: "abc")],
                                    params: [KeyValue("p", "")], tags: [KeyValue("t", "a\nb")]),
                      inputs: RunInputs(datasetInputs: [DatasetInput(tags: [KeyValue("mlflow.data.context", "training")],
                                                                     dataset: Dataset(name: "d", digest: "1", sourceType: "code", source: "{}"))]),
                      outputs: RunOutputs(modelOutputs: [ModelIO(modelID: "m-1", step: 0)]))
        let json = try JSONValue.parse(RESTResponse.run(run).bytes)
        XCTAssertNil(json["run"]?["info"]?["end_time"], "unset fields are omitted")
        XCTAssertEqual(try Run(json: json["run"]!), run)
        XCTAssertEqual(RESTResponse.runs([]).string, "{}", "an empty search answer is literally {}")
    }

    /// A large runs answer is encoded run by run on all cores; the bytes must be those of one
    /// writer writing everything in order, pretty and compact.
    func testRunsAnswerEncodedInPartsIsByteIdentical() {
        func run(_ i: Int) -> Run {
            let id = "run\(i)"
            let endTime: Int64? = i % 2 == 0 ? nil : Int64(i + 1)
            let info = RunInfo(runID: id, experimentID: "1", runName: "r✓\(i)", userID: "u", status: .finished,
                               startTime: Int64(i), endTime: endTime, artifactURI: "file:///x", lifecycleStage: .active)
            let metrics: [Metric] = i % 3 == 0 ? [] : [Metric(key: "m", value: Double(i) / 7, timestamp: 1, step: 2, runID: id)]
            let tags: [KeyValue] = i % 5 == 0 ? [] : [KeyValue("t", "a\nb")]
            return Run(info: info, data: RunData(metrics: metrics, params: [KeyValue("p", "\(i)")], tags: tags))
        }
        let runs = (0..<300).map(run)
        for pretty in [true, false] {
            var whole = JSONWriter(pretty: pretty)
            whole.beginObject()
            whole.list("runs", runs) { $0.write($1) }
            whole.field("next_page_token", "tok")
            whole.endObject()
            XCTAssertEqual(RESTResponse.runs(runs, nextPageToken: "tok", pretty: pretty).string, whole.string, "pretty: \(pretty)")
        }
    }

    func testErrorBodyIsCompactMLflowShape() throws {
        let body = JSONWriter.errorBody(.notFound("Run with id=x not found"))
        XCTAssertEqual(body, #"{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Run with id=x not found"}"#)
        XCTAssertEqual(MLflowError(json: try JSONValue.parse(body)), .notFound("Run with id=x not found"))
    }
}
