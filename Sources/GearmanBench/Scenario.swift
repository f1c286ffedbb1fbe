/// What `gearman bench` measures.
enum Scenario: String, CaseIterable, Sendable {
    /// Background submissions, until the server has created the jobs.
    case submit
    /// Workers draining jobs queued beforehand (the queueing is not timed).
    case drain
    /// Submitters and workers at once, until the workers have completed the jobs.
    case e2e
    /// Foreground jobs one at a time per client, each timed from SUBMIT_JOB to WORK_COMPLETE.
    case rtt

    /// Whether the scenario starts workers.
    var hasWorkers: Bool { self != .submit }
}
