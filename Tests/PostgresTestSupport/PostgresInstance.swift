import Foundation
import XCTest

/// A throwaway PostgreSQL server from Debian's packages for one test: `initdb` into a
/// temporary directory (as the `postgres` user when the tests run as root, since PostgreSQL
/// refuses to run as root), listening on a free port of 127.0.0.1 with trust authentication,
/// and killed by PID in `destroy()`. Missing binaries skip the test, unless CI or
/// GEARMAN_TEST_PACKAGE is set: there they fail it.
public final class PostgresInstance {
    public let port: UInt16
    /// The data directory, which also holds the Unix socket.
    public let directory: String
    public let user = "gearman"
    public let database = "gearman"
    private let bin: String

    /// `host=127.0.0.1 port=P user=gearman dbname=gearman`, for --libpq-conninfo.
    public var conninfo: String { "host=127.0.0.1 port=\(port) user=\(user) dbname=\(database)" }

    /// The directory holding initdb, pg_ctl and postgres, or the reason there is none.
    public static func binaries() throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        if let found = versions.reversed().map({ "\(root)/\($0)/bin" })
            .first(where: { FileManager.default.isExecutableFile(atPath: "\($0)/initdb") }) {
            return found
        }
        let message = "PostgreSQL is not installed (apt-get install postgresql; scripts/install-deps does)"
        let environment = ProcessInfo.processInfo.environment
        if environment["CI"] != nil || environment["GEARMAN_TEST_PACKAGE"] == "1" {
            throw PostgresFailure(message: message)
        }
        throw XCTSkip(message)
    }

    /// Creates and starts a new cluster with the database `gearman` owned by the user `gearman`.
    /// `durable: false` turns fsync off, which tests that do not crash the database can afford.
    public init(durable: Bool = false) throws {
        bin = try Self.binaries()
        port = try LoopbackPort.free()
        var template = Array("/tmp/gearman-pg-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw PostgresFailure(message: "mkdtemp failed") }
        directory = String(cString: made)
        if getuid() == 0 {
            guard let entry = getpwnam("postgres") else {
                throw PostgresFailure(message: "running as root needs the postgres user (created by Debian's postgresql package)")
            }
            chown(directory, entry.pointee.pw_uid, entry.pointee.pw_gid)
        }
        try run("initdb", ["-D", directory, "-U", user, "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions"])
        let settings = "listen_addresses = '127.0.0.1'\nport = \(port)\nunix_socket_directories = '\(directory)'\n"
            + "fsync = \(durable ? "on" : "off")\nmax_connections = 50\nshared_buffers = 32MB\n"
        try appendConfiguration(settings)
        try start()
        try run("psql", ["-h", directory, "-p", "\(port)", "-U", user, "-d", "postgres", "-q", "-c", "CREATE DATABASE \(database)"])
    }

    /// Starts the server (again), waiting until it takes connections.
    public func start() throws {
        try run("pg_ctl", ["-D", directory, "-l", "\(directory)/server.log", "-w", "-t", "60", "start"], timeout: 90)
    }

    /// Stops the server: `fast` rolls back open transactions and disconnects everyone.
    public func stop(mode: String = "fast") throws {
        try run("pg_ctl", ["-D", directory, "-m", mode, "-w", "-t", "60", "stop"], timeout: 90)
    }

    /// The postmaster's PID, from postmaster.pid, while it runs.
    public var pid: pid_t? {
        guard let text = try? String(contentsOfFile: "\(directory)/postmaster.pid", encoding: .utf8),
              let first = text.split(separator: "\n").first, let pid = pid_t(first), kill(pid, 0) == 0 else { return nil }
        return pid
    }

    /// The postmaster and its children (backends, writers).
    public var processes: [pid_t] {
        guard let main = pid else { return [] }
        let children = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap(pid_t.init).filter { child in
            guard let stat = try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { return false }
            return stat[stat.index(after: close)...].split(separator: " ").dropFirst().first.flatMap { pid_t($0) } == main
        }
        return [main] + children
    }

    /// The PIDs of the backends serving connections that named themselves `application`.
    public func backends(of application: String) throws -> [pid_t] {
        try psql("SELECT pid FROM pg_stat_activity WHERE application_name = '\(application)'")
            .split(separator: "\n").compactMap { pid_t($0) }
    }

    /// Runs `sql` with psql and returns its unaligned, tuples-only output.
    @discardableResult
    public func psql(_ sql: String) throws -> String {
        try run("psql", ["-h", directory, "-p", "\(port)", "-U", user, "-d", database, "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql])
    }

    /// Kills the server by PID (SIGQUIT, then SIGKILL to it and every child left, stopped
    /// ones included) and deletes its directory.
    public func destroy() {
        let all = processes
        if let pid {
            all.forEach { kill($0, SIGCONT) }
            kill(pid, SIGQUIT)
            let deadline = Date().addingTimeInterval(10)
            while kill(pid, 0) == 0 && Date() < deadline { usleep(20_000) }
        }
        all.forEach { kill($0, SIGKILL) }
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func appendConfiguration(_ text: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(directory)/postgresql.conf"))
        handle.seekToEndOfFile()
        handle.write(Data(text.utf8))
        handle.closeFile()
    }

    /// Runs one of PostgreSQL's programs, as the postgres user when we are root; its stdout.
    /// Spawned and reaped here, not with Foundation's Process: the server that `pg_ctl start`
    /// leaves behind would inherit what Process watches for the exit, and it would never come.
    @discardableResult
    private func run(_ program: String, _ arguments: [String], timeout: TimeInterval = 60) throws -> String {
        let argv = getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--", "\(bin)/\(program)"] + arguments
                                 : ["\(bin)/\(program)"] + arguments
        let out = "\(NSTemporaryDirectory())/gearman-pg-\(getpid())-\(UUID().uuidString)"
        defer { unlink(out + ".out"); unlink(out + ".err") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out + ".out", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, out + ".err", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        var pid: pid_t = 0
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArguments, environ)
        guard spawned == 0 else { throw PostgresFailure(message: "cannot run \(argv[0]): errno \(spawned)") }
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() > deadline {
                kill(pid, SIGKILL)
                waitpid(pid, &status, 0)
                throw PostgresFailure(message: "\(program) timed out")
            }
            usleep(5_000)
        }
        let text = (try? String(contentsOfFile: out + ".out", encoding: .utf8)) ?? ""
        guard status == 0 else {
            let errors = (try? String(contentsOfFile: out + ".err", encoding: .utf8)) ?? ""
            let log = (try? String(contentsOfFile: "\(directory)/server.log", encoding: .utf8)) ?? ""
            throw PostgresFailure(message: "\(program) \(arguments.joined(separator: " ")) failed: \(errors)\n\(log.suffix(2_000))")
        }
        return text
    }
}

public struct PostgresFailure: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// Loopback ports for the tests' servers.
public enum LoopbackPort {
    /// A TCP port on 127.0.0.1 that was free a moment ago.
    public static func free() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw PostgresFailure(message: "cannot bind a loopback port") }
        return UInt16(bigEndian: address.sin_port)
    }
}
