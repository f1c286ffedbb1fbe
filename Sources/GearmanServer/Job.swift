import NIOCore

/// A job the server holds: queued, waiting for its epoch time, or running.
struct Job {
    let handle: String
    let function: String
    var unique: String
    let data: ByteBuffer
    let priority: Priority
    let background: Bool
    /// Submission order, for FIFO across functions of the same priority.
    let sequence: UInt64
    /// Clients waiting for this job's packets, in the order they submitted it.
    var clients: [ConnectionID] = []
    /// The worker running it, if any.
    var worker: ConnectionID?
    /// For SUBMIT_JOB_EPOCH: not queued before this time (milliseconds since the epoch).
    var runAt: Int64?
    var numerator: UInt32 = 0
    var denominator: UInt32 = 0
    /// How many workers died while running it.
    var failedAttempts = 0
    /// When the worker's CAN_DO_TIMEOUT runs out (milliseconds since the epoch).
    var deadline: Int64?
    /// Set while the job's row is being committed: the clients whose JOB_CREATED waits for it.
    var awaitingCommit: [ConnectionID]?
    /// The job has a row in the queue store, to be deleted when it ends.
    var isStored = false

    var isQueued: Bool { worker == nil && runAt == nil && awaitingCommit == nil }
}
