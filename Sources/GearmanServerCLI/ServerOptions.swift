import GearmanTool
import GearmanServer
import Logging

/// `gearman server`'s command line: gearmand's option names and meanings, so that an
/// existing gearmand command line starts it unchanged.
struct ServerOptions: Equatable {
    var port = 4730
    var listen: [String] = []
    var backlog = 1024
    var daemon = false
    var pidFile: String?
    var logFile = "stderr"
    var verbose = "ERROR"
    var jobRetries = 0
    var threads = 4
    /// gearmand's -w; nil: ours, one sleeper per job.
    var workerWakeup: Int?
    var adminAllow = "127.0.0.0/8,::1"
    var maxUniqueSize = 64
    var maxFunctionSize = 512
    var maxQueueBytes = 1 << 30
    var maxOutputBytes = 4 << 20
    var outputStallTimeout = 60
    var maxConnections = 10_000
    var wakeupRetry = 250
    var httpJobTimeout = 60_000
    var httpRequestTimeout = 10_000
    var httpMaxConnections = 1_024
    var retries = 0
    /// Seconds as given (fractions allowed); checked by `validationProblem`.
    var retryBackoff = "10"
    /// Nil: 3600, or --retry-backoff if that is longer.
    var retryBackoffMax: String?
    var deadJobs = 10_000
    var deadJobsBytes = 64 << 20
    var ssl = false
    /// gearmand's defaults, which its GEARMAND_* environment variables change.
    var sslCertificate = "/etc/ssl/certs/gearmand.pem"
    var sslKey = "/etc/ssl/certs/gearmand.key"
    var sslCAFile = "/etc/ssl/certs/gearmand-ca.pem"
    var sslVerifyClient = false
    var jobHandlePrefix: String?
    var exceptions = false
    var keepalive = false
    var keepaliveIdle = -1
    var keepaliveInterval = -1
    var keepaliveCount = -1
    var fileDescriptors: Int?
    var hashtableBuckets = 991
    var user: String?
    var queueType = "builtin"
    var sqliteDatabase: String?
    var sqliteTable = "gearman_queue"
    var libpqConninfo: String?
    var libpqTable = "queue"
    var storeQueueOnShutdown = false
    var httpPort: Int?
    var protocols: [String] = []
    var configFile: String?
    var maxPacketSize = (64 << 20) + 8192
    var shutdownTimeout = 30
    var help = false
    var version = false
    var checkArgs = false

    static let specs: [LongOptions.Spec] = [
        .init("port", short: "p", value: "PORT", help: "Port to listen on (default 4730)."),
        .init("listen", short: "L", value: "HOST", help: "Address to listen on; repeatable (default: every interface)."),
        .init("backlog", short: "b", value: "N", help: "Backlog of the listening socket (default 1024; gearmand: 32)."),
        .init("daemon", short: "d", help: "Detach and run in the background once listening."),
        .init("pid-file", short: "P", value: "FILE", help: "Write the process id to FILE (removed at exit)."),
        .init("log-file", short: "l", value: "FILE", help: "Log to FILE, 'stderr' (the default) or 'none'."),
        .init("verbose", value: "LEVEL", help: "FATAL, ALERT, CRITICAL, ERROR (default), WARNING, NOTICE, INFO or DEBUG."),
        .init("job-retries", short: "j", value: "N", help: "Fail a job once N of its workers died running it (0: no limit)."),
        .init("job-handle-prefix", value: "PREFIX", help: "Job handles are PREFIX:n (default H:<host name>)."),
        .init("exceptions", help: "Send WORK_EXCEPTION to every client, not only to those that ask."),
        .init("keepalive", help: "Enable TCP keepalive on connections."),
        .init("keepalive-idle", value: "SECONDS", help: "TCP_KEEPIDLE (-1: system default)."),
        .init("keepalive-interval", value: "SECONDS", help: "TCP_KEEPINTVL (-1: system default)."),
        .init("keepalive-count", value: "N", help: "TCP_KEEPCNT (-1: system default)."),
        .init("file-descriptors", short: "f", value: "N", help: "Raise the open-file limit to N."),
        .init("user", short: "u", value: "USER", help: "Switch to USER after binding the port."),
        .init("queue-type", short: "q", value: "TYPE", help: "'builtin' (in memory, the default), 'libsqlite3' or 'postgres' (durable)."),
        .init("libsqlite3-db", value: "FILE", help: "The SQLite queue file (created if missing)."),
        .init("libsqlite3-table", value: "TABLE", help: "The queue's table in that file (default gearman_queue)."),
        .init("sqlite", value: "FILE", help: "Short for -q libsqlite3 --libsqlite3-db FILE."),
        .init("libpq-conninfo", value: "CONNINFO", help: "The PostgreSQL queue's libpq connection string ('host=H dbname=D user=U' or a postgresql:// URI)."),
        .init("libpq-table", value: "TABLE", help: "The PostgreSQL queue's table (default queue, as gearmand; created if missing)."),
        .init("store-queue-on-shutdown", help: "Write the queue only at shutdown (and read it at start-up), not per job."),
        .init("http-port", value: "PORT", help: "Serve HTTP on PORT: GET /metrics, GET /status, POST /FUNCTION (off by default)."),
        .init("protocol", short: "r", value: "NAME", help: "gearmand's protocol module: 'http' turns the HTTP listener on (port 8080 unless --http-port)."),
        .init("config-file", value: "FILE", help: "Read more options from FILE (command-line options win)."),
        .init("threads", short: "t", value: "N", help: "Accepted for gearmand compatibility; one event loop owns all state."),
        .init("worker-wakeup", short: "w", value: "N", help: "Sleeping workers each new job wakes (0: all, as gearmand's default; ours: 1)."),
        .init("round-robin", short: "R", help: "Accepted for gearmand compatibility."),
        .init("hashtable-buckets", value: "N", help: "Accepted for gearmand compatibility; tables grow as needed."),
        .init("max-packet-size", value: "BYTES", help: "Close a connection that declares a larger packet (default: 64 MiB + 8 KiB)."),
        .init("shutdown-timeout", value: "SECONDS", help: "How long a graceful shutdown waits for running jobs (default 30)."),
        .init("ssl", help: "TLS on the Gearman port and the HTTP listener."),
        .init("ssl-certificate", value: "FILE", help: "The server's certificate, PEM (default /etc/ssl/certs/gearmand.pem)."),
        .init("ssl-key", value: "FILE", help: "Its private key, PEM (default /etc/ssl/certs/gearmand.key)."),
        .init("ssl-ca-file", value: "FILE", help: "The CA that signs client certificates (default /etc/ssl/certs/gearmand-ca.pem)."),
        .init("ssl-verify-client", help: "Mutual TLS: refuse clients without a certificate signed by --ssl-ca-file."),
        .init("wakeup-retry", value: "MS", help: "A job still queued MS after waking a worker wakes the next sleeper (default 250)."),
        .init("admin-allow", value: "CIDR,...", help: "Who may send admin commands that change state (default 127.0.0.0/8,::1; 'any': everyone)."),
        .init("max-unique-size", value: "BYTES", help: "Longest unique key a job may have (default 64, as gearmand)."),
        .init("max-function-size", value: "BYTES", help: "Longest function name (default 512, as gearmand)."),
        .init("max-queue-bytes", value: "BYTES", help: "Refuse new jobs (ERROR QUEUE_ERROR) while jobs held take more (default 1 GiB)."),
        .init("max-output-bytes", value: "BYTES", help: "Stop reading a connection with more unsent replies (default 4 MiB)."),
        .init("output-stall-timeout", value: "SECONDS", help: "Close a connection whose replies stay over that bound this long (default 60)."),
        .init("max-connections", value: "N", help: "Connections on the Gearman port at once; more are closed (default 10000)."),
        .init("http-job-timeout", value: "MS", help: "HTTP: a foreground job not done in MS gets 504 (default 60000; X-Gearman-Timeout overrides)."),
        .init("http-request-timeout", value: "MS", help: "HTTP: close a connection whose request does not arrive in MS (default 10000)."),
        .init("http-max-connections", value: "N", help: "HTTP connections at once; more are closed (default 1024)."),
        .init("retries", value: "N", help: "Run a failed background job again up to N times, then keep it as dead (default 0)."),
        .init("retry-backoff", value: "SECONDS", help: "Delay before the first retry, doubled for each next one, with jitter (default 10)."),
        .init("retry-backoff-max", value: "SECONDS", help: "Longest delay between retries (default 3600, or --retry-backoff if longer)."),
        .init("dead-jobs", value: "N", help: "Failed background jobs kept in the dead-job list; the oldest make room (default 10000; 0: none)."),
        .init("dead-jobs-bytes", value: "BYTES", help: "Bytes the dead-job list may hold (default 64 MiB)."),
        .init("check-args", help: "Check the options, say whether they are valid, and exit."),
    ] + HelpAndVersion.specs(helpLetter: "h")

    /// gearmand options this server does not have (those of every gearmand build, queue
    /// modules included), with the reason given to the user.
    static let unsupported: [(spec: LongOptions.Spec, reason: String)] = [
        (.init("syslog", help: ""), "syslog is not supported; use --log-file"),
        (.init("coredump", help: ""), "core dump control is not supported; use ulimit -c"),
    ] + queueModuleOptions(["libmemcached-servers", "libmemcached-prefix"], queue: "libmemcached")
      + queueModuleOptions(["redis-server", "redis-port", "redis-password", "redis-prefix"], queue: "redis")
      + queueModuleOptions(["mysql-host", "mysql-port", "mysql-user", "mysql-password", "mysql-db", "mysql-table"], queue: "MySQL")
      + queueModuleOptions(["libdrizzle-host", "libdrizzle-port", "libdrizzle-uds", "libdrizzle-user", "libdrizzle-password",
                            "libdrizzle-db", "libdrizzle-table", "libdrizzle-mysql"], queue: "libdrizzle")
      + queueModuleOptions(["libtokyocabinet-file", "libtokyocabinet-optimize"], queue: "Tokyo Cabinet")

    /// The options of a gearmand queue module this server does not have, each refused with the same reason.
    private static func queueModuleOptions(_ names: [String], queue: String) -> [(spec: LongOptions.Spec, reason: String)] {
        names.map { (.init($0, value: "", help: ""), "the \(queue) queue is not supported; use -q libsqlite3 (or --sqlite FILE) or -q postgres") }
    }

    /// gearmand's verbosity names, as swift-log levels.
    static let levels: [String: Logger.Level] = [
        "FATAL": .critical, "ALERT": .critical, "CRITICAL": .critical, "ERROR": .error,
        "WARNING": .warning, "NOTICE": .notice, "INFO": .info, "DEBUG": .debug,
    ]

    init() {}

    /// Parses `arguments`; the error message names the problem. `environment` gives gearmand's
    /// GEARMAND_SERVER_PEM, GEARMAND_SERVER_KEY and GEARMAND_CA_CERTIFICATE.
    init(parsing arguments: [String], environment: (String) -> String? = { _ in nil }) throws(LongOptions.Failure) {
        let parsed = try LongOptions(arguments, specs: Self.specs + Self.unsupported.map(\.spec))
        if let (spec, reason) = Self.unsupported.first(where: { parsed.has($0.spec.long) }) {
            throw LongOptions.Failure(message: "option '--\(spec.long)': \(reason)")
        }
        if let extra = parsed.positional.first {
            throw LongOptions.Failure(message: "unexpected argument '\(extra)'")
        }
        port = try parsed.integer("port") ?? port
        listen = parsed.all("listen")
        backlog = try parsed.integer("backlog") ?? backlog
        daemon = parsed.has("daemon")
        pidFile = parsed.last("pid-file")
        logFile = parsed.last("log-file") ?? logFile
        verbose = parsed.last("verbose") ?? verbose
        jobRetries = try parsed.integer("job-retries") ?? jobRetries
        jobHandlePrefix = parsed.last("job-handle-prefix")
        exceptions = parsed.has("exceptions")
        keepalive = parsed.has("keepalive")
        keepaliveIdle = try parsed.integer("keepalive-idle") ?? keepaliveIdle
        keepaliveInterval = try parsed.integer("keepalive-interval") ?? keepaliveInterval
        keepaliveCount = try parsed.integer("keepalive-count") ?? keepaliveCount
        fileDescriptors = try parsed.integer("file-descriptors")
        user = parsed.last("user")
        queueType = parsed.last("queue-type") ?? queueType
        sqliteDatabase = parsed.last("libsqlite3-db")
        if let file = parsed.last("sqlite") {
            queueType = "libsqlite3"
            sqliteDatabase = file
        }
        sqliteTable = parsed.last("libsqlite3-table") ?? sqliteTable
        libpqConninfo = parsed.last("libpq-conninfo")
        libpqTable = parsed.last("libpq-table") ?? libpqTable
        if queueType.lowercased() == "postgres" { queueType = "postgres" }  // gearmand's module is "Postgres"
        storeQueueOnShutdown = parsed.has("store-queue-on-shutdown")
        httpPort = try parsed.integer("http-port")
        protocols = parsed.all("protocol")
        configFile = parsed.last("config-file")
        threads = try parsed.integer("threads") ?? threads
        workerWakeup = try parsed.integer("worker-wakeup")
        adminAllow = parsed.last("admin-allow") ?? adminAllow
        maxUniqueSize = try parsed.integer("max-unique-size") ?? maxUniqueSize
        maxFunctionSize = try parsed.integer("max-function-size") ?? maxFunctionSize
        maxQueueBytes = try parsed.integer("max-queue-bytes") ?? maxQueueBytes
        maxOutputBytes = try parsed.integer("max-output-bytes") ?? maxOutputBytes
        outputStallTimeout = try parsed.integer("output-stall-timeout") ?? outputStallTimeout
        maxConnections = try parsed.integer("max-connections") ?? maxConnections
        wakeupRetry = try parsed.integer("wakeup-retry") ?? wakeupRetry
        httpJobTimeout = try parsed.integer("http-job-timeout") ?? httpJobTimeout
        httpRequestTimeout = try parsed.integer("http-request-timeout") ?? httpRequestTimeout
        httpMaxConnections = try parsed.integer("http-max-connections") ?? httpMaxConnections
        retries = try parsed.integer("retries") ?? retries
        retryBackoff = parsed.last("retry-backoff") ?? retryBackoff
        retryBackoffMax = parsed.last("retry-backoff-max")
        deadJobs = try parsed.integer("dead-jobs") ?? deadJobs
        deadJobsBytes = try parsed.integer("dead-jobs-bytes") ?? deadJobsBytes
        ssl = parsed.has("ssl")
        sslCertificate = parsed.last("ssl-certificate") ?? environment("GEARMAND_SERVER_PEM") ?? sslCertificate
        sslKey = parsed.last("ssl-key") ?? environment("GEARMAND_SERVER_KEY") ?? sslKey
        sslCAFile = parsed.last("ssl-ca-file") ?? environment("GEARMAND_CA_CERTIFICATE") ?? sslCAFile
        sslVerifyClient = parsed.has("ssl-verify-client")
        hashtableBuckets = try parsed.integer("hashtable-buckets") ?? hashtableBuckets
        maxPacketSize = try parsed.integer("max-packet-size") ?? maxPacketSize
        shutdownTimeout = try parsed.integer("shutdown-timeout") ?? shutdownTimeout
        checkArgs = parsed.has("check-args")
        help = parsed.has("help")
        version = parsed.has("version")
    }

    /// The log level `--verbose` names (case-insensitive), or nil.
    var logLevel: Logger.Level? { Self.levels[verbose.uppercased()] }

    /// Checks the values together; the message names the problem.
    func validationProblem() -> String? {
        if logLevel == nil { return "invalid value for --verbose: '\(verbose)' (use FATAL, ALERT, CRITICAL, ERROR, WARNING, NOTICE, INFO or DEBUG)" }
        if !(0...65535).contains(port) { return "invalid port \(port): use 0 to 65535" }
        if backlog < 1 { return "invalid backlog \(backlog): must be at least 1" }
        if !(0...255).contains(jobRetries) { return "job-retries must be 0 (no limit) or between 1 and 255" }
        if threads < 0 { return "invalid thread count \(threads)" }
        if sslVerifyClient && !ssl { return "--ssl-verify-client needs --ssl" }
        if let workerWakeup, workerWakeup < 0 { return "invalid worker-wakeup \(workerWakeup)" }
        do { _ = try AdminAccess(parsing: adminAllow) } catch {
            return "invalid --admin-allow entry '\(error.entry)': use 'any' or networks such as 10.0.0.0/8,::1"
        }
        for (name, value, least) in [("max-unique-size", maxUniqueSize, 1), ("max-function-size", maxFunctionSize, 1),
                                     ("max-queue-bytes", maxQueueBytes, 1), ("max-output-bytes", maxOutputBytes, 1024),
                                     ("output-stall-timeout", outputStallTimeout, 1), ("max-connections", maxConnections, 1), ("wakeup-retry", wakeupRetry, 1),
                                     ("http-job-timeout", httpJobTimeout, 1), ("http-request-timeout", httpRequestTimeout, 1),
                                     ("http-max-connections", httpMaxConnections, 1)] where value < least {
            return "--\(name) must be at least \(least)"
        }
        if !(0...1_000_000).contains(retries) { return "--retries must be between 0 and 1000000" }
        for (name, value) in [("retry-backoff", retryBackoff), ("retry-backoff-max", retryBackoffMax ?? "0")] where Self.milliseconds(value) == nil {
            return "invalid --\(name) '\(value)': give seconds from 0 to 31536000, fractions allowed (0.5)"
        }
        if let given = retryBackoffMax, let first = Self.milliseconds(retryBackoff), let cap = Self.milliseconds(given), cap < first {
            return "--retry-backoff-max (\(given)) must not be below --retry-backoff (\(retryBackoff))"
        }
        if deadJobs < 0 { return "--dead-jobs must not be negative" }
        if deadJobsBytes < 0 { return "--dead-jobs-bytes must not be negative" }
        if hashtableBuckets <= 0 { return "hashtable-buckets has to be greater than 0" }
        if !["builtin", "libsqlite3", "postgres"].contains(queueType) {
            return "queue type '\(queueType)' is not supported (use builtin, libsqlite3 or postgres)"
        }
        if queueType == "libsqlite3" && sqliteDatabase == nil { return "-q libsqlite3 needs --libsqlite3-db FILE" }
        if queueType != "libsqlite3" && sqliteDatabase != nil { return "--libsqlite3-db needs -q libsqlite3" }
        if queueType != "postgres" && libpqConninfo != nil { return "--libpq-conninfo needs -q postgres" }
        if storeQueueOnShutdown && queueType == "builtin" {
            return "--store-queue-on-shutdown needs a queue file or database: add -q libsqlite3 --libsqlite3-db FILE or -q postgres"
        }
        if let prefix = jobHandlePrefix, prefix.utf8.count > 52 || prefix.isEmpty {
            return "job handle prefix must be 1 to 52 bytes long (job handles are limited to 64 bytes)"
        }
        if let other = protocols.first(where: { $0 != "http" }) {
            return "protocol module '\(other)' is not supported (only http)"
        }
        if let httpPort, !(0...65535).contains(httpPort) { return "invalid HTTP port \(httpPort): use 0 to 65535" }
        if maxPacketSize < 1 { return "max-packet-size must be at least 1" }
        if shutdownTimeout < 0 { return "shutdown-timeout must not be negative" }
        if let fileDescriptors, fileDescriptors < 1 { return "file-descriptors must be at least 1" }
        return nil
    }

    /// Seconds given on the command line (fractions allowed, up to a year) in milliseconds.
    static func milliseconds(_ seconds: String) -> Int64? {
        guard let value = Double(seconds), value.isFinite, (0...31_536_000).contains(value) else { return nil }
        return Int64((value * 1000).rounded())
    }

    /// The server's configuration; `hostName` makes the default job handle prefix.
    func configuration(hostName: String, version: String) -> ServerConfiguration {
        var configuration = ServerConfiguration(handlePrefix: jobHandlePrefix ?? "H:\(hostName)", version: version)
        configuration.listenHosts = listen
        configuration.port = port
        configuration.backlog = backlog
        configuration.jobRetries = jobRetries
        configuration.exceptionsByDefault = exceptions
        configuration.keepalive = keepalive
        configuration.keepaliveIdle = keepaliveIdle > 0 ? keepaliveIdle : nil
        configuration.keepaliveInterval = keepaliveInterval > 0 ? keepaliveInterval : nil
        configuration.keepaliveCount = keepaliveCount > 0 ? keepaliveCount : nil
        configuration.maximumPacketSize = maxPacketSize
        configuration.gracefulShutdownSeconds = Int64(shutdownTimeout)
        configuration.verbosityName = verbose.uppercased()
        configuration.queuePersistence = storeQueueOnShutdown ? .atShutdown : .everyJob
        // gearmand's HTTP module listens on 8080 unless told otherwise.
        configuration.httpPort = httpPort ?? (protocols.contains("http") ? 8080 : nil)
        configuration.adminAccess = (try? AdminAccess(parsing: adminAllow)) ?? .loopbackOnly
        configuration.limits.uniqueKeyBytes = maxUniqueSize
        configuration.limits.functionNameBytes = maxFunctionSize
        configuration.limits.queueBytes = maxQueueBytes
        configuration.limits.workersWokenPerJob = workerWakeup ?? 1
        configuration.limits.wakeRetryMilliseconds = Int64(wakeupRetry)
        configuration.maximumOutputBytes = maxOutputBytes
        configuration.outputStallSeconds = Int64(outputStallTimeout)
        configuration.maximumConnections = maxConnections
        configuration.httpJobTimeoutMilliseconds = Int64(httpJobTimeout)
        configuration.httpRequestTimeoutMilliseconds = Int64(httpRequestTimeout)
        configuration.maximumHTTPConnections = httpMaxConnections
        configuration.retryPolicy.retries = retries
        configuration.retryPolicy.backoffMilliseconds = Self.milliseconds(retryBackoff) ?? 10_000
        configuration.retryPolicy.backoffMaxMilliseconds = retryBackoffMax.flatMap(Self.milliseconds)
            ?? max(3_600_000, configuration.retryPolicy.backoffMilliseconds)
        configuration.retryPolicy.deadJobs = deadJobs
        configuration.retryPolicy.deadJobBytes = deadJobsBytes
        if ssl {
            configuration.tls = TLSSettings(certificateFile: sslCertificate, keyFile: sslKey, caFile: sslCAFile,
                                            verifyClients: sslVerifyClient)
        }
        return configuration
    }
}
