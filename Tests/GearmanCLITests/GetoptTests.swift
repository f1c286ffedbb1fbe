import XCTest
@testable import GearmanCLI

final class GetoptTests: XCTestCase {
    private let getopt = Getopt(optionString: ClassicOptions.optionString)

    func testLongOptionsTakeTheirValueJoinedOrNext() throws {
        let long = Getopt(optionString: "wf:", longOptions: [("id", true), ("json", false)])
        let result = try long.parse(["--id=a", "-w", "--id", "b", "--json", "data", "--", "--id"])
        XCTAssertEqual(result.options, [.init(long: "id", "a"), .init("w"), .init(long: "id", "b"), .init(long: "json")])
        XCTAssertEqual(result.operands, ["data", "--id"])
        XCTAssertThrowsError(try long.parse(["--id"])) { XCTAssertEqual("\($0)", "option '--id' requires an argument") }
        XCTAssertThrowsError(try long.parse(["--json=yes"])) { XCTAssertEqual("\($0)", "option '--json' doesn't allow an argument") }
        XCTAssertThrowsError(try long.parse(["--i"])) { XCTAssertEqual("\($0)", "unrecognized option '--i'") }
    }

    func testWithoutLongOptionsADoubleDashWordIsGetoptsInvalidDash() {
        XCTAssertThrowsError(try getopt.parse(["--id"])) { XCTAssertEqual("\($0)", "invalid option -- '-'") }
    }

    func testClusteredFlags() throws {
        let result = try getopt.parse(["-bv", "-f", "x"])
        XCTAssertEqual(result.options, [.init("b"), .init("v"), .init("f", "x")])
        XCTAssertEqual(result.operands, [])
    }

    func testJoinedValues() throws {
        let result = try getopt.parse(["-fwc", "-c1", "-bfecho"])
        XCTAssertEqual(result.options, [.init("f", "wc"), .init("c", "1"), .init("b"), .init("f", "echo")])
    }

    func testValueMayStartWithDash() throws {
        let result = try getopt.parse(["-f", "-n"])
        XCTAssertEqual(result.options, [.init("f", "-n")])
    }

    func testPermutationCollectsOperandsAnywhere() throws {
        let result = try getopt.parse(["one", "-f", "x", "two", "-b", "three"])
        XCTAssertEqual(result.options, [.init("f", "x"), .init("b")])
        XCTAssertEqual(result.operands, ["one", "two", "three"])
    }

    func testDoubleDashEndsOptions() throws {
        let result = try getopt.parse(["-w", "-f", "wc", "--", "wc", "-l"])
        XCTAssertEqual(result.options, [.init("w"), .init("f", "wc")])
        XCTAssertEqual(result.operands, ["wc", "-l"])
    }

    func testWithoutDoubleDashALaterDashOptionIsStillAnOption() {
        // GNU permutation: `gearman -w -f wc wc -l` reads -l as an (unknown) option.
        XCTAssertThrowsError(try getopt.parse(["-w", "-f", "wc", "wc", "-l"])) { error in
            XCTAssertEqual(error as? Getopt.ParseError, .invalidOption("l"))
        }
    }

    func testLoneDashIsAnOperand() throws {
        XCTAssertEqual(try getopt.parse(["-", "-f", "x"]).operands, ["-"])
    }

    func testMissingValue() {
        XCTAssertThrowsError(try getopt.parse(["-f", "x", "-t"])) { error in
            XCTAssertEqual(error as? Getopt.ParseError, .missingValue("t"))
            XCTAssertEqual((error as? Getopt.ParseError)?.description, "option requires an argument -- 't'")
        }
    }

    func testUnknownOptionInACluster() {
        XCTAssertThrowsError(try getopt.parse(["-bx"])) { error in
            XCTAssertEqual((error as? Getopt.ParseError)?.description, "invalid option -- 'x'")
        }
    }

    func testColonIsNeverAnOption() {
        XCTAssertThrowsError(try getopt.parse(["-:"]))
    }

    func testPosixlyCorrectStopsAtFirstOperand() throws {
        let posix = Getopt(optionString: ClassicOptions.optionString, posixlyCorrect: true)
        let result = try posix.parse(["-f", "x", "data", "-b"])
        XCTAssertEqual(result.options, [.init("f", "x")])
        XCTAssertEqual(result.operands, ["data", "-b"])
    }
}
