import GearmanProtocol
import NIOCore

extension Scheduler {
    /// The longest failure text a dead job keeps, in bytes.
    static let failureTextBytes = 1024

    /// A worker's failure text as one line: control characters become spaces, trailing ones
    /// go, and it is cut to `failureTextBytes`.
    static func failureText(_ bytes: ByteBuffer?) -> String? {
        guard let bytes, bytes.readableBytes > 0 else { return nil }
        var cut = bytes.readableBytesView.prefix(failureTextBytes).map { $0 < 32 || $0 == 127 ? UInt8(ascii: " ") : $0 }
        while cut.last == UInt8(ascii: " ") { cut.removeLast() }
        return cut.isEmpty ? nil : String(decoding: cut, as: UTF8.self)
    }

    /// How often a failed background job of `function` is run again.
    func retries(for function: String) -> Int {
        retriesByFunction[function] ?? retryPolicy.retries
    }

    /// A job's run failed, and its clients have been told. A foreground job ends there; a
    /// background job is queued again after a backoff while it has retries left, then moves
    /// to the dead-job list.
    mutating func failed(_ id: JobID, because reason: String, into actions: inout [SchedulerAction]) {
        guard let job = jobs[id] else { return }
        guard job.background else { return finish(id, outcome: .failed, into: &actions) }
        var history = job.failures ?? FailureHistory(attempts: 0, lastFailure: "", firstSubmitted: job.submittedAt, lastFailed: 0)
        history.attempts += 1
        history.lastFailure = reason
        history.lastFailed = clock.now
        let delay: Int64?
        if history.attempts <= retries(for: job.function) {
            delay = scheduleRetry(of: id, history: history, into: &actions)
        } else {
            bury(id, history: history, into: &actions)
            delay = nil
        }
        actions.append(.report(FailureReport(handle: handle(of: id), function: job.function, unique: String(buffer: job.unique),
                                             attempts: history.attempts, reason: reason, retryInMilliseconds: delay)))
    }

    /// Takes the job from its worker and its clients (they had their answer) and holds it
    /// until its backoff has passed, as an epoch job is held. Returns the delay.
    private mutating func scheduleRetry(of id: JobID, history: FailureHistory, into actions: inout [SchedulerAction]) -> Int64 {
        guard let job = jobs[id] else { return 0 }
        for client in job.clients { peers.update(client) { $0.waitingOn.remove(id) } }
        let jitter = Double.random(in: 0...1, using: &random)
        let delay = retryPolicy.delay(beforeRetry: history.attempts, jitter: jitter)
        let runAt = clock.now + delay
        jobs.update(id) { job in
            job.clients = []
            job.lastWarning = nil
            job.failedAttempts = 0
            job.failures = history
            job.runAt = runAt
        }
        functions[job.function]?.retried += 1
        move(id, to: .scheduled, into: &actions)
        if let retrying = jobs[id], retrying.isStored { actions.append(.persist(.add(retrying.stored), acknowledging: nil)) }
        return delay
    }

    /// Ends the job as failed and keeps it in the dead-job list (and the store's).
    private mutating func bury(_ id: JobID, history: FailureHistory, into actions: inout [SchedulerAction]) {
        guard let job = jobs[id] else { return }
        let unique = job.unique.readableBytes > 0 ? String(buffer: job.unique) : Self.generatedUniqueKey()
        let dead = DeadJob(id: id, function: job.function, unique: unique, data: job.data, priority: job.priority,
                           failures: history)
        let pushedOut = deadJobs.add(dead)
        let kept = deadJobs[id] != nil
        finish(id, outcome: .failed, buried: kept, into: &actions)
        guard storesBackgroundJobs else { return }
        // A job that was not stored yet (restored from `--store-queue-on-shutdown`) is stored dead.
        if kept { actions.append(.persist(.bury(dead.stored), acknowledging: nil)) }
        for gone in pushedOut where gone.id != id && gone.key != dead.key {
            actions.append(.persist(.unbury(function: gone.function, unique: gone.unique), acknowledging: nil))
        }
    }

    // MARK: Admin

    /// Admin `retries FUNCTION N`: retries for one function; nil returns it to `--retries`.
    public mutating func setRetries(_ retries: Int?, for function: String) {
        retriesByFunction[function] = retries.map { max($0, 0) }
    }

    /// The functions with retries of their own, and how many.
    public var retryOverrides: [String: Int] { retriesByFunction }

    /// The dead-job list, oldest death first.
    public func deadJobSummaries() -> [DeadJobSummary] {
        deadJobs.all.map { DeadJobSummary(handle: handle(of: $0.id), job: $0) }
    }

    /// How many dead jobs each function has.
    public var deadJobCounts: [String: Int] { deadJobs.countByFunction }

    /// Jobs the dead list's bounds have pushed out since start-up.
    public var deadJobsEvicted: Int { deadJobs.evicted }

    /// Admin `retry dead job HANDLE`: the job is queued again with its attempts reset.
    /// Nil if the dead list has no such job.
    public mutating func retryDeadJob(_ handle: String) -> [SchedulerAction]? {
        guard let id = jobID(handle), let dead = deadJobs.remove(id) else { return nil }
        return requeue(dead)
    }

    /// Admin `retry dead jobs FUNCTION`: every dead job of the function is queued again.
    public mutating func retryDeadJobs(of function: String) -> (count: Int, actions: [SchedulerAction]) {
        let revived = deadJobs.remove(function: function)
        return (revived.count, revived.flatMap { requeue($0) })
    }

    /// Admin `drop dead jobs FUNCTION`: the function's dead jobs are forgotten; returns how many.
    public mutating func dropDeadJobs(of function: String) -> (count: Int, actions: [SchedulerAction]) {
        let dropped = deadJobs.remove(function: function)
        guard storesBackgroundJobs else { return (dropped.count, []) }
        return (dropped.count, dropped.map { .persist(.unbury(function: $0.function, unique: $0.unique), acknowledging: nil) })
    }

    /// Queues a job taken off the dead list under its old handle, as a new background job
    /// with no failures. If an equal job (same unique key) is held, that one stands for it.
    private mutating func requeue(_ dead: DeadJob) -> [SchedulerAction] {
        var actions: [SchedulerAction] = []
        if storesBackgroundJobs { actions.append(.persist(.unbury(function: dead.function, unique: dead.unique), acknowledging: nil)) }
        let key = UniqueKey(ByteBuffer(string: dead.unique))
        if functions[dead.function]?.jobsByUnique[key] != nil { return actions }
        var job = Job(id: dead.id, function: dead.function, unique: ByteBuffer(string: dead.unique), data: dead.data,
                      priority: dead.priority, background: true)
        job.submittedAt = dead.failures.firstSubmitted
        job.isStored = storesBackgroundJobs
        if storesBackgroundJobs { actions.append(.persist(.add(job.stored), acknowledging: nil)) }
        withFunction(dead.function) { queue in
            queue.retried += 1
            queue.jobsByUnique[key] = dead.id
        }
        admit(job, to: .queued, into: &actions)
        return actions
    }

    // MARK: Store

    /// Puts the dead jobs a store kept back on the list, under new handles; the store forgets
    /// those the list's bounds push out.
    @discardableResult
    public mutating func restoreDead(_ stored: [StoredJob]) -> [SchedulerAction] {
        var actions: [SchedulerAction] = []
        for entry in stored {
            let id = JobID(number: nextHandle)
            nextHandle += 1
            let failures = entry.failures ?? FailureHistory(attempts: 0, lastFailure: "", firstSubmitted: 0, lastFailed: 0)
            let dead = DeadJob(id: id, function: entry.function, unique: entry.unique, data: entry.data,
                               priority: entry.priority, failures: failures)
            for gone in deadJobs.add(dead) where gone.key != dead.key && storesBackgroundJobs {
                actions.append(.persist(.unbury(function: gone.function, unique: gone.unique), acknowledging: nil))
            }
        }
        return actions
    }

    /// The dead-job list as a store keeps it (for `--store-queue-on-shutdown`).
    public func deadJobsToStore() -> [StoredJob] {
        deadJobs.all.map(\.stored)
    }
}
