/// A job as the scheduler knows it: the number at the end of its job handle (`<prefix>:<n>`).
/// Numbers only grow, so they also give the order in which jobs were submitted.
struct JobID: Hashable, Comparable {
    let number: UInt64

    static func < (lhs: JobID, rhs: JobID) -> Bool { lhs.number < rhs.number }
}
