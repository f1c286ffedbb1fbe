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
        XCTAssertTrue(lines[0].hasSuffix(" 127.0.0.1:\(server.port) resize high=0 normal=3 low=0 running=0 workers=0 change/s=-"),
                      lines[0])
        XCTAssertTrue(lines[1].contains(" 127.0.0.1:\(down) unreachable: cannot connect"), lines[1])
        XCTAssertTrue(lines[2].hasSuffix("change/s=0.0"), lines[2])
        XCTAssertNotNil(lines[0].range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ "#, options: .regularExpression))
    }

    func testLiveViewInATerminalQuitsWithQ() throws {
        guard let tmux = ShellRunner.which("tmux") else { throw XCTSkip("tmux is not installed") }
        try queueJobs()
        // A tmux server of our own in the foreground (-D), killed by PID in tearDown: a daemonized
        // one would keep the test's process handles open.
        let socket = "gearman-top-\(server.port)"
        try startBackground(tmux, ["-D", "-f", "/dev/null", "-L", socket])
        let socketPath = "/tmp/tmux-\(getuid())/\(socket)"
        XCTAssertTrue(eventually { FileManager.default.fileExists(atPath: socketPath) }, "tmux did not start")
        let command = "\(Binaries.ours) top -i 0.2 -h 127.0.0.1 -p \(server.port); echo exited-$?; sleep 30"
        XCTAssertEqual(try Command.run(tmux, ["-L", socket, "new-session", "-d", "-s", "top", "-x", "120", "-y", "20", command]).status, 0)
        func screen() -> String { (try? Command.run(tmux, ["-L", socket, "capture-pane", "-p", "-t", "top"]).stdoutText) ?? "" }
        XCTAssertTrue(eventually { screen().contains("resize") }, screen())
        let view = screen()
        XCTAssertTrue(view.contains("SERVER"), view)
        XCTAssertNotNil(view.range(of: #"127\.0\.0\.1:\d+ +resize +0 +3 +0 +0 +0"#, options: .regularExpression), view)
        // A worker drains the queue; the view follows.
        try startWorker("resize", ["--", "cat"])
        XCTAssertTrue(eventually { screen().range(of: #"resize +0 +0 +0 +0 +1"#, options: .regularExpression) != nil },
                      screen())
        _ = try Command.run(tmux, ["-L", socket, "send-keys", "-t", "top", "q"])
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
