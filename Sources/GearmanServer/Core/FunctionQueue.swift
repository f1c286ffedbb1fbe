import NIOCore

/// One function's jobs: the queued job IDs, one FIFO per priority, and its counters.
/// IDs of jobs removed meanwhile are skipped when they reach the front (O(1) removal).
struct FunctionQueue {
    /// The function's name as a packet argument (JOB_ASSIGN carries it).
    let name: ByteBuffer
    private var queues: [CircularBuffer<JobID>] = Priority.allCases.map { _ in CircularBuffer() }
    /// Live queued jobs per priority (the buffers may still hold IDs of jobs gone).
    private(set) var queued: [Int] = Priority.allCases.map { _ in 0 }
    /// Epoch jobs whose time has not come yet.
    var scheduled = 0
    /// Jobs a worker is running now.
    var running = 0
    /// Background jobs whose queue-store commit has not finished (not acknowledged yet).
    var committing = 0
    /// Since start-up: jobs created, completed, and failed (WORK_FAIL, WORK_EXCEPTION, a timeout, retries used up).
    var submitted = 0, completed = 0, failed = 0
    /// Since start-up: failed background jobs queued again for a retry.
    var retried = 0
    /// The admin `maxqueue` limit per priority; 0 means no limit.
    var maxQueue: [Int] = Priority.allCases.map { _ in 0 }
    /// Jobs with this function by unique key, for coalescing.
    var jobsByUnique: [UniqueKey: JobID] = [:]

    init(name: String) {
        self.name = ByteBuffer(string: name)
    }

    /// Every job the server holds for this function, as gearmand's `status` counts them.
    var total: Int { queued.reduce(0, +) + scheduled + running }

    /// The job holding this unique key. Mutating, like `isFull`, so that a caller reaching the
    /// queue through `Dictionary.Values` changes it in place instead of copying it to read it.
    mutating func job(withUnique key: UniqueKey) -> JobID? {
        jobsByUnique[key]
    }

    /// Whether the admin `maxqueue` limit for `priority` is reached (jobs being committed count).
    mutating func isFull(for priority: Priority) -> Bool {
        let limit = maxQueue[priority.rawValue]
        return limit > 0 && total + committing >= limit
    }

    /// Removes the key from the index if this job holds it (an equal later job may hold it now).
    mutating func forgetUnique(_ key: UniqueKey, of id: JobID) {
        if let entry = jobsByUnique.index(forKey: key), jobsByUnique.values[entry] == id {
            jobsByUnique.remove(at: entry)
        }
    }

    mutating func append(_ id: JobID, priority: Priority) {
        queues[priority.rawValue].append(id)
        queued[priority.rawValue] += 1
    }

    /// Puts a job back at the front of its priority (a worker died running it).
    mutating func prepend(_ id: JobID, priority: Priority) {
        queues[priority.rawValue].prepend(id)
        queued[priority.rawValue] += 1
    }

    /// A queued job left the queue (taken from the front, or its ID stays behind and is skipped).
    mutating func forgetQueued(_ priority: Priority) {
        queued[priority.rawValue] -= 1
    }

    /// The first live job at `priority`, dropping stale ones on the way.
    mutating func front(_ priority: Priority, isLive: (JobID) -> Bool) -> JobID? {
        while let first = queues[priority.rawValue].first {
            if isLive(first) { return first }
            queues[priority.rawValue].removeFirst()
        }
        return nil
    }

    /// Takes the front ID off (a worker took the job); the count changes with the job's phase.
    mutating func dropFront(_ priority: Priority) {
        queues[priority.rawValue].removeFirst()
    }
}
