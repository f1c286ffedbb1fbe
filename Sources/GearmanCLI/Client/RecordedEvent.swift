import GearmanKit

/// A `TaskEvent` with its payload copied, kept until the job's turn to be printed.
enum RecordedEvent {
    case created(jobHandle: String)
    case data([UInt8])
    case warning([UInt8])
    case status(numerator: UInt32, denominator: UInt32)
    case complete([UInt8])
    case exception([UInt8])
    case failed

    init(_ event: TaskEvent) {
        switch event {
        case .created(let handle): self = .created(jobHandle: handle)
        case .data(let bytes): self = .data(Array(bytes))
        case .warning(let bytes): self = .warning(Array(bytes))
        case .status(let numerator, let denominator): self = .status(numerator: numerator, denominator: denominator)
        case .complete(let bytes): self = .complete(Array(bytes))
        case .exception(let bytes): self = .exception(Array(bytes))
        case .failed: self = .failed
        }
    }

    /// Hands `body` the event as libgearman would have.
    func withTaskEvent<R>(_ body: (TaskEvent) -> R) -> R {
        switch self {
        case .created(let handle): return body(.created(jobHandle: handle))
        case .data(let bytes): return bytes.withUnsafeBytes { body(.data($0)) }
        case .warning(let bytes): return bytes.withUnsafeBytes { body(.warning($0)) }
        case .status(let numerator, let denominator): return body(.status(numerator: numerator, denominator: denominator))
        case .complete(let bytes): return bytes.withUnsafeBytes { body(.complete($0)) }
        case .exception(let bytes): return bytes.withUnsafeBytes { body(.exception($0)) }
        case .failed: return body(.failed)
        }
    }
}
