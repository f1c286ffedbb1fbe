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

    /// A bundled server (`extra` options) whose two background jobs for `fail`, `job-1` and
    /// `job-2`, a shell worker failed (`exit 1`) and so put in the dead-job list.
    private func serverWithDeadJobs(_ extra: [String] = []) throws -> JobServerProcess {
        try Binaries.require(Binaries.ours)
        let server = try JobServerProcess(.bundled, extraArguments: ["--retries", "0"] + extra)
        servers.append(server)
        for unique in ["job-1", "job-2"] {
            let submitted = try Command.run(Binaries.ours, address(server) + ["-b", "-f", "fail", "-u", unique, "-s"])
            XCTAssertEqual(submitted.status, 0, submitted.stderr)
        }
        let worker = try Command.run(Binaries.ours, ["-w", "-c", "2", "-f", "fail"] + address(server) + ["--", "sh", "-c", "exit 1"])
        XCTAssertEqual(worker.status, 0, worker.stderr)
        XCTAssertTrue(try eventually { try ours(address(server) + ["--dead"]).stdoutText.split(separator: "\n").count == 3 },
                      "the failed jobs did not reach the dead list")
        return server
    }

    func testDeadJobsAreListedRetriedAndDropped() throws {
        let server = try serverWithDeadJobs()
        let table = try ours(address(server) + ["--dead"])
        XCTAssertEqual(table.status, 0, table.stderr)
        let lines = table.stdoutText.split(separator: "\n").map(String.init)
        XCTAssertNotNil(lines[0].range(of: "^HANDLE +FUNCTION +UNIQUE +ATTEMPTS +SUBMITTED +FAILED +LAST FAILURE$",
                                       options: .regularExpression), lines[0])
        let time = #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"#
        for (line, unique) in zip(lines.dropFirst(), ["job-1", "job-2"]) {
            let pattern = "^H:[^ ]+ +fail +\(unique) +1 +\(time) +\(time) +gearman: job H:[^ ]+: 'sh' exited with status 1$"
            XCTAssertNotNil(line.range(of: pattern, options: .regularExpression), line)
        }
        let handle = String(lines[1].prefix { $0 != " " })

        // JSON: the members of /status's dead_jobs.
        let json = try ours(address(server) + ["--dead", "--json"])
        XCTAssertTrue(json.stdoutText.hasPrefix(#"{"server":"127.0.0.1:\#(server.port)","query":"dead","jobs":[{"handle":"\#(handle)","#
                                                + #""function":"fail","unique":"job-1","attempts":1,"last_failure":"gearman: job \#(handle): "#
                                                + #"'sh' exited with status 1","first_submitted":"#), json.stdoutText)

        // Retries per function: shown, set, back to --retries.
        XCTAssertEqual(try ours(address(server) + ["--retries", "fail"]).stdoutText, "0\n")
        XCTAssertEqual(try ours(address(server) + ["--retries", "fail", "4"]).stdoutText, "OK\n")
        XCTAssertEqual(try ours(address(server) + ["--retries", "fail", "--json"]).stdoutText,
                       #"{"server":"127.0.0.1:\#(server.port)","query":"retries","function":"fail","retries":4}"# + "\n")
        XCTAssertEqual(try ours(address(server) + ["--retries", "fail", "default"]).stdoutText, "OK\n")
        XCTAssertEqual(try ours(address(server) + ["--retries", "fail"]).stdoutText, "0\n")

        // One job back to its queue, under its handle; an unknown handle is an ERR.
        XCTAssertEqual(try ours(address(server) + ["--retry-dead", handle]).stdoutText, "OK\n")
        XCTAssertEqual(try server.status(of: "fail")?.queued, 1)
        XCTAssertEqual(try ours(address(server) + ["--show-jobs"]).stdoutText, "\(handle)\t0\t0\t1\n.\n")
        let unknown = try ours(address(server) + ["--retry-dead", handle])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertEqual(unknown.stderr, "Error: UNKNOWN_JOB\n")
        XCTAssertEqual(try ours(address(server) + ["--retry-dead", handle, "--json"]).stdoutText,
                       #"{"server":"127.0.0.1:\#(server.port)","query":"retry-dead","handle":"\#(handle)","ok":false,"error":"UNKNOWN_JOB"}"# + "\n")

        // The rest of the function: dropped, counted; then the list is empty and --dead prints nothing.
        let dropped = try ours(address(server) + ["--drop-dead", "fail", "--dead", "--json"])
        XCTAssertEqual(dropped.status, 0, dropped.stderr)
        XCTAssertEqual(dropped.stdoutText, """
            {"server":"127.0.0.1:\(server.port)","query":"drop-dead","function":"fail","ok":true,"dropped":1}
            {"server":"127.0.0.1:\(server.port)","query":"dead","jobs":[]}

            """)
        let empty = try ours(address(server) + ["--dead"])
        XCTAssertEqual(empty.stdoutText, "")
        XCTAssertEqual(empty.status, 0)
        XCTAssertEqual(try ours(address(server) + ["--retry-dead-function", "fail"]).stdoutText, "0\n")
    }

    func testRetryDeadFunctionQueuesEveryDeadJobOfIt() throws {
        let server = try serverWithDeadJobs()
        // The README's cron alert on the JSON form: grep finds a job while the list holds one.
        let alert = "'\(Binaries.ours)' admin -h 127.0.0.1 -p \(server.port) --dead --json | grep -qF '\"jobs\":[{'"
        XCTAssertEqual(try Command.run("/bin/sh", ["-c", alert]).status, 0)
        let result = try ours(address(server) + ["--retry-dead-function", "fail", "--json"])
        XCTAssertEqual(result.stdoutText,
                       #"{"server":"127.0.0.1:\#(server.port)","query":"retry-dead-function","function":"fail","ok":true,"retried":2}"# + "\n")
        XCTAssertEqual(try server.status(of: "fail")?.queued, 2)
        XCTAssertEqual(try ours(address(server) + ["--dead"]).stdoutText, "")
        XCTAssertEqual(try Command.run("/bin/sh", ["-c", alert]).status, 1, "no alert for an empty list")
    }

    /// The commands that change the dead list or the retries are --admin-allow's; reading is open.
    func testChangingDeadJobsNeedsAnAllowedAddress() throws {
        let server = try serverWithDeadJobs(["--admin-allow", "192.0.2.0/24"])
        XCTAssertEqual(try ours(address(server) + ["--dead"]).stdoutText.split(separator: "\n").count, 3)
        XCTAssertEqual(try ours(address(server) + ["--retries", "fail"]).stdoutText, "0\n")
        for query in [["--retry-dead", "H:x:1"], ["--retry-dead-function", "fail"], ["--drop-dead", "fail"], ["--retries", "fail", "3"]] {
            let refused = try ours(address(server) + query)
            XCTAssertEqual(refused.status, 1, "\(query)")
            XCTAssertTrue(refused.stderr.hasPrefix("Error: PERMISSION_DENIED"), "\(query): \(refused.stderr)")
        }
        XCTAssertEqual(try ours(address(server) + ["--dead"]).stdoutText.split(separator: "\n").count, 3, "nothing changed")
    }

    /// gearmand has no dead-job list: it answers ERR, and so does the tool (exit 1).
    func testDeadJobsFromGearmandAreAnError() throws {
        let server = try server(.gearmand)
        let result = try ours(address(server) + ["--dead"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.hasPrefix("Error: "), result.stderr)
        XCTAssertEqual(result.stdoutText, "")
    }
}
