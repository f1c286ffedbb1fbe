import GearmanProtocol
import NIOCore
import NIOPosix

/// One timed stretch of a run: its connections are all open before the clock starts, start
/// together, and are closed when the tally stops.
final class BenchPhase {
    /// What a phase measured.
    struct Measurement {
        let jobs: Int
        let seconds: Double
        /// Latency samples in nanoseconds (rtt clients only).
        let samples: [UInt64]
    }

    private let group: any EventLoopGroup
    private let server: BenchServer
    private let tally: RunTally
    private var channels: [any Channel] = []

    /// A phase that stops after `target` counted jobs (nil: on time or failure only).
    init(group: any EventLoopGroup, server: BenchServer, target: Int?) {
        self.group = group
        self.server = server
        tally = RunTally(target: target, eventLoop: group.next())
    }

    /// Opens a connection for each of `roles`; `counted`: whether their jobs count toward the target.
    func connect<Role: ConnectionRole>(_ roles: [Role], counted: Bool) throws(BenchFailure) {
        let tally = self.tally
        let server = self.server
        let connecting = roles.map { role in
            ClientBootstrap(group: group)
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .connectTimeout(.seconds(10))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls = try server.tlsHandler() { try channel.pipeline.syncOperations.addHandler(tls) }
                        try channel.pipeline.syncOperations.addHandlers(
                            ByteToMessageHandler(GearmanDecoder()),
                            RoleHandler(role: role, tally: tally, counted: counted))
                    }
                }
                .connect(to: server.address)
        }
        var failure: (any Error)?
        for future in connecting {
            do {
                channels.append(try future.wait())
            } catch {
                failure = failure ?? error
            }
        }
        if let failure {
            let message = "cannot connect to \(server.name): \(BenchFailure.describe(failure))"
            tally.fail(message)
            closeAll()
            throw .unreachable(message)
        }
    }

    /// Starts every connection, waits until the target is reached, `seconds` pass or a
    /// connection fails, and closes the connections.
    func run(seconds: Double?) throws(BenchFailure) -> Measurement {
        let start = RunTally.now()
        startAll()
        let tally = self.tally
        let timer = seconds.map { seconds in
            group.next().scheduleTask(in: .nanoseconds(Int64(seconds * 1e9))) { tally.timeUp() }
        }
        // The promise only ever succeeds.
        let stop = try! tally.stopped.wait()
        timer?.cancel()
        closeAll()
        if case .failed(let message) = stop.outcome { throw .runStopped(message) }
        return Measurement(jobs: stop.jobs, seconds: Double(stop.at - start) / 1e9, samples: tally.samples)
    }

    /// Starts every connection, then asks `isDone` on this thread every 100 ms until it says so
    /// (or throws) or a connection fails, and closes the connections.
    func run(until isDone: () throws(BenchFailure) -> Bool) throws(BenchFailure) {
        startAll()
        var failure: BenchFailure?
        while tally.stop == nil {
            do throws(BenchFailure) {
                if try isDone() { break }
            } catch {
                failure = error
                break
            }
            usleep(100_000)
        }
        tally.timeUp()
        closeAll()
        if let failure { throw failure }
        if case .failed(let message)? = tally.stop?.outcome { throw .runStopped(message) }
    }

    private func startAll() {
        for channel in channels { channel.pipeline.fireUserInboundEventTriggered(StartEvent()) }
    }

    /// Closes every connection and waits until each is closed (and has handed in its samples).
    private func closeAll() {
        for channel in channels { channel.close(promise: nil) }
        for channel in channels { try? channel.closeFuture.wait() }
        channels = []
    }
}
