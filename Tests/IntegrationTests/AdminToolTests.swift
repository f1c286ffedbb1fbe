import Foundation
import XCTest

/// `gearman admin` next to gearadmin, against Debian's gearmand and the bundled server.
final class AdminToolTests: XCTestCase {
    private var servers: [JobServerProcess] = []

    override func tearDown() {
        servers.forEach { $0.process.stop() }
        servers = []
    }

    /// A server of `kind` holding two background jobs for `fx` (one high priority).
    private func server(_ kind: ServerKind) throws -> JobServerProcess {
        try Binaries.require(Binaries.cTool)
        let server = try JobServerProcess(kind)
        servers.append(server)
        for arguments in [["-b", "-f", "fx", "-u", "k1", "one"], ["-b", "-I", "-f", "fx", "-u", "k2", "two"]] {
            XCTAssertEqual(try Command.run(Binaries.cTool, ["-h", "127.0.0.1", "-p", "\(server.port)"] + arguments).status, 0)
        }
        return server
    }

    private func ours(_ arguments: [String], environment: [String: String]? = nil) throws -> CommandResult {
        try Binaries.require(Binaries.ours)
        return try Command.run(Binaries.ours, ["admin"] + arguments, environment: environment ?? Command.cleanEnvironment)
    }

    private func address(_ server: JobServerProcess) -> [String] { ["-h", "127.0.0.1", "-p", "\(server.port)"] }

    func testOutputMatchesGearadminOnBothServers() throws {
        try Binaries.require(Binaries.gearadmin)
        for kind in [ServerKind.gearmand, .bundled] {
            let server = try server(kind)
            for query in [["--status"], ["--priority-status"], ["--show-jobs"], ["--getpid"], ["--server-verbose"],
                          ["--create-function", "made"], ["--status", "--getpid", "--priority-status"]] {
                let reference = try Command.run(Binaries.gearadmin, address(server) + query)
                let result = try ours(address(server) + query)
                XCTAssertEqual(result.stdoutText, reference.stdoutText, "\(kind) \(query)")
                XCTAssertEqual(result.status, 0, "\(kind) \(query): \(result.stderr)")
            }
        }
    }

    func testErrorRepliesGoToStderrAndExitOne() throws {
        let server = try server(.bundled)
        let result = try ours(address(server) + ["--cancel-job", "H:none:1"])
        XCTAssertEqual(result.stdoutText, "")
        XCTAssertEqual(result.stderr, "Error: UNKNOWN_JOB\n")
        XCTAssertEqual(result.status, 1)
    }

    func testJSONForStatusWorkersAndJobs() throws {
        let server = try server(.bundled)
        let status = try ours(address(server) + ["--status", "--json"])
        XCTAssertEqual(status.stdoutText, """
            {"server":"127.0.0.1:\(server.port)","query":"status","functions":[{"function":"fx","total":2,"running":0,"workers":0}]}

            """)
        let jobs = try ours(address(server) + ["--show-unique-jobs", "--json"])
        XCTAssertTrue(jobs.stdoutText.contains(#"{"unique":"k1","function":"fx","handle":"H:"#), jobs.stdoutText)
        let pid = try ours(address(server) + ["--getpid", "--json"])
        XCTAssertEqual(pid.stdoutText, #"{"server":"127.0.0.1:\#(server.port)","query":"getpid","pid":\#(server.process.pid)}"# + "\n")
    }

    func testSeveralServersAreNamedOnEveryRow() throws {
        let first = try server(.bundled), second = try server(.gearmand)
        let list = "127.0.0.1:\(first.port),127.0.0.1:\(second.port)"
        let result = try ours(["--status"], environment: Command.cleanEnvironment.merging(["GEARMAN_SERVER": list]) { $1 })
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdoutText, """
            127.0.0.1:\(first.port)\tfx\t2\t0\t0
            127.0.0.1:\(first.port)\t.
            127.0.0.1:\(second.port)\tfx\t2\t0\t0
            127.0.0.1:\(second.port)\t.

            """)
    }

    func testMaxQueueAndShutdown() throws {
        let server = try server(.bundled)
        XCTAssertEqual(try ours(address(server) + ["--maxqueue", "fx", "2"]).stdoutText, "OK\n")
        let refused = try Command.run(Binaries.cTool, address(server) + ["-b", "-f", "fx", "three"])
        XCTAssertTrue(refused.stderr.contains("QUEUE_ERROR") || refused.status != 0, refused.stderr)
        XCTAssertEqual(try ours(address(server) + ["--shutdown", "--graceful"]).stdoutText, "OK\n")
        XCTAssertEqual(server.process.waitForExit(timeout: 10), 0)
    }

    func testUnreachableServerAndUsageErrors() throws {
        let port = try Network.freePort()
        let down = try ours(["-h", "127.0.0.1", "-p", "\(port)", "--status"])
        XCTAssertEqual(down.status, 3)
        XCTAssertTrue(down.stderr.contains("cannot connect to 127.0.0.1:\(port)"), down.stderr)
        let json = try ours(["-h", "127.0.0.1", "-p", "\(port)", "--status", "--json"])
        XCTAssertTrue(json.stdoutText.contains(#""ok":false,"error":"cannot connect"#), json.stdoutText)
        for (arguments, message) in [([String](), "no query given"), (["--bogus"], "unrecognized option '--bogus'"),
                                     (["--graceful"], "--graceful goes with --shutdown"),
                                     (["--ssl-key", "k", "--status"], "go with --ssl")] {
            let result = try ours(arguments)
            XCTAssertEqual(result.status, 2, "\(arguments)")
            XCTAssertTrue(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }
}
