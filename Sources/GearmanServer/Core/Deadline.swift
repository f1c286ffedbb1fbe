/// A moment at which the scheduler has something to do: an epoch job becomes due, or a
/// running job's CAN_DO_TIMEOUT runs out. Kept in a heap; stale entries are skipped.
struct Deadline: Comparable {
    enum Kind: Equatable {
        case epochJob(JobID)
        case jobTimeout(JobID)
        /// The function's wake-ups are checked: jobs still queued mean the woken workers did not grab.
        case wakeRetry(String)
    }

    let at: Int64
    /// Insertion order, so that equal times fire first-in first-out.
    let order: UInt64
    let kind: Kind

    static func < (lhs: Deadline, rhs: Deadline) -> Bool {
        (lhs.at, lhs.order) < (rhs.at, rhs.order)
    }
}
