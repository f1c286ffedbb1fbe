import GearmanProtocol

extension Scheduler {
    /// The queue-store changes made since the last call, each with the job it acknowledges.
    public mutating func takeStoreRequests() -> [(change: QueueChange, acknowledging: String?)] {
        var taken: [(change: QueueChange, acknowledging: String?)] = []
        swap(&taken, &storeRequests)
        return taken
    }

    /// The store committed these jobs: their clients get JOB_CREATED and the jobs are queued.
    public mutating func committed(_ handles: [String]) -> [SchedulerAction] {
        var actions: [SchedulerAction] = []
        for handle in handles {
            guard var job = jobs[handle], let waiting = job.awaitingCommit else { continue }
            job.awaitingCommit = nil
            jobs[handle] = job
            actions += waiting.map { .send(Packet(.response, .jobCreated, handle), to: $0) }
            actions += enqueue(job) { $0.committing -= 1 }
        }
        return actions
    }

    /// The store could not commit these jobs: their clients get an ERROR and the jobs are dropped.
    public mutating func commitFailed(_ handles: [String], reason: String) -> [SchedulerAction] {
        var actions: [SchedulerAction] = []
        for handle in handles {
            guard let waiting = jobs[handle]?.awaitingCommit else { continue }
            jobs[handle]!.isStored = false
            actions += waiting.map { .send(Packet(.response, .error, "QUEUE_ERROR", reason), to: $0) }
            finish(handle)
        }
        return actions
    }

    /// Queues the jobs a queue store kept, in their stored order, before any connection.
    /// `stillStored` says whether they keep their rows (every-job persistence).
    public mutating func restore(_ stored: [StoredJob], stillStored: Bool) {
        for entry in stored {
            let handle = "\(handlePrefix):\(nextHandle)"
            nextHandle += 1
            var job = Job(handle: handle, function: entry.function, unique: entry.unique, data: entry.data,
                          priority: entry.priority, background: true, sequence: nextSequence)
            nextSequence += 1
            job.isStored = stillStored
            if entry.whenToRun > 0, entry.whenToRun * 1000 > clock.now { job.runAt = entry.whenToRun * 1000 }
            jobs[handle] = job
            _ = enqueue(job) { queue in
                if !entry.unique.isEmpty { queue.jobsByUnique[entry.unique] = handle }
            }
        }
    }

    /// Every background job the server holds, oldest first, as a store keeps it (for
    /// `--store-queue-on-shutdown`). A job without a unique key gets one.
    public func backgroundJobsToStore() -> [StoredJob] {
        jobs.values.filter(\.background).sorted { $0.sequence < $1.sequence }.map { job in
            var stored = job.stored
            if stored.unique.isEmpty { stored.unique = Self.generatedUniqueKey() }
            return stored
        }
    }

    /// A random key in UUID form, for a stored job that came without a unique key (the key
    /// is the job's identity in the store, as in gearmand's schema; libgearman clients send
    /// such a key with every background job anyway).
    static func generatedUniqueKey() -> String {
        var generator = SystemRandomNumberGenerator()
        var key = ""
        for index in 0..<16 {
            if [4, 6, 8, 10].contains(index) { key += "-" }
            let byte: UInt8 = generator.next()
            key += String(byte >> 4, radix: 16) + String(byte & 0xf, radix: 16)
        }
        return key
    }
}

extension Job {
    /// This job as a queue store keeps it.
    var stored: StoredJob {
        StoredJob(function: function, unique: unique, priority: priority, data: data,
                  whenToRun: runAt.map { $0 / 1000 } ?? 0)
    }
}
