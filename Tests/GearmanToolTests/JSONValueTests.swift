import GearmanTool
import XCTest

final class JSONValueTests: XCTestCase {
    func testDecimalsInTheirShortestForm() {
        XCTAssertEqual(JSONValue.array([.decimal(1.234), .decimal(0.12), .decimal(2), .decimal(-0.5)]).text,
                       "[1.234,0.12,2.0,-0.5]")
    }

    func testNonFiniteDecimalsAreNull() {
        XCTAssertEqual(JSONValue.array([.decimal(.infinity), .decimal(.nan)]).text, "[null,null]")
    }
}
