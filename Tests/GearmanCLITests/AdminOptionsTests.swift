import GearmanKit
import GearmanProtocol
import XCTest
@testable import GearmanCLI

final class AdminOptionsTests: XCTestCase {
    private func parse(_ arguments: [String], server: String? = nil) throws -> AdminOptions {
        try AdminOptions(parsing: arguments, environment: { $0 == "GEARMAN_SERVER" ? server : nil })
    }

    func testQueriesRunInGearadminsOrder() throws {
        let options = try parse(["--status", "--workers", "--getpid"])
        XCTAssertEqual(options.queries.map(\.command), ["getpid", "workers", "status"])
    }

    func testServersFromHostsPortAndEnvironment() throws {
        XCTAssertEqual(try parse([]).servers, [ServerAddress(host: "localhost")])
        XCTAssertEqual(try parse(["-h", "a", "-h", "b:1", "-p", "2"]).servers,
                       [ServerAddress(host: "a", port: 2), ServerAddress(host: "b", port: 1)])
        XCTAssertEqual(try parse([], server: "x:5,y").servers, [ServerAddress(host: "x", port: 5), ServerAddress(host: "y")])
        XCTAssertEqual(try parse(["-h", "z"], server: "x:5").servers, [ServerAddress(host: "z")])
    }

    func testMaxQueueTakesOneOrThreeLimits() throws {
        XCTAssertEqual(try parse(["--maxqueue", "f"]).queries.first?.command, "maxqueue f")
        XCTAssertEqual(try parse(["--maxqueue", "f", "5"]).queries.first?.command, "maxqueue f 5")
        XCTAssertEqual(try parse(["--maxqueue=f", "1", "2", "3"]).queries.first?.command, "maxqueue f 1 2 3")
        XCTAssertThrowsError(try parse(["--maxqueue", "f", "x"]))
        XCTAssertThrowsError(try parse(["--status", "extra"]))
    }

    /// `-H` as in classic mode, and `--version`, need no query.
    func testHelpAndVersionLetters() throws {
        XCTAssertTrue(try parse(["-H"]).help)
        XCTAssertTrue(try parse(["--help"]).help)
        XCTAssertTrue(try parse(["-V"]).version)
        XCTAssertTrue(try parse(["--version"]).version)
        XCTAssertTrue(try StatusOptions(parsing: ["-H"], environment: { _ in nil }).help)
        XCTAssertTrue(try StatusOptions(parsing: ["-V"], environment: { _ in nil }).version)
        XCTAssertThrowsError(try StatusOptions(parsing: [], environment: { _ in nil }))
    }

    func testUnknownOptionsAreUnrecognizedAsInTheClient() {
        XCTAssertThrowsError(try parse(["--bogus"])) { error in
            XCTAssertEqual((error as? LongOptions.Failure)?.message, "unrecognized option '--bogus'")
        }
    }

    func testShutdownAndJSONValues() throws {
        XCTAssertEqual(try parse(["--shutdown", "--graceful"]).queries.map(\.command), ["shutdown graceful"])
        XCTAssertEqual(JSONValue.object([("a", .string("x\"\n\u{1}")), ("b", .array([.number(1), .null, .bool(true)]))]).text,
                       #"{"a":"x\"\n\u0001","b":[1,null,true]}"#)
    }
}
