import GearmanProtocol

extension Scheduler {
    /// Every function the server knows (submitted, registered or created), sorted by name.
    public func functionStatus() -> [FunctionStatus] {
        var workerCounts: [String: Int] = [:]
        for peer in peers.values {
            for function in peer.abilities.keys { workerCounts[function, default: 0] += 1 }
        }
        // A function whose only trace is its dead jobs (dropped, or restored) shows too.
        let names = Set(functions.keys).union(deadJobs.countByFunction.keys)
        return names.sorted().map { name in
            let queue = functions[name] ?? FunctionQueue(name: name)
            return FunctionStatus(function: name, queued: queue.queued, scheduled: queue.scheduled,
                                  running: queue.running, workers: workerCounts[name] ?? 0,
                                  submitted: queue.submitted, completed: queue.completed, failed: queue.failed,
                                  retried: queue.retried, dead: deadJobs.countByFunction[name] ?? 0)
        }
    }

    /// Every connection with its client id and the functions it can do, oldest first.
    public func peerSummaries() -> [PeerSummary] {
        peers.keys.sorted { $0.value < $1.value }.map { id in
            let peer = peers[id]!
            return PeerSummary(connection: id, clientID: peer.clientID, functions: peer.abilities.keys.sorted())
        }
    }

    /// Every job held, in submission order.
    public func jobSummaries() -> [JobSummary] {
        jobs.all.sorted { $0.id < $1.id }.map { job in
            JobSummary(handle: handle(of: job.id), function: job.function, unique: String(buffer: job.unique), retries: Int(job.failedAttempts),
                       isRunning: job.worker != nil, isBackground: job.background)
        }
    }

    /// The number of jobs workers are running now.
    public var runningJobCount: Int { functions.values.reduce(0) { $0 + $1.running } }

    /// Admin `cancel job`: the job's clients get WORK_FAIL and it is forgotten; a worker
    /// still running it has its result dropped. Nil if no such job.
    public mutating func cancel(_ handle: String) -> [SchedulerAction]? {
        guard let id = jobID(handle) else { return nil }
        return cancel(id)
    }

    private mutating func cancel(_ id: JobID) -> [SchedulerAction]? {
        guard let job = jobs[id], job.awaitingCommit == nil else { return nil }
        var actions = job.clients.map { SchedulerAction.send(response(.workFail, for: id), to: $0) }
        finish(id, into: &actions)
        if job.worker != nil { checkDrained(into: &actions) }
        return actions
    }

    /// Admin `create function`: the function shows in `status` with no jobs.
    public mutating func createFunction(_ name: String) {
        if functions[name] == nil { functions[name] = FunctionQueue(name: name) }
    }

    /// Admin `drop function`: only a function no worker can do and no job is running (or
    /// being committed) for; its queued jobs fail to their clients.
    public mutating func dropFunction(_ name: String) -> (DropFunctionResult, [SchedulerAction]) {
        guard let queue = functions[name] else { return (.notFound, []) }
        // A job being committed cannot be cancelled yet, so its function stays too.
        if queue.running > 0 || queue.committing > 0 || peers.values.contains(where: { $0.abilities[name] != nil }) {
            return (.inUse, [])
        }
        let doomed = jobs.all.filter { $0.function == name }.map(\.id)
        let actions = doomed.flatMap { cancel($0) ?? [] }
        functions[name] = nil
        return (.dropped, actions)
    }

    /// Admin `maxqueue`: the most jobs a function may hold, per priority (0: no limit).
    /// Like gearmand, it applies to functions that exist already.
    public mutating func setMaxQueue(_ function: String, high: Int, normal: Int, low: Int) {
        functions[function]?.maxQueue = [high, normal, low].map { max($0, 0) }
    }

    /// Graceful shutdown begins: no job is handed out and no submission accepted any more.
    /// `drained` comes when no job runs any more (at once if none does).
    public mutating func beginDraining() -> [SchedulerAction] {
        isDraining = true
        var actions: [SchedulerAction] = []
        checkDrained(into: &actions)
        return actions
    }

    /// While draining, announces `drained` once the last running job has ended.
    mutating func checkDrained(into actions: inout [SchedulerAction]) {
        guard isDraining, !drainedAnnounced, runningJobCount == 0 else { return }
        drainedAnnounced = true
        actions.append(.drained)
    }
}
