import Foundation
import PostgresTestSupport
import XCTest

/// Where the binaries under test live.
enum Binaries {
    /// The repository root, found from this file's path.
    static let repoRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// Our `gearman`: `$GEARMAN_BIN`, else the debug build.
    static var ours: String {
        ProcessInfo.processInfo.environment["GEARMAN_BIN"]
            ?? repoRoot.appendingPathComponent(".build/debug/gearman").path
    }
    /// The C tool from Debian's gearman-tools.
    static let cTool = "/usr/bin/gearman"
    static let gearmand = "/usr/sbin/gearmand"
    static let gearadmin = "/usr/bin/gearadmin"
    static let php = "/usr/bin/php"
    static let perl = "/usr/bin/perl"
    static let openssl = "/usr/bin/openssl"
    /// Python 3 from PATH (gearman3 is installed into it from PyPI by scripts/install-deps).
    static var python: String {
        let candidates = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":")
            .map { "\($0)/python3" }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/bin/python3"
    }
    static let fixtures = repoRoot.appendingPathComponent("Tests/IntegrationTests/Fixtures")

    static func require(_ path: String) throws {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw XCTSkip("\(path) is not installed")
        }
    }
}

/// What a finished command printed and how it exited.
struct CommandResult {
    var status: Int32
    var stdout: [UInt8]
    var stderr: String
    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
}

struct CommandTimedOut: Error, CustomStringConvertible {
    let command: [String]
    var description: String { "timed out: \(command.joined(separator: " "))" }
}

/// Runs commands with stdin and stdout in temporary files (so that any size passes), each
/// with a deadline after which it is killed.
enum Command {
    static func run(_ executable: String, _ arguments: [String], stdin: [UInt8]? = nil,
                    environment: [String: String]? = nil, currentDirectory: String? = nil,
                    timeout: TimeInterval = 30) throws -> CommandResult {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gearman-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let inURL = directory.appendingPathComponent("in")
        let outURL = directory.appendingPathComponent("out")
        let errURL = directory.appendingPathComponent("err")
        try Data(stdin ?? []).write(to: inURL)
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
        process.standardInput = try FileHandle(forReadingFrom: inURL)
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline {
            usleep(2_000)
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            throw CommandTimedOut(command: [executable] + arguments)
        }
        process.waitUntilExit()
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return CommandResult(status: status, stdout: Array(try Data(contentsOf: outURL)),
                             stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    /// The environment of this test process without the Gearman server variables.
    static var cleanEnvironment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["GEARMAN_SERVER"] = nil
        environment["GEARMAN_SERVERS"] = nil
        return environment
    }
}

/// A process that runs while a test needs it, with stderr in a file; killed by PID in `stop`.
final class BackgroundProcess {
    let process = Process()
    let stderrURL: URL
    let stdoutURL: URL

    init(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("gearman-bg-\(UUID().uuidString)")
        stderrURL = base.appendingPathExtension("err")
        stdoutURL = base.appendingPathExtension("out")
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment ?? Command.cleanEnvironment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var stderr: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }
    var stdout: [UInt8] { (try? Array(Data(contentsOf: stdoutURL))) ?? [] }

    /// Waits for the process to exit by itself; its exit status, or nil at the deadline.
    func waitForExit(timeout: TimeInterval = 10) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(2_000) }
        if process.isRunning { return nil }
        return process.terminationStatus
    }

    func stop() {
        if process.isRunning {
            kill(pid, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: stderrURL)
        try? FileManager.default.removeItem(at: stdoutURL)
    }
}

enum Network {
    /// A TCP port on 127.0.0.1 that was free a moment ago.
    static func freePort() throws -> UInt16 {
        do { return try LoopbackPort.free() } catch { throw XCTSkip("\(error)") }
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    static func accepts(port: UInt16) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}

/// A process's resident memory in KiB, from /proc.
func residentKiB(of pid: Int32) throws -> Int {
    let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
    let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
    return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(timeout: TimeInterval = 10, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    repeat {
        if try condition() { return true }
        usleep(5_000)
    } while Date() < deadline
    return false
}

/// Which job server a test runs against.
enum ServerKind: String {
    /// Our `gearman server`.
    case bundled
    /// Debian's gearmand.
    case gearmand

    /// `$GEARMAN_TEST_SERVER` (bundled or gearmand); the bundled server by default.
    static var fromEnvironment: ServerKind {
        ProcessInfo.processInfo.environment["GEARMAN_TEST_SERVER"].flatMap(ServerKind.init(rawValue:)) ?? .bundled
    }
}

/// A job server (ours or Debian's gearmand) on a free loopback port, for the length of a test.
final class JobServerProcess {
    let kind: ServerKind
    let port: UInt16
    let process: BackgroundProcess

    /// `fileSizeLimitKiB` starts our server under `ulimit -f` (a disk that fills up).
    init(_ kind: ServerKind = .fromEnvironment, extraArguments: [String] = [], fileSizeLimitKiB: Int? = nil) throws {
        self.kind = kind
        port = try Network.freePort()
        switch kind {
        case .gearmand:
            try Binaries.require(Binaries.gearmand)
            process = try BackgroundProcess(Binaries.gearmand, [
                "--listen=127.0.0.1", "--port=\(port)", "--log-file=none", "--verbose=ERROR", "--threads=1",
            ] + extraArguments)
        case .bundled:
            try Binaries.require(Binaries.ours)
            let arguments = ["server", "--listen=127.0.0.1", "--port=\(port)", "--verbose=WARNING"] + extraArguments
            if let fileSizeLimitKiB {
                // bash's ulimit -f counts KiB; exec keeps the process id.
                process = try BackgroundProcess("/bin/bash", ["-c", "ulimit -f \(fileSizeLimitKiB) && exec \"$0\" \"$@\"", Binaries.ours] + arguments)
            } else {
                process = try BackgroundProcess(Binaries.ours, arguments)
            }
        }
        guard eventually({ Network.accepts(port: port) }) else {
            process.stop()
            throw XCTSkip("\(kind) did not start on port \(port): \(process.stderr)")
        }
        // The HTTP listener is bound just after the Gearman port: wait for the start-up line,
        // written once every listener is bound, so that a test's first request does not race it
        // (not with a probe connection, which would count toward --http-max-connections).
        if kind == .bundled, let http = Self.httpPort(in: extraArguments), !eventually({ process.stderr.contains(" listening on ") }) {
            process.stop()
            throw ListenerMissing(description: "the HTTP port \(http) did not open: \(process.stderr)")
        }
    }

    /// The port of `--http-port N` or `--http-port=N` among `arguments`, if any.
    static func httpPort(in arguments: [String]) -> UInt16? {
        for (index, argument) in arguments.enumerated() {
            if argument == "--http-port", index + 1 < arguments.count { return UInt16(arguments[index + 1]) }
            if argument.hasPrefix("--http-port=") { return UInt16(argument.dropFirst("--http-port=".count)) }
        }
        return nil
    }

    /// A listener the test asked for did not open.
    struct ListenerMissing: Error, CustomStringConvertible {
        let description: String
    }

    /// `["-h", "127.0.0.1", "-p", port]`, for the CLIs.
    var address: [String] { ["-h", "127.0.0.1", "-p", "\(port)"] }

    /// The queued, running and worker counts of `function` from the admin `status` command.
    func status(of function: String) throws -> (queued: Int, running: Int, workers: Int)? {
        let result = try Command.run(Binaries.gearadmin, ["-h", "127.0.0.1", "-p", "\(port)", "--status"])
        for line in result.stdoutText.split(separator: "\n") {
            let fields = line.split(separator: "\t")
            if fields.count == 4, fields[0] == function {
                return (Int(fields[1]) ?? -1, Int(fields[2]) ?? -1, Int(fields[3]) ?? -1)
            }
        }
        return nil
    }

    /// Waits until `count` workers have registered `function`.
    func waitForWorkers(_ function: String, count: Int = 1) throws {
        let ready = try eventually { (try status(of: function)?.workers ?? 0) >= count }
        XCTAssertTrue(ready, "no worker registered \(function) on port \(port)")
    }

    func stop() { process.stop() }
}
