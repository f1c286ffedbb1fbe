/// Groups queue-store changes into transactions, with no I/O: while one commit is being
/// written, every change that arrives waits, and they all go out together in the next one.
/// Events in (`add`, `finished`), batches to write (`nextBatch`) and jobs to answer out.
struct GroupCommit {
    /// A transaction to write, and the jobs to acknowledge once it is durable.
    struct Batch: Equatable {
        var changes: [QueueChange] = []
        /// Jobs whose JOB_CREATED waits for this batch.
        var acknowledging: [JobID] = []
    }

    /// What a finished commit means for the jobs in it.
    struct Outcome: Equatable {
        var acknowledged: [JobID] = []
        var rejected: [JobID] = []
    }

    /// The most changes one transaction carries.
    let maximumBatch: Int
    private var waiting: [(change: QueueChange, handle: JobID?)] = []
    private(set) var inFlight: Batch?
    /// The running batch's changes that acknowledge no job: removals, retries, the dead list.
    private var inFlightUnacknowledged: [QueueChange] = []

    init(maximumBatch: Int = 20_000) {
        self.maximumBatch = maximumBatch
    }

    /// Nothing is waiting and nothing is being written.
    var isIdle: Bool { inFlight == nil && waiting.isEmpty }

    /// A change to store; `acknowledging` is the job whose JOB_CREATED waits for it.
    mutating func add(_ change: QueueChange, acknowledging handle: JobID? = nil) {
        waiting.append((change, handle))
    }

    /// The running commit ended. On failure its jobs are rejected, and its other changes
    /// (removals, retries, dead jobs) wait for the next commit: a job that ended must not come
    /// back after a restart, and one that failed must not lose its dead-list entry.
    mutating func finished(succeeded: Bool) -> Outcome {
        guard let batch = inFlight else { return Outcome() }
        inFlight = nil
        var outcome = Outcome()
        if succeeded {
            outcome.acknowledged = batch.acknowledging
        } else {
            outcome.rejected = batch.acknowledging
            waiting.insert(contentsOf: inFlightUnacknowledged.map { ($0, nil) }, at: 0)
        }
        inFlightUnacknowledged = []
        return outcome
    }

    /// The batch to write now: everything waiting, if no commit is running.
    mutating func nextBatch() -> Batch? {
        guard inFlight == nil, !waiting.isEmpty else { return nil }
        let taken = waiting.prefix(maximumBatch)
        let batch = Batch(changes: taken.map(\.change), acknowledging: taken.compactMap(\.handle))
        waiting.removeFirst(taken.count)
        inFlight = batch
        inFlightUnacknowledged = taken.filter { $0.handle == nil }.map(\.change)
        return batch
    }
}
