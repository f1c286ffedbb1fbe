/// What admin `status` and `prioritystatus` show for one function.
public struct FunctionStatus: Equatable, Sendable {
    public let function: String
    /// Queued jobs per priority: high, normal, low.
    public let queued: [Int]
    /// Epoch jobs not due yet.
    public let scheduled: Int
    public let running: Int
    /// Connected workers that can do it.
    public let workers: Int
    /// Since start-up: jobs created, completed and failed.
    public var submitted = 0, completed = 0, failed = 0
    /// Since start-up: failed background jobs queued again.
    public var retried = 0
    /// Jobs of this function in the dead-job list now.
    public var dead = 0

    /// Every job held for the function, as gearmand's `status` counts them.
    public var total: Int { queued.reduce(0, +) + scheduled + running }
}

/// What admin `workers` shows for one connection.
public struct PeerSummary: Equatable, Sendable {
    public let connection: ConnectionID
    public let clientID: String
    public let functions: [String]
}

/// What admin `show jobs` and `show unique jobs` show for one job.
public struct JobSummary: Equatable, Sendable {
    public let handle: String
    public let function: String
    public let unique: String
    /// Workers that died running it.
    public let retries: Int
    public let isRunning: Bool
    public let isBackground: Bool
}

/// What admin `show dead jobs` shows for one job that failed for good.
public struct DeadJobSummary: Equatable, Sendable {
    public let handle: String
    public let job: DeadJob
}

/// The answer to admin `drop function`.
public enum DropFunctionResult: Equatable, Sendable {
    case dropped
    case notFound
    case inUse
}
