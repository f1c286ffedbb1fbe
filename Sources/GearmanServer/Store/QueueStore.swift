import NIOCore

/// A background job as a queue store keeps it: enough to queue it again after a restart.
/// The fields are gearmand's queue columns, so a store can share gearmand's schema.
public struct StoredJob: Sendable, Equatable {
    public var function: String
    public var unique: String
    public var priority: Priority
    public var data: ByteBuffer
    /// SUBMIT_JOB_EPOCH's time in seconds since the epoch; 0 runs the job at once.
    public var whenToRun: Int64

    public init(function: String, unique: String, priority: Priority, data: ByteBuffer, whenToRun: Int64 = 0) {
        self.function = function
        self.unique = unique
        self.priority = priority
        self.data = data
        self.whenToRun = whenToRun
    }
}

/// One change to a queue store. A stored job is known by its function and unique key.
public enum QueueChange: Sendable, Equatable {
    case add(StoredJob)
    case remove(function: String, unique: String)
}

/// Where background jobs are kept so that they survive a restart (SQLite now; PostgreSQL
/// can follow). Every method may be called from any thread; futures may complete anywhere.
public protocol QueueStore: Sendable {
    /// Every stored job, in the order the jobs were stored.
    func load() -> EventLoopFuture<[StoredJob]>
    /// Applies `changes` in order as one transaction; succeeds once they are durable.
    func commit(_ changes: [QueueChange]) -> EventLoopFuture<Void>
    /// Deletes every stored job (after loading, when the queue is only stored at shutdown).
    func removeAll() -> EventLoopFuture<Void>
    /// Releases the store; no call may follow.
    func close() -> EventLoopFuture<Void>
}

/// When background jobs are written to the queue store.
public enum QueuePersistence: Sendable, Equatable {
    /// Each background job is committed before its JOB_CREATED and deleted when it ends.
    case everyJob
    /// gearmand's `--store-queue-on-shutdown`: the queue is written at shutdown and read
    /// (then emptied) at start-up; a crash loses what was queued.
    case atShutdown
}
