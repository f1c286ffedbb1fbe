import XCTest
@testable import GearmanCLI

final class ResultPrinterTests: XCTestCase {
    func testPercent() {
        XCTAssertEqual(ResultPrinter.percent(numerator: 1, denominator: 4), 25)
        XCTAssertEqual(ResultPrinter.percent(numerator: 3, denominator: 3), 100)
    }

    func testZeroDenominatorIsZeroPercent() {
        XCTAssertEqual(ResultPrinter.percent(numerator: 5, denominator: 0), 0)
    }

    func testLargeNumeratorDoesNotOverflow() {
        // The C tool multiplies in 32 bits: 50,000,000 * 100 wraps around.
        XCTAssertEqual(ResultPrinter.percent(numerator: 50_000_000, denominator: 100_000_000), 50)
    }
}
