import XCTest
import GearmanTool

final class ServerListTests: XCTestCase {
    func testHostsAndPorts() throws {
        XCTAssertEqual(try ServerList.parse("a,b:4731, c:9"),
                       [ServerAddress(host: "a"), ServerAddress(host: "b", port: 4731), ServerAddress(host: "c", port: 9)])
    }

    func testDefaultPortApplies() throws {
        XCTAssertEqual(try ServerList.parse("a", defaultPort: 5000), [ServerAddress(host: "a", port: 5000)])
    }

    func testIPv6() throws {
        XCTAssertEqual(try ServerList.parse("[::1]:4731,[::1],::1"),
                       [ServerAddress(host: "::1", port: 4731), ServerAddress(host: "::1"), ServerAddress(host: "::1")])
    }

    func testEmptyEntriesAreSkipped() throws {
        XCTAssertEqual(try ServerList.parse("a,,b,"), [ServerAddress(host: "a"), ServerAddress(host: "b")])
    }

    func testErrors() {
        for bad in ["", ",", "a:", "a:x", "a:0", "a:65536", ":4730", "[::1", "[::1]x"] {
            XCTAssertThrowsError(try ServerList.parse(bad), bad)
        }
    }

    func testDescription() {
        XCTAssertEqual(ServerAddress(host: "gm", port: 1).description, "gm:1")
        XCTAssertEqual(ServerAddress(host: "::1", port: 1).description, "[::1]:1")
    }
}
