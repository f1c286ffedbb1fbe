/// Where a job is in its life. Each function counts its jobs by phase (`FunctionQueue`), a
/// worker lists the jobs it runs, and deadlines and wake-ups follow from the phase; all of
/// that changes only in `Scheduler.move`, `admit` and `finish`.
enum JobPhase: Equatable {
    /// A background job whose row is being committed; its JOB_CREATED waits (`awaitingCommit`).
    case committing
    /// Waiting for its epoch time or its retry (`runAt`).
    case scheduled
    /// In its function's queue, waiting for a worker.
    case queued
    /// A worker runs it (until `deadline`, with a CAN_DO_TIMEOUT).
    case running(by: ConnectionID)
}
