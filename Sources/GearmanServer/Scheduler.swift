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
    let clock: any SchedulerClock
    /// Background jobs are committed to the queue store before their JOB_CREATED.
    public let storesBackgroundJobs: Bool
    /// Queue-store changes not yet taken by `takeStoreRequests()`, with the job each acknowledges.
    var storeRequests: [(change: QueueChange, acknowledging: String?)] = []

    var jobs: [String: Job] = [:]
    var functions: [String: FunctionQueue] = [:]
    var peers: [ConnectionID: Peer] = [:]
    /// Sleeping workers by function, so that waking one is O(1) however many connections there are.
    var sleepers: [String: Set<ConnectionID>] = [:]
    var deadlines = Heap<Deadline>()
    var nextHandle: UInt64 = 1
    var nextSequence: UInt64 = 0
    var nextDeadlineOrder: UInt64 = 0
    /// Set by a graceful shutdown: no job is handed out or accepted any more.
    public internal(set) var isDraining = false

    public init(handlePrefix: String, jobRetries: Int = 0, exceptionsByDefault: Bool = false,
                storesBackgroundJobs: Bool = false, clock: any SchedulerClock = SystemClock()) {
        self.handlePrefix = handlePrefix
        self.storesBackgroundJobs = storesBackgroundJobs
        self.jobRetries = jobRetries
        self.exceptionsByDefault = exceptionsByDefault
        self.clock = clock
    }

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
        for handle in peer.running.sorted(by: { jobs[$0]!.sequence > jobs[$1]!.sequence }) {
            guard var job = jobs[handle] else { continue }
            job.worker = nil
            job.deadline = nil
            job.failedAttempts += 1
            functions[job.function]?.running -= 1
            if jobRetries > 0 && job.failedAttempts >= jobRetries {
                actions += job.clients.map { .send(Packet(.response, .workFail, handle), to: $0) }
                jobs[handle] = job
                finish(handle, outcome: .failed)
            } else {
                jobs[handle] = job
                functions[job.function]?.prepend(handle, priority: job.priority)
                actions += wakeOneSleeper(for: job.function)
            }
        }
        for handle in peer.waitingOn {
            guard var job = jobs[handle] else { continue }
            job.clients.removeAll { $0 == connection }
            jobs[handle] = job
            if job.clients.isEmpty && !job.background && job.isQueued {
                functions[job.function]?.forgetQueued(job.priority)
                finish(handle)
            }
        }
        return actions
    }

    // MARK: Clients

    /// SUBMIT_JOB and its variants: queue the job (or join an equal one) and wake a worker.
    public mutating func submit(_ submission: Submission, from client: ConnectionID) -> [SchedulerAction] {
        if isDraining {
            return [.send(Packet(.response, .error, "SHUTTING_DOWN", "The server is shutting down"), to: client)]
        }
        let function = submission.function
        let unique = submission.unique == "-" ? String(buffer: submission.data) : submission.unique
        if !unique.isEmpty, let handle = functions[function]?.jobsByUnique[unique] {
            if !submission.background, jobs[handle]?.clients.contains(client) == false {
                jobs[handle]?.clients.append(client)
                peers[client]?.waitingOn.insert(handle)
            }
            if jobs[handle]?.awaitingCommit != nil {
                jobs[handle]?.awaitingCommit?.append(client)
                return []
            }
            return [.send(Packet(.response, .jobCreated, handle), to: client)]
        }
        let limit = functions[function]?.maxQueue[submission.priority.rawValue] ?? 0
        if limit > 0 && functions[function]!.total + functions[function]!.committing >= limit {
            return [.send(Packet(.response, .error, "QUEUE_ERROR", "Job queue is full"), to: client)]
        }
        let handle = "\(handlePrefix):\(nextHandle)"
        nextHandle += 1
        var job = Job(handle: handle, function: function, unique: unique, data: Self.ownedIfLarge(submission.data),
                      priority: submission.priority, background: submission.background, sequence: nextSequence)
        nextSequence += 1
        if !submission.background {
            job.clients = [client]
            peers[client]?.waitingOn.insert(handle)
        }
        job.runAt = submission.runAt.flatMap { $0 > clock.now ? $0 : nil }
        if submission.background && storesBackgroundJobs {
            if job.unique.isEmpty { job.unique = Self.generatedUniqueKey() }
            job.awaitingCommit = [client]
            job.isStored = true
            let key = job.unique
            withFunction(function) { queue in
                queue.submitted += 1
                queue.committing += 1
                queue.jobsByUnique[key] = handle
            }
            jobs[handle] = job
            storeRequests.append((.add(job.stored), acknowledging: handle))
            return []
        }
        jobs[handle] = job
        let created = SchedulerAction.send(Packet(.response, .jobCreated, handle), to: client)
        return [created] + enqueue(job) { queue in
            queue.submitted += 1
            if !unique.isEmpty { queue.jobsByUnique[unique] = handle }
        }
    }

    /// Runs `body` on the queue of `function`, made if missing, in place.
    mutating func withFunction(_ function: String, _ body: (inout FunctionQueue) -> Void) {
        body(&functions[function, default: FunctionQueue()])
    }

    /// Puts a job into its function's queue (or holds it for its epoch time) and wakes a
    /// worker; `update` makes the caller's own changes to the function's queue in the same
    /// access (this is the path of every new job).
    mutating func enqueue(_ job: Job, updating update: (inout FunctionQueue) -> Void = { _ in }) -> [SchedulerAction] {
        withFunction(job.function) { queue in
            update(&queue)
            if job.runAt == nil { queue.append(job.handle, priority: job.priority) } else { queue.scheduled += 1 }
        }
        if let runAt = job.runAt {
            addDeadline(at: runAt, .epochJob(handle: job.handle))
            return []
        }
        return wakeOneSleeper(for: job.function)
    }

    /// GET_STATUS: known, running, and the last WORK_STATUS of a job.
    public func status(of handle: String, for client: ConnectionID) -> [SchedulerAction] {
        let job = jobs[handle]
        let reply = Packet(.response, .statusResponse, handle, job == nil ? "0" : "1", job?.worker == nil ? "0" : "1",
                           "\(job?.numerator ?? 0)", "\(job?.denominator ?? 0)")
        return [.send(reply, to: client)]
    }

    /// GET_STATUS_UNIQUE: like GET_STATUS, found by unique key, plus how many clients wait.
    /// The packet names no function; when several functions hold the key, the oldest job answers.
    public func status(ofUnique unique: String, for client: ConnectionID) -> [SchedulerAction] {
        let job = functions.values.compactMap { $0.jobsByUnique[unique].flatMap { jobs[$0] } }
            .min { $0.sequence < $1.sequence }
        let reply = Packet(.response, .statusResponseUnique, unique, job == nil ? "0" : "1",
                           job?.worker == nil ? "0" : "1", "\(job?.numerator ?? 0)", "\(job?.denominator ?? 0)",
                           "\(job?.clients.count ?? 0)")
        return [.send(reply, to: client)]
    }

    /// OPTION_REQ: only "exceptions" is known, as in gearmand.
    public mutating func option(_ name: String, from connection: ConnectionID) -> [SchedulerAction] {
        guard name == "exceptions" else {
            return [.send(Packet(.response, .error, "UNKNOWN_OPTION", "Server does not recognize given option"), to: connection)]
        }
        peers[connection]?.wantsExceptions = true
        return [.send(Packet(.response, .optionResponse, name), to: connection)]
    }

    /// SET_CLIENT_ID: the name admin `workers` shows for this connection.
    public mutating func setClientID(_ id: String, for connection: ConnectionID) {
        peers[connection]?.clientID = id.isEmpty ? "-" : id
    }

    // MARK: Shared helpers

    /// Forgets a job that ended (or that nobody waits for any more).
    mutating func finish(_ handle: String, outcome: JobOutcome? = nil) {
        guard let job = jobs.removeValue(forKey: handle) else { return }
        if job.isStored { storeRequests.append((.remove(function: job.function, unique: job.unique), nil)) }
        if let worker = job.worker { peers[worker]?.running.remove(handle) }
        for client in job.clients { peers[client]?.waitingOn.remove(handle) }
        // One lookup of the function for all its counters (this is the path of every result).
        guard let index = functions.index(forKey: job.function) else { return }
        if job.awaitingCommit != nil { functions.values[index].committing -= 1 }
        if job.worker != nil { functions.values[index].running -= 1 }
        switch outcome {
        case .completed?: functions.values[index].completed += 1
        case .failed?: functions.values[index].failed += 1
        case nil: break
        }
        if !job.unique.isEmpty, functions.values[index].jobsByUnique[job.unique] == handle {
            functions.values[index].jobsByUnique[job.unique] = nil
        }
    }

    /// A large workload in storage of its own. As a slice it would keep the connection's read
    /// buffer alive while the job is queued and make NIO copy that buffer when the next read
    /// lands (64 KiB submissions ran at a third of the speed). Small ones stay slices: a copy
    /// each costs more than it saves (measured: 5% fewer jobs/s with 100-byte payloads).
    static func ownedIfLarge(_ bytes: ByteBuffer) -> ByteBuffer {
        guard bytes.readableBytes >= 1024 else { return bytes }
        var copy = ByteBufferAllocator().buffer(capacity: bytes.readableBytes)
        copy.writeImmutableBuffer(bytes)
        return copy
    }

    /// Whether `handle` is one this server handed out (so a late result for it is not an error).
    func issued(_ handle: String) -> Bool {
        let prefix = handlePrefix + ":"
        guard handle.hasPrefix(prefix), let number = UInt64(handle.dropFirst(prefix.count)) else { return false }
        return number < nextHandle
    }
}
