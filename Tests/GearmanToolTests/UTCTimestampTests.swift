import GearmanTool
import XCTest

final class UTCTimestampTests: XCTestCase {
    /// The last-failed time of a dead-job row, as `gearman admin --dead` shows it.
    func testEpochSecondsInUTC() {
        XCTAssertEqual(UTCTimestamp.string(epochSeconds: 1764523290), "2025-11-30T17:21:30Z")
    }
}
