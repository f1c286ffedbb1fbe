import GearmanProtocol

/// How `gearman server` runs, in gearmand's terms.
public struct ServerConfiguration: Sendable {
    /// Addresses to listen on; empty means every interface (IPv6 and IPv4).
    public var listenHosts: [String] = []
    public var port = 4730
    public var backlog = 1024
    /// Job handles are `<prefix>:<n>`; gearmand's default prefix is `H:<host name>`.
    public var handlePrefix: String
    /// Worker deaths after which a job fails (0: no limit).
    public var jobRetries = 0
    /// Every client gets WORK_EXCEPTION without asking (gearmand's --exceptions).
    public var exceptionsByDefault = false
    /// TCP keepalive on accepted connections, with optional idle, interval and count settings.
    public var keepalive = false
    public var keepaliveIdle: Int?
    public var keepaliveInterval: Int?
    public var keepaliveCount: Int?
    /// The largest packet data a connection may declare before it is closed.
    public var maximumPacketSize = GearmanDecoder.defaultMaximumPacketSize
    /// How long a graceful shutdown waits for running jobs.
    public var gracefulShutdownSeconds: Int64 = 30
    /// What admin `verbose` answers.
    public var verbosityName = "ERROR"
    /// The HTTP listener's port (GET /metrics, GET /status, POST /FUNCTION), on the same
    /// addresses as the Gearman port; nil for none.
    public var httpPort: Int?
    /// When background jobs are written to the queue store (if there is one).
    public var queuePersistence = QueuePersistence.everyJob
    /// What admin `version` answers.
    public var version: String
    /// Who may send admin commands that change state (`--admin-allow`).
    public var adminAccess = AdminAccess.loopbackOnly
    /// Unique key and function name lengths, queued bytes, worker wake-ups.
    public var limits = SchedulerLimits()
    /// Retries of failed background jobs, and the dead-job list's bounds.
    public var retryPolicy = RetryPolicy()
    /// A connection with more unsent output than this is not read until it drains (`--max-output-bytes`).
    public var maximumOutputBytes = 4 << 20
    /// A connection whose output stays over that bound this long is closed (`--output-stall-timeout`).
    public var outputStallSeconds: Int64 = 60
    /// Connections on the Gearman port(s) at once; more are closed as they come (`--max-connections`).
    public var maximumConnections = 10_000
    /// HTTP: a foreground job's default time limit before 504 (`--http-job-timeout`, milliseconds).
    public var httpJobTimeoutMilliseconds: Int64 = 60_000
    /// HTTP: a request head and body must arrive within this (`--http-request-timeout`, milliseconds).
    public var httpRequestTimeoutMilliseconds: Int64 = 10_000
    /// TLS on every listener (`--ssl`), nil for plain TCP.
    public var tls: TLSSettings?
    /// HTTP connections at once (`--http-max-connections`).
    public var maximumHTTPConnections = 1_024

    public init(handlePrefix: String, version: String) {
        self.handlePrefix = handlePrefix
        self.version = version
    }
}
