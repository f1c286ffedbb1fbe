@preconcurrency import Glibc
import Foundation
import XCTest

/// A test case with a job server on a free port (ours, or Debian's gearmand when
/// GEARMAN_TEST_SERVER=gearmand) and helpers to start workers; every process it starts is
/// killed by PID in tearDown.
class JobServerTestCase: XCTestCase {
    var server: JobServerProcess!
    private var started: [BackgroundProcess] = []

    /// The server this class's tests run against.
    class var serverKind: ServerKind { .fromEnvironment }

    override class func setUp() {
        super.setUp()
        // XCTest's lines reach a CI log as they are written (not in blocks), so that a test
        // that hangs is the last one the log shows started.
        setvbuf(stdout, nil, _IOLBF, 0)
    }

    override func setUpWithError() throws {
        try Binaries.require(Binaries.ours)
        server = try JobServerProcess(Self.serverKind)
    }

    /// A second server (for options the shared one lacks), stopped in tearDown.
    func startServer(_ kind: ServerKind = .bundled, _ arguments: [String]) throws -> JobServerProcess {
        let other = try JobServerProcess(kind, extraArguments: arguments)
        started.append(other.process)
        return other
    }

    override func tearDown() {
        started.forEach { $0.stop() }
        started = []
        server?.stop()
        server = nil
    }

    /// A new directory under the system's temporary one, removed when the test ends.
    func makeTemporaryDirectory(_ prefix: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    /// Starts a process that tearDown will kill.
    @discardableResult
    func startBackground(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> BackgroundProcess {
        let process = try BackgroundProcess(executable, arguments, environment: environment)
        started.append(process)
        return process
    }

    /// Starts our worker for `function` with `arguments` (e.g. `["--", "cat"]`) and waits until it registered.
    @discardableResult
    func startWorker(_ function: String, _ arguments: [String] = [], binary: String = Binaries.ours) throws -> BackgroundProcess {
        let worker = try startBackground(binary, ["-w", "-f", function] + server.address + arguments)
        try server.waitForWorkers(function)
        return worker
    }

    /// Starts the PHP worker (progress, zero, fail, exception) and waits until it registered.
    func startPHPWorker() throws {
        try Binaries.require(Binaries.php)
        try startBackground(Binaries.php, [Binaries.fixtures.appendingPathComponent("worker.php").path, "127.0.0.1", "\(server.port)"])
        try server.waitForWorkers("progress")
    }

    /// Runs our CLI against this server.
    func ours(_ arguments: [String], stdin: [UInt8]? = nil, timeout: TimeInterval = 60) throws -> CommandResult {
        try Command.run(Binaries.ours, server.address + arguments, stdin: stdin, environment: Command.cleanEnvironment, timeout: timeout)
    }

    /// Runs the C tool against this server.
    func cTool(_ arguments: [String], stdin: [UInt8]? = nil, timeout: TimeInterval = 60) throws -> CommandResult {
        try Binaries.require(Binaries.cTool)
        return try Command.run(Binaries.cTool, server.address + arguments, stdin: stdin, environment: Command.cleanEnvironment, timeout: timeout)
    }

    /// Runs the same command line through the C tool and ours and asserts equal stdout,
    /// stderr and exit status; returns our result.
    @discardableResult
    func assertSameAsCTool(_ arguments: [String], stdin: [UInt8]? = nil,
                           file: StaticString = #filePath, line: UInt = #line) throws -> CommandResult {
        let reference = try cTool(arguments, stdin: stdin)
        let result = try ours(arguments, stdin: stdin)
        XCTAssertEqual(result.stdout, reference.stdout, "stdout of \(arguments)", file: file, line: line)
        XCTAssertEqual(result.stderr, reference.stderr, "stderr of \(arguments)", file: file, line: line)
        XCTAssertEqual(result.status, reference.status, "exit status of \(arguments)", file: file, line: line)
        return result
    }
}

extension String {
    var bytes: [UInt8] { Array(utf8) }
}
