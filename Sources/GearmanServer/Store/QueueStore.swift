import NIOCore

/// A background job as a queue store keeps it: enough to queue it again after a restart.
/// The fields are gearmand's queue columns, so a store can share gearmand's schema.
public struct StoredJob: Sendable, Equatable {
    public var function: String
    public var unique: String
    public var priority: Priority
    public var data: ByteBuffer
    /// SUBMIT_JOB_EPOCH's time in seconds since the epoch; 0 runs the job at once. A job
    /// waiting for a retry has the retry's time here.
    public var whenToRun: Int64
    /// Set once the job has failed: kept beside gearmand's columns, in a table of its own.
    public var failures: FailureHistory?

    public init(function: String, unique: String, priority: Priority, data: ByteBuffer, whenToRun: Int64 = 0,
                failures: FailureHistory? = nil) {
        self.function = function
        self.unique = unique
        self.priority = priority
        self.data = data
        self.whenToRun = whenToRun
        self.failures = failures
    }
}

/// How a background job has failed so far: what retries and the dead-job list keep.
public struct FailureHistory: Sendable, Equatable {
    /// Runs that ended in WORK_FAIL, WORK_EXCEPTION, a time limit, or too many worker deaths.
    public var attempts: Int
    /// The WORK_EXCEPTION text or the last WORK_WARNING of the last failed run, or what ended it.
    public var lastFailure: String
    /// When the job was first submitted and when it last failed (milliseconds since the epoch).
    public var firstSubmitted: Int64
    public var lastFailed: Int64

    public init(attempts: Int, lastFailure: String, firstSubmitted: Int64, lastFailed: Int64) {
        self.attempts = attempts
        self.lastFailure = lastFailure
        self.firstSubmitted = firstSubmitted
        self.lastFailed = lastFailed
    }
}

/// One change to a queue store. A stored job is known by its function and unique key.
public enum QueueChange: Sendable, Equatable {
    /// Stores a job, or replaces the stored one with the same key (a retry's new time and
    /// failure history).
    case add(StoredJob)
    /// Deletes a job that ended, with its failure history.
    case remove(function: String, unique: String)
    /// Moves a job that failed for the last time from the queue to the dead-job list.
    case bury(StoredJob)
    /// Deletes a job from the dead-job list (retried or dropped).
    case unbury(function: String, unique: String)
}

/// Where background jobs are kept so that they survive a restart (SQLite now; PostgreSQL
/// can follow). Every method may be called from any thread; futures may complete anywhere.
public protocol QueueStore: Sendable {
    /// Every stored job, in the order the jobs were stored, with their failure histories.
    func load() -> EventLoopFuture<[StoredJob]>
    /// The dead-job list, oldest death first.
    func loadDead() -> EventLoopFuture<[StoredJob]>
    /// Applies `changes` in order as one transaction; succeeds once they are durable.
    func commit(_ changes: [QueueChange]) -> EventLoopFuture<Void>
    /// Deletes every stored job and dead job (after loading, when the queue is only stored at shutdown).
    func removeAll() -> EventLoopFuture<Void>
    /// Releases the store; no call may follow.
    func close() -> EventLoopFuture<Void>
    /// Whether the store can take commits now (false while a database server is away), for /metrics.
    var isAvailable: Bool { get }
}

extension QueueStore {
    /// A store on local disk is always there.
    public var isAvailable: Bool { true }
}

/// When background jobs are written to the queue store.
public enum QueuePersistence: Sendable, Equatable {
    /// Each background job is committed before its JOB_CREATED and deleted when it ends.
    case everyJob
    /// gearmand's `--store-queue-on-shutdown`: the queue is written at shutdown and read
    /// (then emptied) at start-up; a crash loses what was queued.
    case atShutdown
}
