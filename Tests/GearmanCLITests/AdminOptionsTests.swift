import GearmanKit
import GearmanProtocol
import GearmanTool
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

    func testDeadJobOptionsRunAfterMaxQueueInTheOrderGiven() throws {
        let options = try parse(["--shutdown", "--dead", "--drop-dead", "f", "--retry-dead", "H:a:2", "--retry-dead-function", "g",
                                 "--retry-dead", "H:a:1", "--status"])
        XCTAssertEqual(options.queries.map(\.command), ["status", "retry dead job H:a:2", "retry dead job H:a:1",
                                                         "retry dead jobs g", "drop dead jobs f", "show dead jobs", "shutdown"])
        XCTAssertEqual(options.queries.map(\.name), ["status", "retry-dead", "retry-dead", "retry-dead-function", "drop-dead",
                                                      "dead", "shutdown"])
        XCTAssertEqual(options.queries.map(\.isListing), [true, false, false, false, false, true, false])
    }

    /// `--retries FUNCTION` shows them; a number or `default` after it sets them, as --maxqueue takes its limits.
    func testRetriesTakeACountOrDefault() throws {
        XCTAssertEqual(try parse(["--retries", "f"]).queries.map(\.command), ["retries f"])
        XCTAssertEqual(try parse(["--retries", "f", "3"]).queries.map(\.command), ["retries f 3"])
        XCTAssertEqual(try parse(["--retries=f", "0"]).queries.map(\.command), ["retries f 0"])
        XCTAssertEqual(try parse(["--retries", "f", "default"]).queries.map(\.command), ["retries f default"])
        XCTAssertEqual(try parse(["--maxqueue", "m", "--retries", "f"]).queries.map(\.command), ["maxqueue m", "retries f"])
        for (arguments, message) in [(["--retries", "f", "-1"], "unrecognized option '-1'"),
                                     (["--retries", "f", "x"], "--retries takes FUNCTION, then N"),
                                     (["--retries", "f", "1", "2"], "unexpected argument '2'"),
                                     (["--maxqueue", "m", "--retries", "f", "2"], "give them in separate commands"),
                                     (["--retry-dead"], "the required argument for option '--retry-dead' is missing")] {
            XCTAssertThrowsError(try parse(arguments), "\(arguments)") { error in
                let text = (error as? LongOptions.Failure)?.message ?? ""
                XCTAssertTrue(text.contains(message), "\(arguments): \(text)")
            }
        }
    }

    /// The lines the tool sends are the commands the server reads.
    func testDeadJobCommandsParseAsTheServerReadsThem() throws {
        let expected: [(arguments: [String], command: AdminCommand)] = [
            (["--dead"], .showDeadJobs), (["--retry-dead", "H:a:1"], .retryDeadJob(handle: "H:a:1")),
            (["--retry-dead-function", "f"], .retryDeadJobs(function: "f")), (["--drop-dead", "f"], .dropDeadJobs(function: "f")),
            (["--retries", "f"], .retries(function: "f", setting: nil)), (["--retries", "f", "2"], .retries(function: "f", setting: .count(2))),
            (["--retries", "f", "default"], .retries(function: "f", setting: .default)),
        ]
        for (arguments, command) in expected {
            XCTAssertEqual(try parse(arguments).queries.map { AdminCommand(line: $0.command) }, [command], "\(arguments)")
        }
    }

    /// JSON of the dead-job queries: what each line is about, then the reply, with numbers as numbers.
    func testDeadJobQueriesInJSON() {
        func json(_ kind: AdminQuery.Kind, _ text: String) -> String {
            let query = AdminQuery(kind: kind)
            return JSONValue.object(query.json(AdminReply(text: text, listing: query.isListing))).text
        }
        XCTAssertEqual(json(.deadJobs, "H:a:7\tnightly\tr-42\t3\tcannot reach the mail server\t1764523200\t1764523290\n.\n"),
                       #"{"jobs":[{"handle":"H:a:7","function":"nightly","unique":"r-42","attempts":3,"#
                       + #""last_failure":"cannot reach the mail server","first_submitted":1764523200,"last_failed":1764523290}]}"#)
        XCTAssertEqual(json(.deadJobs, ".\n"), #"{"jobs":[]}"#)
        XCTAssertEqual(json(.retryDeadJob("H:a:7"), "OK\r\n"), #"{"handle":"H:a:7","ok":true}"#)
        XCTAssertEqual(json(.retryDeadJob("H:a:8"), "ERR UNKNOWN_JOB\r\n"), #"{"handle":"H:a:8","ok":false,"error":"UNKNOWN_JOB"}"#)
        XCTAssertEqual(json(.retryDeadJobs(function: "f"), "OK 2\r\n"), #"{"function":"f","ok":true,"retried":2}"#)
        XCTAssertEqual(json(.dropDeadJobs(function: "f"), "OK 0\r\n"), #"{"function":"f","ok":true,"dropped":0}"#)
        XCTAssertEqual(json(.retries(function: "f", setting: nil), "OK 5\r\n"), #"{"function":"f","retries":5}"#)
        XCTAssertEqual(json(.retries(function: "f", setting: .default), "OK\r\n"), #"{"function":"f","ok":true}"#)
        XCTAssertEqual(json(.retries(function: "f", setting: .count(1)), "ERR PERMISSION_DENIED admin+command\r\n"),
                       #"{"function":"f","ok":false,"error":"PERMISSION_DENIED admin+command"}"#)
        XCTAssertEqual(json(.cancelJob("H:a:1"), "ERR UNKNOWN_JOB\r\n"), #"{"ok":false,"error":"UNKNOWN_JOB"}"#, "unchanged")
    }

    /// People get aligned columns with UTC times; an empty list prints nothing (cron mails only output).
    func testDeadJobTable() {
        let listing = ["H:a:7\tnightly\tr-42\t3\tcannot reach the mail server\t1764523200\t1764523290",
                       "H:a:12\tf\t\t1\t\t0\t1764523291"]
        XCTAssertEqual(DeadJobTable.lines(listing, server: nil), [
            "HANDLE  FUNCTION  UNIQUE  ATTEMPTS  SUBMITTED             FAILED                LAST FAILURE",
            "H:a:7   nightly   r-42    3         2025-11-30T17:20:00Z  2025-11-30T17:21:30Z  cannot reach the mail server",
            "H:a:12  f         -       1         -                     2025-11-30T17:21:31Z  -",
        ])
        XCTAssertEqual(DeadJobTable.lines(Array(listing.prefix(1)), server: "gm1:4730").first?.hasPrefix("SERVER    HANDLE  "), true)
        XCTAssertEqual(DeadJobTable.lines(Array(listing.prefix(1)), server: "gm1:4730").last?.hasPrefix("gm1:4730  H:a:7   "), true)
        XCTAssertEqual(DeadJobTable.lines([], server: nil), [])
        XCTAssertEqual(DeadJobTable.lines(["junk"], server: nil), ["junk"])
    }
}
