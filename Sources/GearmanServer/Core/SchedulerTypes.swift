import GearmanProtocol
import NIOCore

/// One client or worker connection, as the scheduler knows it.
public struct ConnectionID: Hashable, Sendable, CustomStringConvertible {
    public let value: UInt64
    public init(_ value: UInt64) { self.value = value }
    public var description: String { "#\(value)" }
}

/// A job's priority; queues are served high, then normal, then low.
public enum Priority: Int, Sendable, CaseIterable, Comparable {
    case high = 0, normal = 1, low = 2

    public static func < (lhs: Priority, rhs: Priority) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// What a SUBMIT_JOB* packet asks for.
public struct Submission: Sendable {
    public var function: String
    /// The unique key as sent; empty means none, "-" means the workload is the key.
    public var uniqueKey: ByteBuffer
    public var data: ByteBuffer
    public var priority: Priority
    public var background: Bool
    /// SUBMIT_JOB_EPOCH: run at this UNIX time (milliseconds), not before.
    public var runAt: Int64?

    public init(function: String, unique: String, data: ByteBuffer, priority: Priority, background: Bool,
                runAt: Int64? = nil) {
        self.init(function: function, uniqueKey: ByteBuffer(string: unique), data: data, priority: priority,
                  background: background, runAt: runAt)
    }

    /// A submission whose unique key is given as the bytes that came in.
    public init(function: String, uniqueKey: ByteBuffer, data: ByteBuffer, priority: Priority, background: Bool,
                runAt: Int64? = nil) {
        self.function = function
        self.uniqueKey = uniqueKey
        self.data = data
        self.priority = priority
        self.background = background
        self.runAt = runAt
    }
}

/// What the connection handlers must do after an event.
public enum SchedulerAction: Equatable, Sendable {
    case send(Packet, to: ConnectionID)
    /// A background job failed and is retried later or is dead: a line for the log.
    case report(FailureReport)
    /// A change for the queue store. `acknowledging` is the job whose JOB_CREATED waits for
    /// the commit that holds the change (see `committed` and `commitFailed`).
    case persist(QueueChange, acknowledging: JobID?)
    /// Call `deadlinesPassed()` in this many milliseconds. Announced when a deadline comes
    /// before every wake-up still to come; a call with nothing due does no harm.
    case wakeUp(inMilliseconds: Int64)
    /// The server drains for a graceful shutdown and the last running job has ended.
    case drained
}

/// How a job ended, for the per-function counters.
enum JobOutcome {
    case completed, failed
}

/// Which GRAB_JOB variant a worker sent; it decides the JOB_ASSIGN variant of the answer.
public enum GrabKind: Sendable {
    case plain, unique, all
}
