/// A background job's run failed: what the server logs about it (gearmand logs failed jobs
/// too; here the line also says whether the job will run again).
public struct FailureReport: Equatable, Sendable {
    public let handle: String
    public let function: String
    public let unique: String
    /// Failed runs so far.
    public let attempts: Int
    public let reason: String
    /// Milliseconds until it runs again; nil: it is in the dead-job list now.
    public let retryInMilliseconds: Int64?
}
