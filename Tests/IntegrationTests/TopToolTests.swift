import Foundation
import XCTest

/// `gearman top` in a real terminal (tmux) and through a pipe.
final class TopToolTests: JobServerTestCase {
    override class var serverKind: ServerKind { .bundled }

    private func queueJobs() throws {
        for data in ["a", "b", "c"] {
            XCTAssertEqual(try ours(["-b", "-f", "resize", data]).status, 0)
        }
    }

    func testPlainLinesWhenStdoutIsNotATerminal() throws {
        try queueJobs()
        let down = try Network.freePort()
        let result = try Command.run(Binaries.ours, ["top", "-n", "2", "-i", "0.2", "-h", "127.0.0.1:\(server.port)",
                                                    "-h", "127.0.0.1:\(down)"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdoutText.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 4, result.stdoutText)
        XCTAssertTrue(lines[0].hasSuffix(" 127.0.0.1:\(server.port) resize high=0 normal=3 low=0 running=0 workers=0 change/s=- dead=0"),
                      lines[0])
        XCTAssertTrue(lines[1].contains(" 127.0.0.1:\(down) unreachable: cannot connect"), lines[1])
        XCTAssertTrue(lines[2].hasSuffix("change/s=0.0 dead=0"), lines[2])
        XCTAssertNotNil(lines[0].range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ "#, options: .regularExpression))
    }

    /// `gearman top` on this server in a tmux terminal of `columns` by `rows`, then `echo exited-STATUS`:
    /// a function that reads the screen, and one that types keys.
    private func topInTerminal(columns: Int, rows: Int) throws -> (screen: () -> String, type: (String) -> Void) {
        guard let tmux = ShellRunner.which("tmux") else { throw XCTSkip("tmux is not installed") }
        // A tmux server of our own in the foreground (-D), killed by PID in tearDown: a daemonized
        // one would keep the test's process handles open.
        let socket = "gearman-top-\(server.port)-\(columns)x\(rows)"
        try startBackground(tmux, ["-D", "-f", "/dev/null", "-L", socket])
        let socketPath = "/tmp/tmux-\(getuid())/\(socket)"
        XCTAssertTrue(eventually { FileManager.default.fileExists(atPath: socketPath) }, "tmux did not start")
        let command = "\(Binaries.ours) top -i 0.2 -h 127.0.0.1 -p \(server.port); echo exited-$?; sleep 30"
        XCTAssertEqual(try Command.run(tmux, ["-L", socket, "new-session", "-d", "-s", "top", "-x", "\(columns)", "-y", "\(rows)",
                                              command]).status, 0)
        return ({ (try? Command.run(tmux, ["-L", socket, "capture-pane", "-p", "-t", "top"]).stdoutText) ?? "" },
                { _ = try? Command.run(tmux, ["-L", socket, "send-keys", "-t", "top", $0]) })
    }

    func testLiveViewInATerminalQuitsWithQ() throws {
        try queueJobs()
        let (screen, type) = try topInTerminal(columns: 120, rows: 20)
        XCTAssertTrue(eventually { screen().contains("resize") }, screen())
        let view = screen()
        XCTAssertTrue(view.contains("SERVER"), view)
        XCTAssertNotNil(view.range(of: #"127\.0\.0\.1:\d+ +resize +0 +3 +0 +0 +0"#, options: .regularExpression), view)
        // A worker drains the queue; the view follows.
        try startWorker("resize", ["--", "cat"])
        XCTAssertTrue(eventually { screen().range(of: #"resize +0 +0 +0 +0 +1"#, options: .regularExpression) != nil },
                      screen())
        type("q")
        XCTAssertTrue(eventually { screen().contains("exited-0") }, screen())
    }

    /// No server reached: the line says why, and the exit status says so too.
    func testNoServerReachedExitsThree() throws {
        let down = try Network.freePort()
        let result = try Command.run(Binaries.ours, ["top", "-n", "1", "-h", "127.0.0.1:\(down)"])
        XCTAssertEqual(result.status, 3, result.stdoutText)
        XCTAssertTrue(result.stdoutText.contains(" 127.0.0.1:\(down) unreachable: cannot connect"), result.stdoutText)
    }

    /// A draining function (negative change) sorts before an idle one.
    func testChangeSortPutsADrainingFunctionBeforeAnIdleOne() throws {
        // By name "a-idle" comes first, so only the sort by size puts "draining" before it.
        for (function, count) in [("a-idle", 2), ("draining", 40)] {
            for index in 0..<count { XCTAssertEqual(try ours(["-b", "-f", function, "\(index)"]).status, 0) }
        }
        try startWorker("draining", ["--", "sh", "-c", "sleep 0.05; cat"])
        let result = try Command.run(Binaries.ours, ["top", "-n", "2", "-i", "0.5", "-s", "change"] + server.address)
        XCTAssertEqual(result.status, 0, result.stderr)
        let second = result.stdoutText.split(separator: "\n").suffix(2).map { $0.split(separator: " ")[2] }
        XCTAssertEqual(second, ["draining", "a-idle"], result.stdoutText)
        XCTAssertTrue(result.stdoutText.split(separator: "\n").last?.hasSuffix("change/s=0.0 dead=0") == true, result.stdoutText)
    }

    /// Failed background jobs are counted per function, the worst first with `-s dead`.
    func testDeadJobsAreCountedPerFunction() throws {
        for (function, count) in [("flaky", 1), ("broken", 2)] {
            for index in 0..<count { XCTAssertEqual(try ours(["-b", "-f", function, "-u", "\(function)-\(index)", "-s"]).status, 0) }
        }
        try queueJobs()
        let worker = try ours(["-w", "-c", "3", "-f", "flaky", "-f", "broken", "--", "false"])
        XCTAssertEqual(worker.status, 0, worker.stderr)
        var output = ""
        XCTAssertTrue(try eventually {
            output = try Command.run(Binaries.ours, ["top", "-n", "1", "-s", "dead"] + server.address).stdoutText
            return output.contains("dead=2")
        }, output)
        let functions = output.split(separator: "\n").map { $0.split(separator: " ") }
        XCTAssertEqual(functions.map { String($0[2]) }, ["broken", "flaky", "resize"], output)
        XCTAssertEqual(functions.map { String($0.last ?? "") }, ["dead=2", "dead=1", "dead=0"], output)
    }

    /// In a small terminal the view is cut to fit: the header stays on the first row, no line
    /// wraps, and the last row counts what did not fit.
    func testTheViewFitsASmallTerminal() throws {
        for index in 0..<12 { XCTAssertEqual(try ours(["-b", "-f", "function-with-a-long-name-\(index)", "x"]).status, 0) }
        let (screen, type) = try topInTerminal(columns: 60, rows: 8)
        XCTAssertTrue(eventually { screen().contains("\n... ") }, screen())
        let rows = screen().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertTrue(rows[0].hasPrefix("gearman top: 1 server"), rows.joined(separator: "\n"))
        XCTAssertTrue(rows[2].hasPrefix("SERVER"), rows.joined(separator: "\n"))
        XCTAssertEqual(rows.filter { $0.contains("function-with-a-long") }.count, 4, rows.joined(separator: "\n"))
        XCTAssertTrue(rows.contains("... 8 more lines (a larger window shows them)"), rows.joined(separator: "\n"))
        type("q")
        XCTAssertTrue(eventually { screen().contains("exited-0") }, screen())
    }

    func testBadOptionsAreUsageErrors() throws {
        for (arguments, message) in [(["-i", "0"], "invalid interval"), (["-s", "size"], "invalid sort key"),
                                     (["-n", "0"], "invalid count"), (["extra"], "unexpected argument")] {
            let result = try Command.run(Binaries.ours, ["top"] + arguments)
            XCTAssertEqual(result.status, 2, "\(arguments)")
            XCTAssertTrue(result.stderr.contains(message), "\(arguments): \(result.stderr)")
        }
    }
}
