import NIOCore

/// A job the server holds, queued or running.
struct Job {
    let handle: String
    let function: String
    let unique: String
    let data: ByteBuffer
    let priority: Priority
    let background: Bool
    /// Submission order, for FIFO across functions of the same priority.
    let sequence: UInt64
    /// Clients waiting for this job's packets, in the order they submitted it.
    var clients: [ConnectionID] = []
    /// The worker running it, if any.
    var worker: ConnectionID?
    var numerator: UInt32 = 0
    var denominator: UInt32 = 0
    /// How many workers died while running it.
    var failedAttempts = 0
}
