import GearmanProtocol
import Glibc
import Logging
import NIOCore

/// The one owner of the server's state, confined to one event loop: it feeds connection
/// events to the scheduler and carries out the actions, writing each connection's packets
/// into a buffer that is flushed once per read burst.
final class JobServerCore {
    /// A class, so that reaching one through the dictionary does not copy it.
    private final class Connection {
        /// Where its packets go: a Gearman connection's channel, or an HTTP request's handler.
        enum Sink {
            case channel(ChannelHandlerContext)
            case http((Packet) -> Void)
        }

        let sink: Sink
        let address: String
        var pending = PendingWrites()
        var pendingPackets: [Packet] = []

        init(sink: Sink, address: String) {
            self.sink = sink
            self.address = address
        }
    }

    private var scheduler: Scheduler
    private var connections: [ConnectionID: Connection] = [:]
    private var dirty: [ConnectionID] = []
    private var nextConnection: UInt64 = 1
    /// Connections on the Gearman port(s), for `--max-connections`.
    private var gearmanConnections = 0
    /// Connections on the HTTP port, for `--http-max-connections`.
    private var httpConnections = 0
    private let eventLoop: any EventLoop
    private let logger: Logger
    private let configuration: ServerConfiguration
    /// The one timer that calls `deadlinesPassed()`, armed by the scheduler's `wakeUp` actions.
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?
    /// The scheduler announced `drained`; the lifecycle hears it once this flush is written.
    private var drainedPending = false
    /// Running, draining, storing, closed: see `ServerLifecycle`.
    private var lifecycle: ServerLifecycle
    /// The listening channels, closed when a shutdown begins (set once they are bound).
    var listeners: [any Channel] = []
    /// Called once the server has stopped.
    var onFinished: () -> Void = {}
    /// The queue store, if background jobs are kept in one.
    private let store: (any QueueStore)?
    private var committer = GroupCommit()
    /// After a failed commit, the next one waits a little (a full disk stays full for a while).
    private var commitRetry: Scheduled<Void>?
    /// Open; closing (writing what is left, then calling back); closed.
    private enum StoreState {
        case open
        case closing(then: () -> Void)
        case closed
    }
    private var storeState = StoreState.open
    /// Commits failed in a row: only the first of a streak is logged, and its end.
    private var failedCommits = 0
    /// Prometheus metrics for the HTTP listener's /metrics.
    private let metrics: ServerMetrics

    init(configuration: ServerConfiguration, eventLoop: any EventLoop, logger: Logger, store: (any QueueStore)? = nil,
         clock: any SchedulerClock = SystemClock()) {
        self.configuration = configuration
        self.eventLoop = eventLoop
        self.logger = logger
        self.store = store
        lifecycle = ServerLifecycle(drainMilliseconds: configuration.gracefulShutdownSeconds * 1000)
        metrics = ServerMetrics(hasQueueStore: store != nil)
        scheduler = Scheduler(handlePrefix: configuration.handlePrefix, jobRetries: configuration.jobRetries,
                              exceptionsByDefault: configuration.exceptionsByDefault,
                              storesBackgroundJobs: store != nil && configuration.queuePersistence == .everyJob,
                              limits: configuration.limits, retryPolicy: configuration.retryPolicy, clock: clock)
    }

    /// Queues the jobs the store kept and fills the dead-job list (at start-up, before the port opens).
    func restore(_ jobs: [StoredJob], dead: [StoredJob] = []) {
        perform(scheduler.restore(jobs, stillStored: configuration.queuePersistence == .everyJob))
        perform(scheduler.restoreDead(dead))
        flush()
    }

    // MARK: Events from connection handlers

    /// A connection on the Gearman port; nil if `--max-connections` are open already (the
    /// handler closes it).
    func connected(_ context: ChannelHandlerContext) -> ConnectionID? {
        let address = context.channel.remoteAddress?.ipAddress ?? "-"
        guard gearmanConnections < configuration.maximumConnections else {
            logger.warning("refusing a connection: --max-connections reached",
                           metadata: ["peer": "\(address)", "limit": "\(configuration.maximumConnections)"])
            return nil
        }
        gearmanConnections += 1
        let id = register(.channel(context), address: address)
        logger.debug("connection opened", metadata: ["connection": "\(id)", "peer": "\(address)"])
        return id
    }

    /// A new connection, known to the scheduler as a client until it registers a function.
    private func register(_ sink: Connection.Sink, address: String) -> ConnectionID {
        let id = ConnectionID(nextConnection)
        nextConnection += 1
        connections[id] = Connection(sink: sink, address: address)
        scheduler.connect(id)
        return id
    }

    func received(_ message: GearmanMessage, from id: ConnectionID) {
        switch message {
        case .packet(let packet):
            perform(scheduler.receive(packet, from: id))
        case .adminCommand(let line):
            let command = AdminCommand(line: line)
            // Checked here, not at connect: most connections never send such a command.
            if command.changesState, !configuration.adminAccess.allows(connections[id]?.address ?? "-") {
                logger.warning("admin command refused", metadata: ["connection": "\(id)", "command": "\(line.prefix(80))",
                                                                   "peer": "\(connections[id]?.address ?? "-")"])
                return enqueue(text: "ERR PERMISSION_DENIED admin+command+not+allowed+from+this+address+(see+--admin-allow)\r\n", to: id)
            }
            let responder = AdminResponder(version: configuration.version, verbosity: configuration.verbosityName,
                                           processID: getpid(), address: { [connections] in connections[$0]?.address ?? "-" })
            let (reply, actions, effect) = responder.respond(to: command, scheduler: &scheduler)
            enqueue(text: reply, to: id)
            perform(actions)
            if case .shutdown(let graceful) = effect {
                flush()
                shutdown(graceful: graceful)
            }
        }
    }

    /// A connection closed. One that held much unsent output, or whose leaving dropped many
    /// jobs, gives the memory back to the system (glibc keeps freed memory otherwise).
    func disconnected(_ id: ConnectionID, heldMuchOutput: Bool = false) {
        guard let connection = connections.removeValue(forKey: id) else { return }
        if case .channel = connection.sink { gearmanConnections -= 1 }
        let heldBefore = scheduler.heldBytes
        perform(scheduler.disconnect(id))
        logger.debug("connection closed", metadata: ["connection": "\(id)"])
        flush()
        if heldMuchOutput || heldBefore - scheduler.heldBytes > 16 << 20 {
            // On the next turn: NIO lets go of the unsent buffers after this callback.
            eventLoop.execute { _ = malloc_trim(0) }
        }
    }

    /// A connection's output stayed over its bound too long: it is about to be closed.
    func stalled(_ id: ConnectionID) {
        logger.notice("closing a connection that does not read its replies",
                      metadata: ["connection": "\(id)", "peer": "\(connections[id]?.address ?? "-")"])
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
        if case .channel(let context) = connection.sink { context.channel.close(promise: nil) }
    }

    // MARK: HTTP

    /// An HTTP connection opened; false if `--http-max-connections` are open already.
    func httpConnectionOpened(address: String) -> Bool {
        guard httpConnections < configuration.maximumHTTPConnections else {
            logger.warning("refusing an HTTP connection: --http-max-connections reached", metadata: ["peer": "\(address)"])
            return false
        }
        httpConnections += 1
        return true
    }

    func httpConnectionClosed() {
        httpConnections -= 1
    }

    /// An HTTP request that submits a job acts as a client connection of its own; the
    /// packets the scheduler sends it go to `deliver` (at the next flush).
    func connectHTTPClient(address: String, deliver: @escaping (Packet) -> Void) -> ConnectionID {
        register(.http(deliver), address: address)
    }

    /// A job submitted over HTTP by the client `id`.
    func submit(_ submission: Submission, fromHTTPClient id: ConnectionID) {
        perform(scheduler.submit(submission, from: id))
        flush()
    }

    /// GET /metrics: Prometheus' text format.
    func metricsText() -> [UInt8] {
        let workers = workerSummaries.count
        if let store { metrics.setStoreAvailable(store.isAvailable) }
        return metrics.render(scheduler.functionStatus(), clients: connections.count - workers, workers: workers,
                              deadEvicted: scheduler.deadJobsEvicted)
    }

    /// GET /status: functions, workers and jobs as JSON.
    func statusJSON() -> String {
        StatusDocument.json(functions: scheduler.functionStatus(), workers: workerSummaries, jobs: scheduler.jobSummaries(),
                            deadJobs: scheduler.deadJobSummaries()) {
            connections[$0]?.address ?? "-"
        }
    }

    /// The connections that registered a function.
    private var workerSummaries: [PeerSummary] { scheduler.peerSummaries().filter { !$0.functions.isEmpty } }

    /// The scheduler's invariants, and that it knows exactly the open connections (for the
    /// fuzz target, which checks them after every event).
    func invariantViolations() -> [String] {
        var problems = scheduler.invariantViolations()
        if Set(connections.keys) != Set(scheduler.peers.keys) {
            problems.append("connections \(connections.keys.sorted { $0.value < $1.value }) but scheduler peers \(scheduler.peers.keys.sorted { $0.value < $1.value })")
        }
        return problems
    }

    // MARK: Output

    private func perform(_ actions: [SchedulerAction]) {
        for action in actions {
            switch action {
            case .send(let packet, let to): enqueue(packet, to: to)
            case .report(let failure): log(failure)
            case .persist(let change, let acknowledging): committer.add(change, acknowledging: acknowledging)
            case .wakeUp(let milliseconds): wakeUp(in: milliseconds)
            case .drained: drainedPending = true
            }
        }
    }

    /// A failed background job: NOTICE when it will run again, WARNING when it is dead.
    private func log(_ failure: FailureReport) {
        var metadata: Logger.Metadata = ["handle": "\(failure.handle)", "function": "\(failure.function)",
                                         "unique": "\(failure.unique)", "attempts": "\(failure.attempts)", "reason": "\(failure.reason)"]
        if let delay = failure.retryInMilliseconds {
            metadata["retry in ms"] = "\(delay)"
            logger.notice("background job failed; it runs again later", metadata: metadata)
        } else {
            logger.warning("background job failed for good; kept in the dead-job list", metadata: metadata)
        }
    }

    private func enqueue(_ packet: Packet, to id: ConnectionID) {
        guard let connection = connections[id] else { return }
        if connection.pending.isEmpty && connection.pendingPackets.isEmpty { dirty.append(id) }
        if case .http = connection.sink {
            connection.pendingPackets.append(packet)
        } else {
            connection.pending.append(packet)
        }
    }

    private func enqueue(text: String, to id: ConnectionID) {
        guard let connection = connections[id] else { return }
        if connection.pending.isEmpty { dirty.append(id) }
        connection.pending.append(text: text)
    }

    /// Writes and flushes every connection that has packets waiting, and starts a group
    /// commit if queue-store changes wait.
    func flush() {
        if store != nil { startCommit() }
        // Swapped out, not copied: an HTTP delivery below may flush again and mark more.
        var written: [ConnectionID] = []
        swap(&written, &dirty)
        for id in written {
            guard let connection = connections[id] else { continue }
            switch connection.sink {
            case .channel(let context):
                // Taken out first: a write can fail at once and call back into this object.
                var pending = PendingWrites()
                swap(&pending, &connection.pending)
                pending.drain { bytes, isLast in
                    if isLast {
                        context.writeAndFlush(NIOAny(bytes), promise: nil)
                    } else {
                        context.write(NIOAny(bytes), promise: nil)
                    }
                }
                // Back, for the buffer it kept, unless a write called back and queued more.
                if connection.pending.isEmpty { swap(&pending, &connection.pending) }
            case .http(let deliver):
                let packets = connection.pendingPackets
                connection.pendingPackets = []
                packets.forEach(deliver)
            }
        }
        if dirty.isEmpty {
            written.removeAll(keepingCapacity: true)
            dirty = written
        }
        if drainedPending {
            drainedPending = false
            if case .draining = lifecycle.state { carryOut(lifecycle.jobsDrained()) }
        }
    }

    // MARK: Queue store

    /// Starts the next group commit, if changes wait and none is running.
    private func startCommit() {
        guard let store, case .open = storeState, commitRetry == nil, let batch = committer.nextBatch() else { return }
        runCommit(batch, in: store) { [self] failed in
            if case .closing = storeState { return finishStore(store) }
            if failed {
                commitRetry = eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(100)) { [self] in
                    commitRetry = nil
                    flush()
                }
            }
        }
    }

    /// Writes one batch; when it is durable (or failed), answers its clients, calls
    /// `afterwards` with whether it failed, and flushes.
    private func runCommit(_ batch: GroupCommit.Batch, in store: any QueueStore, afterwards: @escaping (Bool) -> Void) {
        let started = ContinuousClock.now
        store.commit(batch.changes).hop(to: eventLoop).assumeIsolated().whenComplete { [self] result in
            let succeeded = (try? result.get()) != nil
            let outcome = committer.finished(succeeded: succeeded)
            metrics.recordCommit(ContinuousClock.now - started, failed: !succeeded)
            perform(scheduler.committed(outcome.acknowledged))
            var failed = false
            switch result {
            case .failure(let error):
                failed = true
                // A store that is away fails every retry: the first failure is logged, then the recovery.
                if failedCommits == 0 {
                    logger.error("queue store commit failed; submissions get QUEUE_ERROR until a commit succeeds",
                                 metadata: ["error": "\(error)", "jobs": "\(outcome.rejected.count)"])
                }
                failedCommits += 1
                perform(scheduler.commitFailed(outcome.rejected, reason: "The queue store could not keep the job: \(error)"))
            case .success:
                if failedCommits > 0 {
                    logger.notice("queue store commits succeed again", metadata: ["failed_commits": "\(failedCommits)"])
                    failedCommits = 0
                }
            }
            afterwards(failed)
            flush()
        }
    }

    /// Ends the store's part in a shutdown: writes the remaining changes (or, with
    /// `--store-queue-on-shutdown`, every background job), closes the store, then calls `done`.
    private func closeStore(then done: @escaping () -> Void) {
        guard let store else { return done() }
        storeState = .closing(then: done)
        commitRetry?.cancel()
        commitRetry = nil
        finishStore(store)
    }

    /// One step of closing: a commit of what is left, or the final write and close.
    private func finishStore(_ store: any QueueStore) {
        // A running commit calls back here when it ends.
        guard committer.inFlight == nil else { return }
        if let batch = committer.nextBatch() {
            return runCommit(batch, in: store) { [self] failed in
                if failed { committer = GroupCommit() }  // no retries at shutdown
                finishStore(store)
            }
        }
        var final = eventLoop.makeSucceededVoidFuture()
        if configuration.queuePersistence == .atShutdown {
            let jobs = scheduler.backgroundJobsToStore(), dead = scheduler.deadJobsToStore()
            logger.notice("storing the queue at shutdown", metadata: ["jobs": "\(jobs.count)", "dead jobs": "\(dead.count)"])
            final = store.commit(jobs.map { .add($0) } + dead.map { .bury($0) })
        }
        final.flatMap { store.close() }.hop(to: eventLoop).assumeIsolated().whenComplete { [self] result in
            if case .failure(let error) = result { logger.error("closing the queue store failed", metadata: ["error": "\(error)"]) }
            guard case .closing(let done) = storeState else { return }
            storeState = .closed
            done()
        }
    }

    // MARK: Timers and shutdown

    /// The scheduler's `wakeUp`: the timer moves earlier if it is set later (or not at all).
    private func wakeUp(in milliseconds: Int64) {
        let deadline = NIODeadline.now() + .milliseconds(milliseconds)
        if let timerDeadline, timerDeadline <= deadline { return }
        timer?.cancel()
        timerDeadline = deadline
        timer = eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            timer = nil
            timerDeadline = nil
            perform(scheduler.deadlinesPassed())
            flush()
        }
    }

    /// Admin `shutdown` or a signal: see `ServerLifecycle` for what follows.
    func shutdown(graceful: Bool) {
        carryOut(lifecycle.shutdownRequested(graceful: graceful, runningJobs: scheduler.runningJobCount,
                                             now: scheduler.clock.monotonic))
    }

    /// Carries out the lifecycle's actions.
    private func carryOut(_ actions: [ServerLifecycle.Action]) {
        for action in actions {
            switch action {
            case .closeListeners:
                for listener in listeners { listener.close(promise: nil) }
            case .beginDraining:
                perform(scheduler.beginDraining())
            case .scheduleDrainDeadline(let deadline):
                logger.notice("graceful shutdown: waiting for running jobs", metadata: ["running": "\(scheduler.runningJobCount)"])
                let delay = max(deadline - scheduler.clock.monotonic, 0)
                eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(delay)) { [self] in
                    let next = lifecycle.drainDeadlinePassed(now: scheduler.clock.monotonic)
                    if !next.isEmpty { logger.warning("graceful shutdown: running jobs did not finish in time") }
                    carryOut(next)
                }
            case .closeStore:
                flush()  // what draining changed goes out before the connections close
                closeStore { [self] in carryOut(lifecycle.storeClosed()) }
            case .closeConnections:
                closeAll()
            case .finish:
                onFinished()
            }
        }
    }

    private func closeAll() {
        timer?.cancel()
        for connection in connections.values {
            if case .channel(let context) = connection.sink { context.channel.close(promise: nil) }
        }
    }
}
