import Foundation
import XCTest

/// The same sequence of requests against Debian's gearmand and the bundled server: the
/// admin replies (through gearadmin and raw) must match, up to host names, pids and fds.
final class AdminCompatibilityTests: XCTestCase {
    private var servers: [JobServerProcess] = []
    private var workers: [BackgroundProcess] = []

    override func tearDown() {
        workers.forEach { $0.stop() }
        servers.forEach { $0.process.stop() }
        workers = []
        servers = []
    }

    /// Both servers after the same background submissions and one C worker for `wa` and `wb`.
    private func prepare() throws -> (gearmand: JobServerProcess, ours: JobServerProcess) {
        try Binaries.require(Binaries.gearadmin)
        try Binaries.require(Binaries.cTool)
        let gearmand = try JobServerProcess(.gearmand)
        let ours = try JobServerProcess(.bundled, extraArguments: ["--verbose=ERROR"])
        servers = [gearmand, ours]
        for server in servers {
            let address = ["-h", "127.0.0.1", "-p", "\(server.port)"]
            for arguments in [["-b", "-f", "fx", "-u", "key1", "one"], ["-b", "-I", "-f", "fx", "-u", "key2", "two"],
                              ["-b", "-L", "-f", "fy", "-u", "key3", "three"]] {
                XCTAssertEqual(try Command.run(Binaries.cTool, address + arguments).status, 0)
            }
            workers.append(try BackgroundProcess(Binaries.cTool, ["-w", "-f", "wa", "-f", "wb"] + address))
            try server.waitForWorkers("wb")
        }
        return (gearmand, ours)
    }

    private func gearadmin(_ server: JobServerProcess, _ arguments: [String]) throws -> String {
        try Command.run(Binaries.gearadmin, ["-h", "127.0.0.1", "-p", "\(server.port)"] + arguments).stdoutText
    }

    /// Listing lines in a fixed order (gearmand prints its hash table order).
    private func sortedLines(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).sorted()
    }

    /// Job handles without their host part.
    private func withoutHost(_ text: String) -> String {
        text.replacing(/H:[^:\t\n]+:/, with: "H:host:")
    }

    func testStatusAndPriorityStatusMatch() throws {
        let (gearmand, ours) = try prepare()
        for option in ["--status", "--priority-status"] {
            XCTAssertEqual(sortedLines(try gearadmin(ours, [option])), sortedLines(try gearadmin(gearmand, [option])), option)
        }
    }

    func testWorkersMatchUpToDescriptorNumbers() throws {
        let (gearmand, ours) = try prepare()
        // Sorted after the descriptor numbers are gone: sorted with them, "10 ..." and "9 ..." swap places.
        func normalized(_ text: String) -> [String] {
            sortedLines(text).map { line in
                guard let colon = line.firstIndex(of: ":") else { return line }
                let head = line[..<colon].split(separator: " ").dropFirst().joined(separator: " ")
                let functions = line[line.index(after: colon)...].split(separator: " ").sorted().joined(separator: " ")
                return "\(head) : \(functions)"
            }.sorted()
        }
        XCTAssertEqual(normalized(try gearadmin(ours, ["--workers"])), normalized(try gearadmin(gearmand, ["--workers"])))
    }

    func testShowJobsAndCancelMatch() throws {
        let (gearmand, ours) = try prepare()
        XCTAssertEqual(withoutHost(try gearadmin(ours, ["--show-jobs"])), withoutHost(try gearadmin(gearmand, ["--show-jobs"])))
        let oursHandle = try gearadmin(ours, ["--show-jobs"]).split(separator: "\t").first.map(String.init) ?? ""
        let gearmandHandle = try gearadmin(gearmand, ["--show-jobs"]).split(separator: "\t").first.map(String.init) ?? ""
        XCTAssertEqual(try gearadmin(ours, ["--cancel-job", oursHandle]), try gearadmin(gearmand, ["--cancel-job", gearmandHandle]))
        // A deliberate difference: gearmand keeps counting a cancelled job until a worker skips it.
        XCTAssertTrue(try gearadmin(gearmand, ["--status"]).contains("fx\t2\t0\t0\n"))
        XCTAssertTrue(try gearadmin(ours, ["--status"]).contains("fx\t1\t0\t0\n"))
    }

    func testFunctionCreationAndDropMatch() throws {
        let (gearmand, ours) = try prepare()
        for arguments in [["--create-function", "fresh"], ["--status"], ["--drop-function", "fresh"], ["--status"],
                          ["--drop-function", "never-existed"], ["--drop-function", "wa"], ["--server-verbose"]] {
            let expected = try gearadmin(gearmand, arguments)
            let actual = try gearadmin(ours, arguments)
            XCTAssertEqual(sortedLines(actual), sortedLines(expected), "\(arguments)")
        }
    }

    func testRawCommandRepliesMatchByteForByte() throws {
        let (gearmand, ours) = try prepare()
        let commands = ["maxqueue fx 5", "maxqueue", "MAXQUEUE fx 1 2 3", "show", "show foo", "show jobs extra",
                        "cancel job H:nope:1", "cancel", "create", "drop", "drop function", "bogus command", "",
                        "STATUS", "status with extra words"]
        for command in commands {
            let expected = try RawConnection(port: gearmand.port).adminReply(command)
            let actual = try RawConnection(port: ours.port).adminReply(command)
            XCTAssertEqual(sortedLines(actual), sortedLines(expected), "reply to '\(command)'")
        }
    }

    func testPidAndVersionHaveGearmandsShape() throws {
        let (gearmand, ours) = try prepare()
        let reference = try gearadmin(gearmand, ["--getpid"])
        XCTAssertEqual(try gearadmin(ours, ["--getpid"]),
                       reference.replacingOccurrences(of: "\(gearmand.process.pid)", with: "\(ours.process.pid)"))
        XCTAssertTrue(try gearadmin(gearmand, ["--server-version"]).hasPrefix("1.1."))
        XCTAssertFalse(try gearadmin(ours, ["--server-version"]).isEmpty)
    }

    func testShowUniqueJobsAddsFunctionAndHandle() throws {
        let (gearmand, ours) = try prepare()
        let keys = sortedLines(try gearadmin(gearmand, ["--show-unique-jobs"]))
        let ourLines = sortedLines(try gearadmin(ours, ["--show-unique-jobs"]))
        XCTAssertEqual(ourLines.map { String($0.split(separator: "\t").first ?? "") }, keys)
        XCTAssertTrue(ourLines.contains { $0.hasPrefix("key3\tfy\tH:") }, "\(ourLines)")
    }
}
