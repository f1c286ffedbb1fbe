import GearmanProtocol
import Glibc
import Logging
import NIOCore

/// The one owner of the server's state, confined to one event loop: it feeds connection
/// events to the scheduler and carries out the actions, writing each connection's packets
/// into a buffer that is flushed once per read burst.
final class JobServerCore {
    private struct Connection {
        let context: ChannelHandlerContext
        let address: String
        var pending = ByteBuffer()
    }

    private var scheduler: Scheduler
    private var connections: [ConnectionID: Connection] = [:]
    private var dirty: [ConnectionID] = []
    private var nextConnection: UInt64 = 1
    private let eventLoop: any EventLoop
    private let logger: Logger
    private let configuration: ServerConfiguration
    private var timer: Scheduled<Void>?
    private var timerDeadline: Int64?
    /// Called when admin `shutdown` arrives (graceful or not).
    var onShutdownRequest: (Bool) -> Void = { _ in }
    /// Set during a graceful shutdown; called once no job is running.
    private var onDrained: (() -> Void)?

    init(configuration: ServerConfiguration, eventLoop: any EventLoop, logger: Logger, clock: any SchedulerClock = SystemClock()) {
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.logger = logger
        scheduler = Scheduler(handlePrefix: configuration.handlePrefix, jobRetries: configuration.jobRetries,
                              exceptionsByDefault: configuration.exceptionsByDefault, clock: clock)
    }

    // MARK: Events from connection handlers

    func connected(_ context: ChannelHandlerContext) -> ConnectionID {
        let id = ConnectionID(nextConnection)
        nextConnection += 1
        let address = context.channel.remoteAddress?.ipAddress ?? "-"
        connections[id] = Connection(context: context, address: address)
        scheduler.connect(id)
        logger.debug("connection opened", metadata: ["connection": "\(id)", "peer": "\(address)"])
        return id
    }

    func received(_ message: GearmanMessage, from id: ConnectionID) {
        switch message {
        case .packet(let packet):
            perform(scheduler.receive(packet, from: id))
        case .adminCommand(let line):
            let responder = AdminResponder(version: configuration.version, verbosity: configuration.verbosityName,
                                           processID: getpid(), address: { [connections] in connections[$0]?.address ?? "-" })
            let (reply, actions, effect) = responder.respond(to: AdminCommand(line: line), scheduler: &scheduler)
            enqueue(text: reply, to: id)
            perform(actions)
            if case .shutdown(let graceful) = effect {
                flush()
                onShutdownRequest(graceful)
            }
        }
    }

    func disconnected(_ id: ConnectionID) {
        guard connections.removeValue(forKey: id) != nil else { return }
        perform(scheduler.disconnect(id))
        logger.debug("connection closed", metadata: ["connection": "\(id)"])
        flush()
    }

    /// Bytes that are not the Gearman protocol: an ERROR packet (or ERR line), then the
    /// connection is closed. Every other connection goes on.
    func failed(_ id: ConnectionID, error: any Error) {
        guard let connection = connections[id] else { return }
        logger.notice("closing connection after bad input", metadata: ["connection": "\(id)", "error": "\(error)"])
        let description = (error as? GearmanProtocolError)?.description ?? "\(error)"
        if case .adminLineTooLong = error as? GearmanProtocolError {
            enqueue(text: "ERR LINE_TOO_LONG \(description.split(separator: " ").joined(separator: "+"))\r\n", to: id)
        } else {
            enqueue(Packet(.response, .error, "INVALID_PACKET", description), to: id)
        }
        flush()
        connection.context.channel.close(promise: nil)
    }

    // MARK: Output

    private func perform(_ actions: [SchedulerAction]) {
        for action in actions {
            switch action {
            case .send(let packet, let to): enqueue(packet, to: to)
            }
        }
    }

    private func enqueue(_ packet: Packet, to id: ConnectionID) {
        guard connections[id] != nil else { return }
        if connections[id]!.pending.readableBytes == 0 { dirty.append(id) }
        GearmanEncoder.write(packet, to: &connections[id]!.pending)
    }

    private func enqueue(text: String, to id: ConnectionID) {
        guard connections[id] != nil else { return }
        if connections[id]!.pending.readableBytes == 0 { dirty.append(id) }
        connections[id]!.pending.writeString(text)
    }

    /// Writes and flushes every connection that has packets waiting; re-arms the timer.
    func flush() {
        for id in dirty {
            guard let connection = connections[id], connection.pending.readableBytes > 0 else { continue }
            connections[id]!.pending = ByteBuffer()
            connection.context.writeAndFlush(NIOAny(connection.pending), promise: nil)
        }
        dirty.removeAll(keepingCapacity: true)
        armTimer()
        if let onDrained, scheduler.runningJobCount == 0 {
            self.onDrained = nil
            onDrained()
        }
    }

    // MARK: Timers and shutdown

    private func armTimer() {
        let next = scheduler.nextDeadline
        guard next != timerDeadline else { return }
        timer?.cancel()
        timer = nil
        timerDeadline = next
        guard let next else { return }
        let delay = max(next - scheduler.clock.now, 0)
        timer = eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(delay)) { [self] in
            timer = nil
            timerDeadline = nil
            perform(scheduler.deadlinesPassed())
            flush()
        }
    }

    /// Stops handing out and accepting jobs; `whenDrained` runs once no job is running.
    func drain(whenDrained: @escaping () -> Void) {
        scheduler.beginDraining()
        onDrained = whenDrained
        flush()
    }

    /// Set once `closeAll` ran.
    private(set) var isClosed = false

    /// Closes every connection (the end of a shutdown).
    func closeAll() {
        isClosed = true
        timer?.cancel()
        for connection in connections.values { connection.context.channel.close(promise: nil) }
    }
}
