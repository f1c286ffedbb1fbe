import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

/// A blocking TLS connection for the admin tools, which read and write in turns: SwiftNIO and
/// NIOSSL run it on a thread of their own, and received bytes are handed over under a lock.
final class TLSTransport {
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let channel: any Channel
    private let inbox = Inbox()

    /// Connects and completes the handshake; the error says which step failed.
    init(_ server: ServerAddress, tls: ClientTLS, timeoutSeconds: Int) throws(AdminConnection.Failure) {
        do {
            let context = try tls.makeContext()
            let name = ClientTLS.serverName(server.host)
            let inbox = self.inbox
            channel = try ClientBootstrap(group: group)
                .connectTimeout(.seconds(Int64(timeoutSeconds)))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: name))
                        try channel.pipeline.syncOperations.addHandler(inbox)
                    }
                }
                .connect(host: server.host, port: Int(server.port)).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw AdminConnection.Failure(message: "cannot connect to \(server) with TLS: \(error)")
        }
    }

    deinit {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    /// Writes all of `bytes`; false if the connection failed.
    func send(_ bytes: [UInt8]) -> Bool {
        (try? channel.writeAndFlush(ByteBuffer(bytes: bytes)).wait()) != nil
    }

    /// The bytes that arrived next: waits up to `timeoutSeconds`; empty once the server closed;
    /// nil on a time-out or an error.
    func receive(timeoutSeconds: Int) -> [UInt8]? {
        inbox.take(timeoutSeconds: timeoutSeconds)
    }

    /// Collects what the server sends until the reader takes it.
    private final class Inbox: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        /// True while bytes or the end wait to be taken; guards the fields below.
        private let ready = ConditionLock(value: false)
        private var bytes: [UInt8] = []
        private var ended = false
        private var failed = false

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            ready.lock()
            bytes += buffer.readableBytesView
            ready.unlock(withValue: true)
        }

        func channelInactive(context: ChannelHandlerContext) {
            ready.lock()
            ended = true
            ready.unlock(withValue: true)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            ready.lock()
            failed = true
            ended = true
            ready.unlock(withValue: true)
            context.close(promise: nil)
        }

        func take(timeoutSeconds: Int) -> [UInt8]? {
            guard ready.lock(whenValue: true, timeoutSeconds: Double(timeoutSeconds)) else { return nil }
            defer { ready.unlock(withValue: ended) }
            if !bytes.isEmpty {
                defer { bytes = [] }
                return bytes
            }
            return failed ? nil : []
        }
    }
}
