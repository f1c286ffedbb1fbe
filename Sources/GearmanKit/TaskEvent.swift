/// What libgearman reports about a submitted job while `Client.run` waits.
///
/// Payload buffers are valid only during the callback that receives them.
public enum TaskEvent {
    /// JOB_CREATED: the server accepted the job under this job handle.
    case created(jobHandle: String)
    /// WORK_DATA: a chunk of the result.
    case data(UnsafeRawBufferPointer)
    /// WORK_WARNING: a warning from the worker.
    case warning(UnsafeRawBufferPointer)
    /// WORK_STATUS: progress as numerator and denominator.
    case status(numerator: UInt32, denominator: UInt32)
    /// WORK_COMPLETE: the final result.
    case complete(UnsafeRawBufferPointer)
    /// WORK_EXCEPTION: the worker raised an exception with this text.
    case exception(UnsafeRawBufferPointer)
    /// WORK_FAIL: the job failed.
    case failed
}

extension TaskEvent {
    /// Whether this event is the last one a job of that kind waits for.
    public func settles(background: Bool) -> Bool {
        switch self {
        case .created: return background
        case .complete, .exception, .failed: return !background
        case .data, .warning, .status: return false
        }
    }
}

/// One job to submit: the function, unique key, priority and whether to wait for it.
public struct JobRequest: Sendable {
    public var function: String
    public var unique: String?
    public var priority: JobPriority
    public var background: Bool

    public init(function: String, unique: String? = nil, priority: JobPriority = .normal, background: Bool = false) {
        self.function = function
        self.unique = unique
        self.priority = priority
        self.background = background
    }
}
