import XCTest
import GearmanKit
import GearmanTool
@testable import GearmanCLI

final class ClassicOptionsTests: XCTestCase {
    func testWorkerLongOptions() throws {
        let options = try ClassicOptions.parse(["-w", "--id", "thumbs-1", "-f", "t", "--job-timeout=2.5", "--", "convert"])
        XCTAssertEqual(options.workerID, "thumbs-1")
        XCTAssertEqual(options.jobTimeoutSeconds, 2.5)
        XCTAssertEqual(options.operands, ["convert"])
        let refused: [([String], String)] = [
            (["-w", "-f", "t", "--job-timeout", "0", "--", "x"], "invalid timeout '0' for --job-timeout (seconds, more than 0)"),
            (["-w", "-f", "t", "--job-timeout", "-3", "--", "x"], "invalid timeout '-3' for --job-timeout (seconds, more than 0)"),
            (["-w", "-f", "t", "--job-timeout", "soon", "--", "x"], "invalid timeout 'soon' for --job-timeout (seconds, more than 0)"),
            (["-w", "-f", "t", "--job-timeout", "5"], "--job-timeout applies to a worker that runs a command (-w ... -- COMMAND)"),
            (["-f", "t", "--id", "x"], "--id applies to worker mode (-w)"),
            (["-w", "-f", "t", "--id", "has space"], "--id must be 1 to 64 bytes without spaces"),
            (["-w", "-f", "t", "--parallel", "2"], "unrecognized option '--parallel'"),
        ]
        for (arguments, message) in refused {
            XCTAssertThrowsError(try ClassicOptions.parse(arguments), "\(arguments)") { error in
                XCTAssertEqual((error as? ClassicOptions.UsageError)?.message, message, "\(arguments)")
            }
        }
    }

    func testEveryFlag() throws {
        let options = try ClassicOptions.parse(
            ["-b", "-c", "3", "-d", "-f", "a", "-fb", "-h", "gm1", "-H", "-I", "-n", "-p", "4731", "-P", "-s",
             "-t", "500", "-u", "key", "-v", "-w", "-i", "/tmp/p", "-S", "data"])
        XCTAssertTrue(options.background)
        XCTAssertEqual(options.count, 3)
        XCTAssertTrue(options.daemon)
        XCTAssertEqual(options.functions, ["a", "b"])
        XCTAssertEqual(options.hosts, ["gm1"])
        XCTAssertTrue(options.help)
        XCTAssertEqual(options.priority, .high)
        XCTAssertTrue(options.jobPerLine)
        XCTAssertFalse(options.stripNewline)
        XCTAssertEqual(options.port, 4731)
        XCTAssertTrue(options.prefix)
        XCTAssertTrue(options.suppressInput)
        XCTAssertEqual(options.timeoutMilliseconds, 500)
        XCTAssertEqual(options.unique, "key")
        XCTAssertTrue(options.verbose)
        XCTAssertTrue(options.worker)
        XCTAssertEqual(options.pidFile, "/tmp/p")
        XCTAssertTrue(options.useTLS)
        XCTAssertEqual(options.operands, ["data"])
    }

    func testCapitalNImpliesPerLineAndStrip() throws {
        let options = try ClassicOptions.parse(["-N", "-f", "x"])
        XCTAssertTrue(options.jobPerLine)
        XCTAssertTrue(options.stripNewline)
    }

    func testLastPriorityWins() throws {
        XCTAssertEqual(try ClassicOptions.parse(["-I", "-L", "-f", "x"]).priority, .low)
        XCTAssertEqual(try ClassicOptions.parse(["-L", "-I", "-f", "x"]).priority, .high)
    }

    func testNegativeTimeoutMeansWaitForever() throws {
        XCTAssertNil(try ClassicOptions.parse(["-t", "-1", "-f", "x"]).timeoutMilliseconds)
    }

    func testNoFunctionIsAUsageError() {
        XCTAssertThrowsError(try ClassicOptions.parse(["data"])) { error in
            XCTAssertEqual((error as? ClassicOptions.UsageError)?.message, "No Functions were provided")
        }
    }

    func testHelpNeedsNoFunction() throws {
        XCTAssertTrue(try ClassicOptions.parse(["-H"]).help)
        XCTAssertTrue(try ClassicOptions.parse(["--help"]).help)
    }

    func testVersionNeedsNoFunction() throws {
        XCTAssertTrue(try ClassicOptions.parse(["-V"]).version)
        XCTAssertTrue(try ClassicOptions.parse(["--version"]).version)
        XCTAssertFalse(try ClassicOptions.parse(["-f", "x"]).version)
    }

    /// `gearman -w -f wc wc -l`: getopt reads the command's -l; the message shows where -- goes.
    func testACommandsOptionsReadAsGearmansPointAtTheDoubleDash() {
        let cases: [([String], String)] = [
            (["-w", "-f", "wc", "wc", "-l"], "invalid option -- 'l'; the command's options go after --: gearman -w -f wc -- wc -l"),
            (["-f", "wc", "-w", "wc", "-c"], "option requires an argument -- 'c'; the command's options go after --: gearman -f wc -w -- wc -c"),
            (["-w", "-f", "x", "cat", "cat", "--number"], "unrecognized option '--number'; the command's options go after --: gearman -w -f x -- cat cat --number"),
            // Not a worker, or the bad option comes before any command: no hint.
            (["-f", "wc", "wc", "-l"], "invalid option -- 'l'"),
            (["-w", "-l", "-f", "wc", "wc"], "invalid option -- 'l'"),
        ]
        for (arguments, message) in cases {
            XCTAssertThrowsError(try ClassicOptions.parse(arguments), "\(arguments)") { error in
                XCTAssertEqual((error as? ClassicOptions.UsageError)?.message, message, "\(arguments)")
            }
        }
    }

    func testWindowNeedsOneJobPerLine() throws {
        XCTAssertEqual(try ClassicOptions.parse(["-n", "-f", "x", "--window", "5"]).window, 5)
        XCTAssertEqual(try ClassicOptions.parse(["-N", "-f", "x", "--window=5"]).window, 5)
        XCTAssertThrowsError(try ClassicOptions.parse(["-f", "x", "--window", "5"])) { error in
            XCTAssertEqual((error as? ClassicOptions.UsageError)?.message, "--window applies to -n or -N (one job per line)")
        }
    }

    func testInvalidNumbersAreErrorsNotZero() {
        for arguments in [["-p", "abc"], ["-p", "0"], ["-p", "70000"], ["-t", "soon"], ["-c", "-2"], ["-c", "x"]] {
            XCTAssertThrowsError(try ClassicOptions.parse(arguments + ["-f", "x"]), "\(arguments)")
        }
    }

    func testUniqueKeyLimit() {
        XCTAssertNoThrow(try ClassicOptions.parse(["-u", String(repeating: "k", count: 64), "-f", "x"]))
        XCTAssertThrowsError(try ClassicOptions.parse(["-u", String(repeating: "k", count: 65), "-f", "x"]))
    }

    func testEmptyFunctionIsAnError() {
        XCTAssertThrowsError(try ClassicOptions.parse(["-f", ""]))
    }

    func testServersDefaultToLocalhost() throws {
        let options = try ClassicOptions.parse(["-f", "x"])
        XCTAssertEqual(try options.servers(environment: lookup([:])), [ServerAddress(host: "localhost", port: 4730)])
    }

    func testGearmanServerVariable() throws {
        let options = try ClassicOptions.parse(["-f", "x"])
        let servers = try options.servers(environment: lookup(["GEARMAN_SERVER": "gm1:4731,gm2", "GEARMAN_SERVERS": "other"]))
        XCTAssertEqual(servers, [ServerAddress(host: "gm1", port: 4731), ServerAddress(host: "gm2", port: 4730)])
    }

    func testGearmanServersVariableWhenGearmanServerIsUnset() throws {
        let options = try ClassicOptions.parse(["-f", "x"])
        XCTAssertEqual(try options.servers(environment: lookup(["GEARMAN_SERVERS": "gm3:1"])), [ServerAddress(host: "gm3", port: 1)])
    }

    func testExplicitHostAndPortWinOverTheEnvironment() throws {
        let environment = ["GEARMAN_SERVER": "gm1:4731"]
        XCTAssertEqual(try ClassicOptions.parse(["-f", "x", "-h", "a"]).servers(environment: lookup(environment)),
                       [ServerAddress(host: "a", port: 4730)])
        XCTAssertEqual(try ClassicOptions.parse(["-f", "x", "-p", "5000"]).servers(environment: lookup(environment)),
                       [ServerAddress(host: "localhost", port: 5000)])
        XCTAssertEqual(try ClassicOptions.parse(["-f", "x", "-h", "a,b:9", "-h", "c", "-p", "5000"]).servers(environment: lookup(environment)),
                       [ServerAddress(host: "a", port: 5000), ServerAddress(host: "b", port: 9), ServerAddress(host: "c", port: 5000)])
    }

    func testBadServerVariableNamesTheVariable() throws {
        let options = try ClassicOptions.parse(["-f", "x"])
        XCTAssertThrowsError(try options.servers(environment: lookup(["GEARMAN_SERVER": "gm1:port"]))) { error in
            XCTAssertTrue("\(error)".contains("GEARMAN_SERVER"), "\(error)")
        }
    }

    private func lookup(_ variables: [String: String]) -> (String) -> String? {
        { variables[$0] }
    }
}
