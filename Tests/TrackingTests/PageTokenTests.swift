import XCTest
@testable import Tracking

final class PageTokenTests: XCTestCase {
    func testRoundTripMatchesMLflowBytes() throws {
        XCTAssertEqual(PageToken.encode(offset: 2), "eyJvZmZzZXQiOiAyfQ==")
        XCTAssertEqual(try PageToken.offset("eyJvZmZzZXQiOiAyfQ=="), 2)
        XCTAssertEqual(try PageToken.offset(nil), 0)
    }

    func testRejectsGarbageAndZeroOffset() {
        XCTAssertThrowsError(try PageToken.offset("!!!")) { XCTAssertEqual(($0 as? MLflowError)?.code, .invalidParameterValue) }
        XCTAssertThrowsError(try PageToken.offset(PageToken.encode(offset: 0)))
    }
}
