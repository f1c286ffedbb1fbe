import Dispatch
import GearmanPostgres
import GearmanTool
import GearmanServer
import GearmanSQLite
import Glibc
import Logging
import NIOCore
import Synchronization

/// `gearman server [gearmand options]`: runs the bundled job server until SIGTERM, SIGINT
/// or admin `shutdown`.
public enum ServerCommand {
    /// The version `-V`, the start-up line and admin `version` report.
    static let version = GearmanVersion.number

    /// Runs the server with `arguments` (without the program name) and returns the exit status.
    public static func run(_ arguments: [String]) -> Int32 {
        var options: ServerOptions
        do {
            let environment = { (name: String) in getenv(name).map { String(cString: $0) } }
            options = try ServerOptions(parsing: arguments, environment: environment)
            if let file = options.configFile {
                guard let words = readWords(of: file) else { return usageError("cannot read config file \(file)") }
                options = try ServerOptions(parsing: words + arguments, environment: environment)
            }
        } catch {
            return usageError(error.message)
        }
        if let status = HelpAndVersion.answer(help: options.help, version: options.version, subcommand: "server", helpText: helpText) {
            return status
        }
        if let problem = options.validationProblem() { return usageError(problem) }
        if options.checkArgs {
            StandardStreams.write("gearman server: the options are valid\n", to: StandardStreams.output)
            return 0
        }
        return serve(options)
    }

    private static func serve(_ options: ServerOptions) -> Int32 {
        let logDescriptor: Int32
        switch options.logFile {
        case "stderr": logDescriptor = 2
        case "none": logDescriptor = -1
        default:
            logDescriptor = open(options.logFile, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
            if logDescriptor < 0 {
                StandardStreams.complain("cannot open log file \(options.logFile): \(StandardStreams.describe(errno: errno))")
                return 1
            }
        }
        let level = options.logLevel ?? .error
        let logger = Logger(label: "gearman.server") { _ in
            logDescriptor < 0 ? SwiftLogNoOpLogHandler() as any LogHandler : LineLogHandler(descriptor: logDescriptor, level: level)
        }
        if let limit = options.fileDescriptors, let problem = raiseDescriptorLimit(to: limit) {
            StandardStreams.complain(problem)
            return 1
        }
        signal(SIGPIPE, SIG_IGN)
        signal(SIGXFSZ, SIG_IGN)  // a file-size limit fails the queue write instead of killing the server
        var daemon: Daemon?
        if options.daemon {
            guard let detached = Daemon.detach(keeping: logDescriptor > 2 ? [logDescriptor] : []) else {
                StandardStreams.complain("cannot daemonize: \(StandardStreams.describe(errno: errno))")
                return 1
            }
            daemon = detached
        }
        // Signals are watched before the port opens, so that none is lost in between.
        let relay = ShutdownRelay()
        var signalSources = watchSignals(relay)
        if logDescriptor > 2 {
            signalSources.append(watchHangUp { reopenLog(options.logFile, onto: logDescriptor, logger: logger) })
        } else {
            signalSources.append(watchHangUp {})
        }
        defer { signalSources.forEach { $0.cancel() } }
        let server: JobServer
        let configuration = options.configuration(hostName: hostName(), version: version)
        do {
            server = try JobServer(configuration: configuration, logger: logger, openStore: storeOpener(options, logger: logger))
        } catch let error as QueueStoreError {
            StandardStreams.complain(error.message)
            daemon?.report(started: false)
            return 1
        } catch let error as TLSSettingsError {
            StandardStreams.complain(error.message)
            daemon?.report(started: false)
            return 1
        } catch {
            StandardStreams.complain(listenFailure(error, configuration))
            daemon?.report(started: false)
            return 1
        }
        if let user = options.user, let problem = switchUser(to: user) {
            StandardStreams.complain(problem)
            server.shutdown(graceful: false)
            try? server.wait()
            daemon?.report(started: false)
            return 1
        }
        if let pidFile = options.pidFile, let problem = PidFile.create(pidFile, removeOnSignal: false, removeOnCrash: true) {
            StandardStreams.complain("cannot write pid file \(pidFile): \(problem)")
            server.shutdown(graceful: false)
            try? server.wait()
            daemon?.report(started: false)
            return 1
        }
        relay.attach(server)
        var announcer = logger
        announcer.logLevel = min(level, .notice)
        announcer.notice("gearman server \(version) listening on \(server.listeningSummary)")
        daemon?.report(started: true)
        do {
            try server.wait()
        } catch {
            logger.error("server stopped with an error", metadata: ["error": "\(error)"])
        }
        PidFile.remove()
        logger.notice("shutdown complete")
        return 0
    }

    /// How the server opens its queue store, if the options name one.
    private static func storeOpener(_ options: ServerOptions, logger: Logger) -> ((any EventLoop) throws -> any QueueStore)? {
        switch options.queueType {
        case "libsqlite3":
            guard let file = options.sqliteDatabase else { return nil }
            let table = options.sqliteTable
            return { loop in try SQLiteQueueStore.open(path: file, table: table, on: loop, logger: logger) }
        case "postgres":
            let conninfo = options.libpqConninfo ?? "", table = options.libpqTable
            return { _ in
                try PostgresQueueStore.open(conninfo: conninfo, table: table, logger: logger,
                                            environment: { getenv($0).map { String(cString: $0) } }, osUser: userName())
            }
        default:
            return nil
        }
    }

    /// SIGTERM, SIGINT and SIGUSR1 (gearmand's graceful signal) shut down gracefully; a second
    /// one stops at once.
    private static func watchSignals(_ relay: ShutdownRelay) -> [any DispatchSourceSignal] {
        [SIGTERM, SIGINT, SIGUSR1].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { relay.signalled() }
            source.resume()
            return source
        }
    }

    /// SIGHUP does `action` and nothing else (gearmand reopens its log; logrotate sends it).
    private static func watchHangUp(_ action: @escaping @Sendable () -> Void) -> any DispatchSourceSignal {
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler(handler: action)
        source.resume()
        return source
    }

    /// Opens the log file again under its name (logrotate moved the old one away) and puts it
    /// in place of the old descriptor, so that every log line from now on goes to the new file.
    private static func reopenLog(_ path: String, onto descriptor: Int32, logger: Logger) {
        let fresh = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fresh >= 0 else {
            return logger.error("cannot reopen the log file", metadata: ["file": "\(path)", "error": "\(StandardStreams.describe(errno: errno))"])
        }
        dup2(fresh, descriptor)
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        close(fresh)
        var announcer = logger
        announcer.logLevel = .notice
        announcer.notice("SIGHUP: reopened the log file", metadata: ["file": "\(path)"])
    }

    /// Why the listeners could not open, naming the addresses and ports asked for:
    /// `cannot listen on 127.0.0.1 port 4730: Address already in use (errno 98)`.
    static func listenFailure(_ error: any Error, _ configuration: ServerConfiguration) -> String {
        let hosts = configuration.listenHosts.isEmpty ? "every interface" : configuration.listenHosts.joined(separator: ", ")
        let ports = "port \(configuration.port)" + (configuration.httpPort.map { " or HTTP port \($0)" } ?? "")
        let reason: String
        if let error = error as? IOError {
            reason = "\(StandardStreams.describe(errno: error.errnoCode)) (errno \(error.errnoCode))"
        } else if let error = error as? SocketAddressError, case .unknown(let host, _) = error {
            reason = "cannot resolve \(host)"
        } else {
            reason = "\(error)"
        }
        return "cannot listen on \(hosts) \(ports): \(reason)"
    }

    private static func usageError(_ message: String) -> Int32 {
        StandardStreams.usageError(subcommand: "server", message)
    }

    private static let helpText = """
        Usage: gearman server [options]

        Runs a Gearman job server that speaks gearmand's protocol, admin commands and options.

        Options:
        \(LongOptions.help(ServerOptions.specs))
        SIGTERM or SIGINT (or admin "shutdown graceful") stops accepting, lets running jobs
        finish, and exits 0; a second signal (or "shutdown") stops at once.

        """

    private static func readWords(of file: String) -> [String]? {
        guard let stream = fopen(file, "r") else { return nil }
        defer { fclose(stream) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&buffer, 1, buffer.count, stream)
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self).split(whereSeparator: { " \n\r\t".contains($0) }).map(String.init)
    }

    /// The name of the user running the server: libpq's default PostgreSQL user.
    private static func userName() -> String {
        guard let entry = getpwuid(geteuid()) else { return "root" }
        return String(cString: entry.pointee.pw_name)
    }

    private static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func raiseDescriptorLimit(to count: Int) -> String? {
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        limit.rlim_cur = rlim_t(count)
        if limit.rlim_max < limit.rlim_cur { limit.rlim_max = limit.rlim_cur }
        if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) != 0 {
            return "cannot raise the open-file limit to \(count): \(StandardStreams.describe(errno: errno))"
        }
        return nil
    }

    private static func switchUser(to name: String) -> String? {
        guard let entry = getpwnam(name) else { return "unknown user \(name)" }
        if initgroups(name, entry.pointee.pw_gid) != 0 || setgid(entry.pointee.pw_gid) != 0
            || setuid(entry.pointee.pw_uid) != 0 {
            return "cannot switch to user \(name): \(StandardStreams.describe(errno: errno))"
        }
        return nil
    }
}

/// Hands signals to the server, which may not exist yet when the first one arrives (the
/// signal source's handler runs on any thread).
private final class ShutdownRelay: Sendable {
    private struct State {
        var server: JobServer?
        var signals = 0
    }

    private let state = Mutex(State())

    /// The server is up: a signal that came before it stops it now.
    func attach(_ server: JobServer) {
        let early = state.withLock { state in
            state.server = server
            return state.signals
        }
        if early > 0 { server.shutdown(graceful: early == 1) }
    }

    func signalled() {
        let (server, count) = state.withLock { state in
            state.signals += 1
            return (state.server, state.signals)
        }
        server?.shutdown(graceful: count == 1)
    }
}
