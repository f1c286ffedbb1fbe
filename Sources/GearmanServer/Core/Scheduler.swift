import GearmanProtocol
import HeapModule
import NIOCore

/// The job server's state and rules, with no I/O: events in, actions out.
///
/// It owns the functions and their priority queues, jobs by handle, the unique-key index,
/// the connections with their abilities and sleep state, the clients waiting on jobs, and
/// the deadlines of epoch jobs and CAN_DO_TIMEOUT. Time comes from the injected clock.
public struct Scheduler {
    /// Job handles are `<prefix>:<n>`; gearmand's prefix is `H:<host name>`.
    public let handlePrefix: String
    /// A job whose workers died this many times fails instead of being queued again (0: never).
    public let jobRetries: Int
    /// gearmand's `--exceptions`: every client gets WORK_EXCEPTION without asking.
    public let exceptionsByDefault: Bool
    /// What clients and workers may make the scheduler hold.
    public let limits: SchedulerLimits
    /// Retries of failed background jobs and the dead-job list's bounds.
    public let retryPolicy: RetryPolicy
    /// Admin `retries FUNCTION N`: retries for one function instead of the policy's.
    var retriesByFunction: [String: Int] = [:]
    /// Background jobs that failed for good.
    var deadJobs: DeadJobList
    /// Spreads retry delays (seeded, so that tests are repeatable).
    var random: SplitMix64
    let clock: any SchedulerClock
    /// Background jobs are committed to the queue store before their JOB_CREATED.
    public let storesBackgroundJobs: Bool

    var jobs = JobTable()
    var functions: [String: FunctionQueue] = [:]
    var peers: [ConnectionID: Peer] = [:]
    /// Sleeping workers by function, so that waking one is O(1) however many connections there are.
    var sleepers: [String: Set<ConnectionID>] = [:]
    /// Epoch jobs by their UNIX time (wall clock, milliseconds).
    var epochDeadlines = Heap<Deadline>()
    /// Time limits and wake-up retries (monotonic clock, milliseconds).
    var deadlines = Heap<Deadline>()
    /// Functions with a wake-up check pending (see `wakeSleepers`).
    var wakeChecks: Set<String> = []
    /// The number in the next job handle.
    var nextHandle: UInt64 = 1
    /// `handlePrefix` and its colon, as handles start.
    let handleStart: String
    var nextDeadlineOrder: UInt64 = 0
    /// The moment (monotonic clock) of the last `wakeUp` announced, while that call is still to come.
    var wakeUpAnnounced: Int64?
    /// Whether `drained` has been announced.
    var drainedAnnounced = false
    /// Set by a graceful shutdown: no job is handed out or accepted any more.
    public internal(set) var isDraining = false

    public init(handlePrefix: String, jobRetries: Int = 0, exceptionsByDefault: Bool = false,
                storesBackgroundJobs: Bool = false, limits: SchedulerLimits = SchedulerLimits(),
                retryPolicy: RetryPolicy = RetryPolicy(), randomSeed: UInt64 = .random(in: 0...UInt64.max),
                clock: any SchedulerClock = SystemClock()) {
        self.handlePrefix = handlePrefix
        self.limits = limits
        self.retryPolicy = retryPolicy
        deadJobs = DeadJobList(maximumCount: retryPolicy.deadJobs, maximumBytes: retryPolicy.deadJobBytes)
        random = SplitMix64(seed: randomSeed)
        handleStart = handlePrefix + ":"
        self.storesBackgroundJobs = storesBackgroundJobs
        self.jobRetries = jobRetries
        self.exceptionsByDefault = exceptionsByDefault
        self.clock = clock
    }

    /// What the jobs and functions held cost in memory (the `--max-queue-bytes` count): a
    /// client that registers or submits to millions of function names is bounded too.
    public var heldBytes: Int { jobs.heldBytes + functions.count * Self.bytesPerFunction }

    /// A function's share of `heldBytes`: its queue, counters, index and name, roughly.
    static let bytesPerFunction = 600

    // MARK: Connections

    /// A connection was accepted (so that admin `workers` lists it, as gearmand does).
    public mutating func connect(_ connection: ConnectionID) {
        peers[connection] = Peer(wantsExceptions: exceptionsByDefault)
    }

    /// A connection closed: its running jobs go back to the head of their queues (or fail
    /// after `jobRetries`), and queued foreground jobs nobody waits for any more are dropped.
    public mutating func disconnect(_ connection: ConnectionID) -> [SchedulerAction] {
        setSleeping(connection, false)
        guard let peer = peers.removeValue(forKey: connection) else { return [] }
        var actions: [SchedulerAction] = []
        for id in peer.running.sorted(by: >) {
            jobs.update(id) { $0.failedAttempts += 1 }
            guard let job = jobs[id] else { continue }
            if jobRetries > 0 && job.failedAttempts >= jobRetries {
                // Not to this connection itself, when it was also the job's client: it is gone.
                actions += job.clients.filter { $0 != connection }.map { .send(response(.workFail, for: id), to: $0) }
                failed(id, because: "its worker died \(job.failedAttempts) times (--job-retries)", into: &actions)
            } else {
                move(id, to: .queued, atFront: true, into: &actions)
            }
        }
        for id in peer.waitingOn {
            guard var job = jobs[id] else { continue }
            job.clients.removeAll { $0 == connection }
            jobs[id] = job
            if job.clients.isEmpty && !job.background && job.isQueued {
                finish(id, into: &actions)
            }
        }
        if !peer.running.isEmpty { checkDrained(into: &actions) }
        return actions
    }

    // MARK: Clients

    /// SUBMIT_JOB and its variants: queue the job (or join an equal one) and wake a worker.
    public mutating func submit(_ submission: Submission, from client: ConnectionID) -> [SchedulerAction] {
        if isDraining {
            return [.send(Packet(.response, .error, "SHUTTING_DOWN", "The server is shutting down"), to: client)]
        }
        if let refusal = refusal(of: submission) { return [.send(refusal, to: client)] }
        // One lookup for the checks; the job keeps the queue's own copy of the name.
        let index = functions.index(forKey: submission.function) ?? createFunctionIndex(submission.function)
        let function = functions.keys[index]
        // Both are slices of what was read (see PartialMessage), not copies.
        let data = submission.data
        let unique = submission.uniqueKey.readableBytesView.elementsEqual("-".utf8) ? data : submission.uniqueKey
        let key = UniqueKey(unique)
        // Mutating calls: reading through `functions.values[index]` would copy the whole queue.
        if unique.readableBytes > 0, let id = functions.values[index].job(withUnique: key) {
            // Once per submission, as gearmand does: a connection that submits the same job three
            // times gets three answers (libgearman waits for each).
            if !submission.background {
                jobs.update(id) { $0.clients.append(client) }
                peers.update(client) { $0.waitingOn.insert(id) }
            }
            if jobs[id]?.awaitingCommit != nil {
                jobs.update(id) { $0.awaitingCommit?.append(client) }
                return []
            }
            return [.send(response(.jobCreated, for: id), to: client)]
        }
        if functions.values[index].isFull(for: submission.priority) {
            return [.send(Packet(.response, .error, "QUEUE_ERROR", "Job queue is full"), to: client)]
        }
        let id = JobID(number: nextHandle)
        nextHandle += 1
        var job = Job(id: id, function: function, unique: unique, data: data,
                      priority: submission.priority, background: submission.background)
        if submission.background {
            job.submittedAt = clock.now
        } else {
            job.clients = [client]
            peers.update(client) { $0.waitingOn.insert(id) }
        }
        job.runAt = submission.runAt.flatMap { $0 > clock.now ? $0 : nil }
        var actions: [SchedulerAction] = []
        actions.reserveCapacity(2)
        if submission.background && storesBackgroundJobs {
            if job.unique.readableBytes == 0 { job.unique = ByteBuffer(string: Self.generatedUniqueKey()) }
            job.awaitingCommit = [client]
            job.isStored = true
            let key = UniqueKey(job.unique)
            functions.values[index].submitted += 1
            functions.values[index].jobsByUnique[key] = id
            admit(job, to: .committing, into: &actions)
            actions.append(.persist(.add(job.stored), acknowledging: id))
            return actions
        }
        functions.values[index].submitted += 1
        if unique.readableBytes > 0 { functions.values[index].jobsByUnique[key] = id }
        // The sleeping worker's NOOP first: it is what the client waits on.
        admit(job, to: job.runAt == nil ? .queued : .scheduled, into: &actions)
        actions.append(.send(response(.jobCreated, for: id), to: client))
        return actions
    }

    /// The ERROR a submission gets for breaking a limit, if it does.
    private func refusal(of submission: Submission) -> Packet? {
        if submission.function.utf8.count > limits.functionNameBytes {
            return Self.functionNameTooLong(limits.functionNameBytes)
        }
        if submission.uniqueKey.readableBytes > limits.uniqueKeyBytes {
            // gearmand's words for its 64-byte limit.
            return Packet(.response, .error, "ARGUMENT_TOO_LARGE", "Unique value too large")
        }
        if heldBytes >= limits.queueBytes { return Self.queueFull }
        return nil
    }

    static let queueFull = Packet(.response, .error, "QUEUE_ERROR", "Job queue is full: the server holds its --max-queue-bytes")

    static func functionNameTooLong(_ limit: Int) -> Packet {
        Packet(.response, .error, "ARGUMENT_TOO_LARGE", "Function name too large (over \(limit) bytes)")
    }

    /// Makes an empty queue for `function` and returns where it is.
    mutating func createFunctionIndex(_ function: String) -> Dictionary<String, FunctionQueue>.Index {
        functions[function] = FunctionQueue(name: function)
        return functions.index(forKey: function)!
    }

    /// Runs `body` on the queue of `function`, made if missing, in place.
    mutating func withFunction(_ function: String, _ body: (inout FunctionQueue) -> Void) {
        functions.update(function, adding: FunctionQueue(name: function), body)
    }

    /// GET_STATUS: known, running, and the last WORK_STATUS of a job.
    public func status(of handle: String, for client: ConnectionID) -> [SchedulerAction] {
        let job = jobID(handle).flatMap { jobs[$0] }
        let progress = job?.progress ?? (numerator: 0, denominator: 0)
        let reply = Packet(.response, .statusResponse, handle, job == nil ? "0" : "1", job?.worker == nil ? "0" : "1",
                           "\(progress.numerator)", "\(progress.denominator)")
        return [.send(reply, to: client)]
    }

    /// GET_STATUS_UNIQUE: like GET_STATUS, found by unique key, plus how many clients wait.
    /// The packet names no function; when several functions hold the key, the oldest job answers.
    public func status(ofUnique unique: String, for client: ConnectionID) -> [SchedulerAction] {
        let key = UniqueKey(ByteBuffer(string: unique))
        let job = functions.values.compactMap { $0.jobsByUnique[key].flatMap { jobs[$0] } }
            .min { $0.id < $1.id }
        let progress = job?.progress ?? (numerator: 0, denominator: 0)
        let reply = Packet(.response, .statusResponseUnique, unique, job == nil ? "0" : "1",
                           job?.worker == nil ? "0" : "1", "\(progress.numerator)", "\(progress.denominator)",
                           "\(job?.clients.count ?? 0)")
        return [.send(reply, to: client)]
    }

    /// OPTION_REQ: only "exceptions" is known, as in gearmand.
    public mutating func option(_ name: String, from connection: ConnectionID) -> [SchedulerAction] {
        guard name == "exceptions" else {
            return [.send(Packet(.response, .error, "UNKNOWN_OPTION", "Server does not recognize given option"), to: connection)]
        }
        peers.update(connection) { $0.wantsExceptions = true }
        return [.send(Packet(.response, .optionResponse, name), to: connection)]
    }

    /// SET_CLIENT_ID: the name admin `workers` shows for this connection.
    public mutating func setClientID(_ id: String, for connection: ConnectionID) {
        peers.update(connection) { $0.clientID = id.isEmpty ? "-" : id }
    }

    // MARK: Shared helpers

    /// Forgets a job that ended (or that nobody waits for any more). `buried` says the store
    /// moves its row to the dead list instead of deleting it (the caller asks for that).
    mutating func finish(_ id: JobID, outcome: JobOutcome? = nil, buried: Bool = false, into actions: inout [SchedulerAction]) {
        leave(id)
        guard let job = jobs.removeValue(forKey: id) else { return }
        if job.isStored && !buried {
            actions.append(.persist(.remove(function: job.function, unique: String(buffer: job.unique)), acknowledging: nil))
        }
        for client in job.clients { peers.update(client) { $0.waitingOn.remove(id) } }
        guard let index = functions.index(forKey: job.function) else { return }
        switch outcome {
        case .completed?: functions.values[index].completed += 1
        case .failed?: functions.values[index].failed += 1
        case nil: break
        }
        if job.unique.readableBytes > 0 {
            let key = UniqueKey(job.unique)
            functions.values[index].forgetUnique(key, of: id)
        }
    }

    // MARK: Job handles

    /// The job handle clients see for a job.
    func handle(of id: JobID) -> String {
        handleStart + String(id.number)
    }

    /// A response packet whose only argument is the job's handle.
    func response(_ type: PacketType, for id: JobID) -> Packet {
        Packet(.response, type, arguments: [handleBytes(of: id)])
    }

    /// The job handle as the bytes of a packet argument.
    func handleBytes(of id: JobID) -> ByteBuffer {
        var handle = ByteBufferAllocator().buffer(capacity: handleStart.utf8.count + 20)
        handle.writeString(handleStart)
        handle.writeString(String(id.number))  // at most 20 digits: a small String, not allocated
        return handle
    }

    /// The job a handle names, if it is one this server handed out (the job may have ended since).
    func jobID(_ handle: String) -> JobID? {
        jobID(bytes: handle.utf8)
    }

    /// The job a handle given as bytes names, if this server handed it out.
    func jobID(in handle: ByteBuffer) -> JobID? {
        jobID(bytes: handle.readableBytesView)
    }

    private func jobID<Bytes: Collection<UInt8>>(bytes: Bytes) -> JobID? {
        let start = handleStart.utf8
        guard bytes.count > start.count, bytes.count <= start.count + 20, bytes.starts(with: start) else { return nil }
        let digits = bytes.dropFirst(start.count)
        guard digits.first != UInt8(ascii: "0") else { return nil }  // "01" is not job 1
        var number: UInt64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (shifted, overflowed) = number.multipliedReportingOverflow(by: 10)
            guard !overflowed else { return nil }
            number = shifted &+ UInt64(byte - UInt8(ascii: "0"))
        }
        guard number > 0, number < nextHandle else { return nil }
        return JobID(number: number)
    }
}
