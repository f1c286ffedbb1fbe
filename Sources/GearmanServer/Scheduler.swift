import GearmanProtocol
import NIOCore

/// The job server's state and rules, with no I/O: events in, actions out.
///
/// It owns the functions and their priority queues, jobs by handle, the unique-key index,
/// workers with their abilities and sleep state, and the clients waiting on jobs.
public struct Scheduler {
    /// Job handles are `H:<prefix>:<n>`, as gearmand makes them.
    public let handlePrefix: String
    /// A job whose workers died this many times fails instead of being queued again (0: never).
    public let jobRetries: Int

    private var jobs: [String: Job] = [:]
    private var functions: [String: FunctionQueue] = [:]
    private var workers: [ConnectionID: WorkerState] = [:]
    /// Clients that asked for WORK_EXCEPTION packets (OPTION_REQ "exceptions").
    private var clientsWantingExceptions: Set<ConnectionID> = []
    private var nextHandle: UInt64 = 1
    private var nextSequence: UInt64 = 0

    struct WorkerState {
        var abilities: Set<String> = []
        var sleeping = false
        var running: Set<String> = []
    }

    public init(handlePrefix: String, jobRetries: Int = 0) {
        self.handlePrefix = handlePrefix
        self.jobRetries = jobRetries
    }

    // MARK: Clients

    /// SUBMIT_JOB and its variants: queue the job (or join an equal one) and wake a worker.
    public mutating func submit(_ submission: Submission, from client: ConnectionID) -> [SchedulerAction] {
        let unique = submission.unique == "-" ? String(buffer: submission.data) : submission.unique
        if !unique.isEmpty, let handle = functions[submission.function]?.jobsByUnique[unique] {
            if !submission.background && !(jobs[handle]?.clients.contains(client) ?? true) {
                jobs[handle]?.clients.append(client)
            }
            return [.send(Packet(.response, .jobCreated, handle), to: client)]
        }
        let handle = "H:\(handlePrefix):\(nextHandle)"
        nextHandle += 1
        var job = Job(handle: handle, function: submission.function, unique: unique, data: submission.data,
                      priority: submission.priority, background: submission.background, sequence: nextSequence)
        nextSequence += 1
        if !submission.background { job.clients = [client] }
        jobs[handle] = job
        functions[submission.function, default: FunctionQueue()].append(handle, priority: submission.priority)
        if !unique.isEmpty { functions[submission.function]?.jobsByUnique[unique] = handle }
        return [.send(Packet(.response, .jobCreated, handle), to: client)] + wakeOneSleeper(for: submission.function)
    }

    /// GET_STATUS: known, running, and the last WORK_STATUS of a job.
    public func status(of handle: String, for client: ConnectionID) -> [SchedulerAction] {
        let job = jobs[handle]
        let reply = Packet(.response, .statusResponse, handle, job == nil ? "0" : "1", job?.worker == nil ? "0" : "1",
                           "\(job?.numerator ?? 0)", "\(job?.denominator ?? 0)")
        return [.send(reply, to: client)]
    }

    /// OPTION_REQ: only "exceptions" is known, as in gearmand.
    public mutating func option(_ name: String, from connection: ConnectionID) -> [SchedulerAction] {
        guard name == "exceptions" else {
            return [.send(Packet(.response, .error, "UNKNOWN_OPTION", "Server does not recognize given option"), to: connection)]
        }
        clientsWantingExceptions.insert(connection)
        return [.send(Packet(.response, .optionResponse, name), to: connection)]
    }

    // MARK: Workers

    public mutating func canDo(_ function: String, from worker: ConnectionID) {
        workers[worker, default: WorkerState()].abilities.insert(function)
    }

    public mutating func cantDo(_ function: String, from worker: ConnectionID) {
        workers[worker]?.abilities.remove(function)
    }

    public mutating func resetAbilities(of worker: ConnectionID) {
        workers[worker]?.abilities.removeAll()
    }

    /// PRE_SLEEP: the worker sleeps until a job it can do arrives (at once if one is queued).
    public mutating func preSleep(_ worker: ConnectionID) -> [SchedulerAction] {
        if nextJob(for: worker, take: false) != nil {
            return [.send(Packet(.response, .noop), to: worker)]
        }
        workers[worker, default: WorkerState()].sleeping = true
        return []
    }

    /// GRAB_JOB, GRAB_JOB_UNIQ, GRAB_JOB_ALL: the best job for this worker, or NO_JOB.
    public mutating func grab(_ kind: GrabKind, by worker: ConnectionID) -> [SchedulerAction] {
        workers[worker, default: WorkerState()].sleeping = false
        guard let handle = nextJob(for: worker, take: true), var job = jobs[handle] else {
            return [.send(Packet(.response, .noJob), to: worker)]
        }
        job.worker = worker
        jobs[handle] = job
        workers[worker]?.running.insert(handle)
        let name = ByteBuffer(string: job.function)
        let packet: Packet
        switch kind {
        case .plain:
            packet = Packet(.response, .jobAssign, arguments: [ByteBuffer(string: handle), name, job.data])
        case .unique:
            packet = Packet(.response, .jobAssignUnique,
                            arguments: [ByteBuffer(string: handle), name, ByteBuffer(string: job.unique), job.data])
        case .all:
            packet = Packet(.response, .jobAssignAll,
                            arguments: [ByteBuffer(string: handle), name, ByteBuffer(string: job.unique), ByteBuffer(), job.data])
        }
        return [.send(packet, to: worker)]
    }

    /// WORK_DATA, WORK_WARNING, WORK_STATUS, WORK_COMPLETE, WORK_FAIL, WORK_EXCEPTION from the
    /// worker running `handle`: relayed to every waiting client; the last three end the job.
    public mutating func workUpdate(_ packet: Packet, from worker: ConnectionID) -> [SchedulerAction] {
        guard let handle = packet.string(at: 0), let job = jobs[handle], job.worker == worker else {
            return [.send(Packet(.response, .error, "JOB_NOT_FOUND", "Job given in work result not found"), to: worker)]
        }
        if packet.type == .workStatus {
            jobs[handle]?.numerator = UInt32(packet.string(at: 1) ?? "") ?? 0
            jobs[handle]?.denominator = UInt32(packet.string(at: 2) ?? "") ?? 0
        }
        let actions: [SchedulerAction] = job.clients.map { client in
            if packet.type == .workException && !clientsWantingExceptions.contains(client) {
                // gearmand drops it and the client waits forever; a WORK_FAIL ends its wait.
                return .send(Packet(.response, .workFail, handle), to: client)
            }
            return .send(Packet(.response, packet.type, arguments: packet.arguments), to: client)
        }
        if [.workComplete, .workFail, .workException].contains(packet.type) {
            finish(handle)
        }
        return actions
    }

    // MARK: Connections

    /// A connection closed: its running jobs go back to the head of their queues (or fail
    /// after `jobRetries`), and jobs only it was waiting for are dropped.
    public mutating func disconnect(_ connection: ConnectionID) -> [SchedulerAction] {
        var actions: [SchedulerAction] = []
        clientsWantingExceptions.remove(connection)
        if let worker = workers.removeValue(forKey: connection) {
            for handle in worker.running.sorted(by: { (jobs[$0]?.sequence ?? 0) > (jobs[$1]?.sequence ?? 0) }) {
                guard var job = jobs[handle] else { continue }
                job.worker = nil
                job.failedAttempts += 1
                if jobRetries > 0 && job.failedAttempts >= jobRetries {
                    actions += job.clients.map { .send(Packet(.response, .workFail, handle), to: $0) }
                    finish(handle)
                } else {
                    jobs[handle] = job
                    functions[job.function]?.prepend(handle, priority: job.priority)
                    actions += wakeOneSleeper(for: job.function)
                }
            }
        }
        for (handle, job) in jobs where job.clients.contains(connection) {
            jobs[handle]?.clients.removeAll { $0 == connection }
            if !job.background && job.worker == nil && job.clients.count == 1 {
                functions[job.function]?.forgetQueued(job.priority)
                finish(handle)
            }
        }
        return actions
    }

    // MARK: Queries (admin)

    /// Per function: queued jobs (all priorities), running jobs, and workers that can do it.
    public func functionStatus() -> [(function: String, queued: [Int], running: Int, workers: Int)] {
        var names = Set(functions.keys)
        for worker in workers.values { names.formUnion(worker.abilities) }
        return names.sorted().map { name in
            let running = jobs.values.filter { $0.function == name && $0.worker != nil }.count
            let capable = workers.values.filter { $0.abilities.contains(name) }.count
            return (name, functions[name]?.queued ?? [0, 0, 0], running, capable)
        }
    }

    // MARK: Helpers

    /// NOOP to one sleeping worker that can do `function` (never every sleeper).
    private mutating func wakeOneSleeper(for function: String) -> [SchedulerAction] {
        guard let sleeper = workers.first(where: { $0.value.sleeping && $0.value.abilities.contains(function) })?.key else {
            return []
        }
        workers[sleeper]?.sleeping = false
        return [.send(Packet(.response, .noop), to: sleeper)]
    }

    /// The oldest job of the highest priority among the worker's functions.
    private mutating func nextJob(for worker: ConnectionID, take: Bool) -> String? {
        guard let abilities = workers[worker]?.abilities, !abilities.isEmpty else { return nil }
        let jobs = self.jobs
        for priority in Priority.allCases {
            var best: (function: String, handle: String, sequence: UInt64)?
            for function in abilities {
                guard let handle = functions[function]?.front(priority, isLive: { jobs[$0].map { $0.worker == nil } ?? false }),
                      let sequence = jobs[handle]?.sequence else { continue }
                if best == nil || sequence < best!.sequence { best = (function, handle, sequence) }
            }
            if let best {
                if take { functions[best.function]?.removeFront(priority) }
                return best.handle
            }
        }
        return nil
    }

    /// Forgets a job that ended (or that nobody waits for any more).
    private mutating func finish(_ handle: String) {
        guard let job = jobs.removeValue(forKey: handle) else { return }
        if let worker = job.worker { workers[worker]?.running.remove(handle) }
        if !job.unique.isEmpty, functions[job.function]?.jobsByUnique[job.unique] == handle {
            functions[job.function]?.jobsByUnique[job.unique] = nil
        }
    }
}
