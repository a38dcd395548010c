import XCTest
@testable import Analysis
import Tracking

/// Grouping over interned columns and aggregating over read-once metric columns give what reading
/// every run's values as text and numbers gives.
final class ColumnVectorsTests: XCTestCase {
    /// Runs with `keys` params whose values come from `pool` (some missing), and a metric `m`.
    private func runs(count: Int, keys: Int, pool: [String], seed: UInt64) -> [Run] {
        var random = seed
        func next(_ bound: Int) -> Int {
            random = random &* 6364136223846793005 &+ 1442695040888963407
            return Int((random >> 33) % UInt64(bound))
        }
        return (0..<count).map { i in
            var params: [Param] = []
            for k in 0..<keys where next(5) != 0 { params.append(Param("k\(k)", pool[next(pool.count)])) }
            let metrics = next(4) == 0 ? [] : [Metric(key: "m", value: next(7) == 0 ? .nan : Double(next(1000)) / 7, timestamp: 0, step: 0)]
            return Run(info: RunInfo(runID: "r\(i)", experimentID: "0"), data: RunData(metrics: metrics, params: params))
        }
    }

    /// The grouping as a dictionary of value tuples, sorted by Python's order with missing last.
    private func reference(_ runs: [Run], _ keys: [ColumnKey], rows: [Int]) -> [RunGroup] {
        var index: [[String?]: Int] = [:]
        var groups: [RunGroup] = []
        for i in rows {
            let values = keys.map { $0.groupValue(of: runs[i]) }
            if let g = index[values] { groups[g].members.append(i) } else {
                index[values] = groups.count
                groups.append(RunGroup(values: values, members: [i]))
            }
        }
        return groups.sorted { a, b in
            for (x, y) in zip(a.values, b.values) where x != y {
                guard let x else { return false }
                guard let y else { return true }
                return x.unicodeScalars.lexicographicallyPrecedes(y.unicodeScalars)
            }
            return false
        }
    }

    func testGroupsAsReadingEveryRunGroups() {
        // Code points, not Swift's or the locale's order: "B" < "a" < "b" < "é" < "😀".
        let pool = ["a", "b", "B", "é", "😀", "a b", "10", "9", ""]
        for (keys, seed) in [(1, 1), (2, 2), (3, 3)] as [(Int, UInt64)] {
            let runs = runs(count: 300, keys: keys, pool: pool, seed: seed)
            let columns = (0..<keys).map { ColumnKey.param("k\($0)") }
            XCTAssertEqual(Grouping.group(runs, by: columns), reference(runs, columns, rows: Array(runs.indices)))
            let some = runs.indices.filter { $0 % 3 != 1 }
            XCTAssertEqual(Grouping.group(columns.map { InternedColumn(runs, $0) }, rows: some),
                           reference(runs, columns, rows: some), "a subset keeps its indices")
        }
    }

    func testManyKeysWithManyValuesDoNotOverflow() {
        // 12 keys of up to 60 values each: the tuples' codes would pass Int.max without renumbering.
        let pool = (0..<60).map { "v\($0)" }
        let runs = runs(count: 400, keys: 12, pool: pool, seed: 7)
        let columns = (0..<12).map { ColumnKey.param("k\($0)") }
        XCTAssertEqual(Grouping.group(runs, by: columns), reference(runs, columns, rows: Array(runs.indices)))
    }

    func testNoKeysOrNoRuns() {
        let runs = runs(count: 5, keys: 1, pool: ["a"], seed: 1)
        XCTAssertEqual(Grouping.group(runs, by: []), [RunGroup(values: [], members: Array(0..<5))])
        XCTAssertEqual(Grouping.group([], by: [.param("k0")]), [])
    }

    func testMetricColumnAggregatesAsReadingEveryRun() {
        let runs = runs(count: 200, keys: 1, pool: ["a", "b", "c"], seed: 5)
        let groups = Grouping.group(runs, by: [.param("k0")])
        let expected = groups.map { Aggregates($0.members.compactMap { runs[$0].data.metric("m")?.value }) }
        var vectors = ColumnVectors()
        XCTAssertEqual(vectors.metric("m", of: runs).aggregates(groups), expected)
        XCTAssertEqual(Grouping.aggregates(groups, runs, .metric("m")), expected)
        XCTAssertEqual(vectors.metric("absent", of: runs).aggregates(groups).map(\.count), groups.map { _ in 0 })
    }

    func testAggregatesOfTiesZerosAndInfinitiesAsSortingEachGroup() {
        let values: [Double] = [0.0, -0.0, 2, .infinity, 2, -.infinity, .nan, -0.0, 0.0, 1]
        let runs = values.enumerated().map { i, v in
            Run(info: RunInfo(runID: "r\(i)", experimentID: "0"),
                data: RunData(metrics: [Metric(key: "m", value: v, timestamp: 0, step: 0)], params: [Param("k", "\(i % 2)")]))
        }
        let groups = Grouping.group(runs, by: [.param("k")]) + [RunGroup(values: [], members: [])]
        let expected = groups.map { Aggregates($0.members.map { values[$0] }) }
        let got = NumberColumn(runs, .metric("m")).aggregates(groups)
        XCTAssertEqual(got.map(\.min?.sign), expected.map(\.min?.sign), "-0.0 or 0.0 as a stable sort leaves them")
        XCTAssertEqual(got.map(\.max?.sign), expected.map(\.max?.sign))
        XCTAssertEqual(got.map(\.count), expected.map(\.count))
        XCTAssertEqual(got.map(\.std?.isNaN), expected.map(\.std?.isNaN))
        XCTAssertEqual(got.map(\.median), expected.map(\.median))
    }

    func testInternedValuesAndSharing() {
        let runs = runs(count: 50, keys: 1, pool: ["x", "y"], seed: 3)
        let column = InternedColumn(runs, .param("k0"))
        for (i, run) in runs.enumerated() { XCTAssertEqual(column.values[Int(column.ids[i])], run.data.param("k0")) }
        let xs = runs.indices.filter { runs[$0].data.param("k0") == "x" }
        XCTAssertTrue(column.isShared(by: xs))
        XCTAssertFalse(column.isShared(by: Array(runs.indices)))
        XCTAssertTrue(column.isShared(by: []))
    }

    func testVectorsReadAgainForOtherRuns() {
        var vectors = ColumnVectors()
        let few = runs(count: 10, keys: 1, pool: ["a"], seed: 1), more = runs(count: 20, keys: 1, pool: ["b"], seed: 2)
        _ = vectors.interned(.param("k0"), of: few)
        _ = vectors.metric("m", of: few)
        XCTAssertEqual(vectors.interned(.param("k0"), of: more).ids.count, 20, "a longer list is read again")
        XCTAssertEqual(vectors.metric("m", of: more).values.count, 20)
        XCTAssertNotNil(vectors.internedIfRead(.param("k0")))
        XCTAssertNil(vectors.internedIfRead(.param("k1")))
    }
}
