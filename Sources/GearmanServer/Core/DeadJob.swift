import NIOCore

/// A background job that failed for the last time: what the dead-job list shows and what
/// `retry dead job` queues again.
public struct DeadJob: Sendable, Equatable {
    /// It keeps the handle it ran under (restored ones get a new one).
    let id: JobID
    public let function: String
    public let unique: String
    public let data: ByteBuffer
    public let priority: Priority
    public let failures: FailureHistory

    /// What keeping it costs, for the `--dead-jobs-bytes` bound.
    var heldBytes: Int {
        data.readableBytes + unique.utf8.count + function.utf8.count + failures.lastFailure.utf8.count + 200
    }

    /// This job as a queue store keeps it.
    var stored: StoredJob {
        StoredJob(function: function, unique: unique, priority: priority, data: data, failures: failures)
    }

    var key: StoreKey { StoreKey(function: function, unique: unique) }
}
