import GearmanProtocol
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// The bundled job server: listeners and connections on one event loop that owns the state.
public final class JobServer: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let core: NIOLoopBound<JobServerCore>
    private let listeners: [any Channel]
    private let finished: EventLoopPromise<Void>
    private let configuration: ServerConfiguration
    private let logger: Logger

    /// The addresses the server accepts connections on.
    public var localAddresses: [SocketAddress] { listeners.compactMap(\.localAddress) }

    /// Where it listens, for the start-up line: `127.0.0.1:4730, [::1]:4730 (HTTP: ...)`,
    /// with the real ports when 0 was asked for.
    public var listeningSummary: String {
        func text(_ channels: ArraySlice<any Channel>) -> String {
            channels.compactMap(\.localAddress).map { address in
                let host = address.ipAddress ?? "?"
                return (host.contains(":") ? "[\(host)]" : host) + ":\(address.port ?? 0)"
            }.joined(separator: ", ")
        }
        let gearman = text(listeners.prefix(gearmanListenerCount))
        let http = listeners.count > gearmanListenerCount ? " (HTTP: \(text(listeners.dropFirst(gearmanListenerCount))))" : ""
        let tls = configuration.tls == nil ? "" : " with TLS"
        return gearman + http + tls
    }

    /// How many of `listeners` are Gearman ports; the rest are HTTP.
    private let gearmanListenerCount: Int

    /// Opens the queue store (if `openStore` is given) and restores its jobs, then binds the
    /// listeners; the server accepts work when this returns.
    public init(configuration: ServerConfiguration, logger: Logger,
                openStore: ((any EventLoop) throws -> any QueueStore)? = nil) throws {
        self.configuration = configuration
        self.logger = logger
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        finished = loop.makePromise()
        let store: (any QueueStore)?
        let restored: [StoredJob], dead: [StoredJob]
        do {
            store = try openStore?(loop)
            restored = try store?.load().wait() ?? []
            dead = try store?.loadDead().wait() ?? []
            if configuration.queuePersistence == .atShutdown { try store?.removeAll().wait() }
        } catch {
            finished.succeed()
            try? group.syncShutdownGracefully()
            throw error
        }
        if store != nil {
            logger.notice("restored the queue", metadata: ["jobs": "\(restored.count)", "dead jobs": "\(dead.count)"])
        }
        core = try loop.submit {
            let core = JobServerCore(configuration: configuration, eventLoop: loop, logger: logger, store: store)
            core.restore(restored, dead: dead)
            return NIOLoopBound(core, eventLoop: loop)
        }.wait()
        let core = self.core
        var bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: Int32(clamping: configuration.backlog))
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.maxMessagesPerRead, value: 64)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
        if configuration.keepalive {
            bootstrap = bootstrap.childChannelOption(.socketOption(.so_keepalive), value: 1)
            for (name, value) in [(TCP_KEEPIDLE, configuration.keepaliveIdle), (TCP_KEEPINTVL, configuration.keepaliveInterval),
                                  (TCP_KEEPCNT, configuration.keepaliveCount)] {
                if let value, value > 0 {
                    bootstrap = bootstrap.childChannelOption(
                        ChannelOptions.Types.SocketOption(level: .tcp, name: .init(rawValue: name)), value: value)
                }
            }
        }
        let tls: NIOSSLContext?
        do { tls = try configuration.tls?.makeContext() } catch {
            finished.succeed()
            try? group.syncShutdownGracefully()
            throw error
        }
        let maximumPacketSize = configuration.maximumPacketSize
        let stallSeconds = configuration.outputStallSeconds
        let output = configuration.maximumOutputBytes
        bootstrap = bootstrap
            .childChannelOption(.writeBufferWaterMark, value: .init(low: output / 2, high: max(output, 1)))
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.addHandler(
                        ConnectionHandler(core: core.value, decoder: GearmanDecoder(maximumPacketSize: maximumPacketSize),
                                          stallSeconds: stallSeconds))
                }
            }
        do {
            var bound = try Self.bind(bootstrap, hosts: configuration.listenHosts, port: configuration.port)
            gearmanListenerCount = bound.count
            if let httpPort = configuration.httpPort {
                do {
                    bound += try Self.bind(Self.httpBootstrap(group: group, core: core, configuration: configuration, tls: tls),
                                           hosts: configuration.listenHosts, port: httpPort)
                } catch {
                    for channel in bound { try? channel.close().wait() }
                    throw error
                }
            }
            listeners = bound
        } catch {
            finished.succeed()
            try? group.syncShutdownGracefully()
            throw error
        }
        let finished = self.finished, listeners = self.listeners
        try loop.submit {
            core.value.listeners = listeners
            core.value.onFinished = { finished.succeed() }
        }.wait()
    }

    /// The HTTP listener: NIO's HTTP/1.1 codec (it answers malformed requests with 400 and
    /// keeps pipelined requests in order), then `HTTPHandler`.
    private static func httpBootstrap(group: MultiThreadedEventLoopGroup, core: NIOLoopBound<JobServerCore>,
                                      configuration: ServerConfiguration, tls: NIOSSLContext?) -> ServerBootstrap {
        let maximumBodySize = configuration.maximumPacketSize
        return ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: Int32(clamping: configuration.backlog))
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(
                        HTTPHandler(core: core.value, maximumBodySize: maximumBodySize,
                                    requestTimeoutMilliseconds: configuration.httpRequestTimeoutMilliseconds,
                                    jobTimeoutMilliseconds: configuration.httpJobTimeoutMilliseconds))
                }
            }
    }

    /// Every interface when no host is given: IPv6 with IPv4 mapped, or IPv4 alone.
    private static func bind(_ bootstrap: ServerBootstrap, hosts: [String], port: Int) throws -> [any Channel] {
        if hosts.isEmpty {
            if let dualStack = try? bootstrap.bind(host: "::", port: port).wait() { return [dualStack] }
            return [try bootstrap.bind(host: "0.0.0.0", port: port).wait()]
        }
        var channels: [any Channel] = []
        do {
            for host in hosts { channels.append(try bootstrap.bind(host: host, port: port).wait()) }
        } catch {
            for channel in channels { try? channel.close().wait() }
            throw error
        }
        return channels
    }

    /// Stops the server from any thread. Graceful: stop accepting, hand out no more jobs,
    /// let running jobs finish (within the configured bound), then close. A second call
    /// that is not graceful ends a graceful shutdown at once (see `ServerLifecycle`).
    public func shutdown(graceful: Bool) {
        let core = self.core
        core.eventLoop.execute { core.value.shutdown(graceful: graceful) }
    }

    /// Blocks until the server has shut down, then releases its threads.
    public func wait() throws {
        try finished.futureResult.wait()
        try group.syncShutdownGracefully()
    }
}
