/// A job as the scheduler knows it: the number at the end of its job handle (`<prefix>:<n>`).
/// Numbers only grow, so they also give the order in which jobs were submitted.
public struct JobID: Hashable, Comparable, Sendable {
    public let number: UInt64

    public static func < (lhs: JobID, rhs: JobID) -> Bool { lhs.number < rhs.number }
}
