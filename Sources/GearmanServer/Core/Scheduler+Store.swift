import GearmanProtocol
import NIOCore

extension Scheduler {
    /// The store committed these jobs: their clients get JOB_CREATED and the jobs are queued.
    mutating func committed(_ ids: [JobID]) -> [SchedulerAction] {
        var actions: [SchedulerAction] = []
        for id in ids {
            guard let job = jobs[id], job.phase == .committing, let waiting = job.awaitingCommit else { continue }
            jobs.update(id) { $0.awaitingCommit = nil }
            // Clients that left during the commit are not answered (their jobs stay: background).
            actions += waiting.filter { peers[$0] != nil }.map { .send(response(.jobCreated, for: id), to: $0) }
            move(id, to: job.runAt == nil ? .queued : .scheduled, into: &actions)
        }
        return actions
    }

    /// The store could not commit these jobs: their clients get an ERROR and the jobs are dropped.
    mutating func commitFailed(_ ids: [JobID], reason: String) -> [SchedulerAction] {
        var actions: [SchedulerAction] = []
        for id in ids {
            guard let waiting = jobs[id]?.awaitingCommit else { continue }
            jobs.update(id) { $0.isStored = false }
            actions += waiting.filter { peers[$0] != nil }.map { .send(Packet(.response, .error, "QUEUE_ERROR", reason), to: $0) }
            finish(id, into: &actions)
        }
        return actions
    }

    /// Queues the jobs a queue store kept, in their stored order, before any connection.
    /// `stillStored` says whether they keep their rows (every-job persistence). The actions
    /// wake the server when the first restored epoch time or retry comes.
    @discardableResult
    public mutating func restore(_ stored: [StoredJob], stillStored: Bool) -> [SchedulerAction] {
        var actions: [SchedulerAction] = []
        for entry in stored {
            let id = JobID(number: nextHandle)
            nextHandle += 1
            let unique = ByteBuffer(string: entry.unique)
            var job = Job(id: id, function: entry.function, unique: unique, data: entry.data,
                          priority: entry.priority, background: true)
            job.isStored = stillStored
            job.failures = entry.failures
            job.submittedAt = entry.failures?.firstSubmitted ?? clock.now
            // A stored time is checked as one off the wire is (a foreign or damaged table may hold any number).
            let runAt = min(entry.whenToRun, Self.latestEpochSecond) * 1000
            if entry.whenToRun > 0, runAt > clock.now { job.runAt = runAt }
            if unique.readableBytes > 0 { withFunction(entry.function) { $0.jobsByUnique[UniqueKey(unique)] = id } }
            admit(job, to: job.runAt == nil ? .queued : .scheduled, into: &actions)
        }
        return actions
    }

    /// Every background job the server holds, oldest first, as a store keeps it (for
    /// `--store-queue-on-shutdown`). A job without a unique key gets one.
    public func backgroundJobsToStore() -> [StoredJob] {
        jobs.all.filter(\.background).sorted { $0.id < $1.id }.map { job in
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
        // A retry's time rounded up to the second, so that it does not run early after a restart.
        StoredJob(function: function, unique: String(buffer: unique), priority: priority, data: data,
                  whenToRun: runAt.map { ($0 + 999) / 1000 } ?? 0, failures: failures)
    }
}
