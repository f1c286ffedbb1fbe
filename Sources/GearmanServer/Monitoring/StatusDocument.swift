import GearmanProtocol
import GearmanTool

/// The HTTP listener's GET /status: the scheduler's functions, workers and jobs as one JSON document.
enum StatusDocument {
    /// `address` names a worker's peer address by its connection.
    static func json(functions: [FunctionStatus], workers: [PeerSummary], jobs: [JobSummary], deadJobs: [DeadJobSummary],
                     address: (ConnectionID) -> String) -> String {
        let functions = functions.map { row in
            JSONValue.object([
                ("function", .string(row.function)),
                ("queued", .object(zip(Priority.allCases, row.queued).map { ("\($0)", .number($1)) })),
                ("scheduled", .number(row.scheduled)), ("running", .number(row.running)), ("workers", .number(row.workers)),
                ("submitted", .number(row.submitted)), ("completed", .number(row.completed)), ("failed", .number(row.failed)),
                ("retried", .number(row.retried)), ("dead", .number(row.dead)),
            ])
        }
        let workers = workers.map { peer in
            JSONValue.object([
                ("connection", .number(Int(peer.connection.value))), ("address", .string(address(peer.connection))),
                ("client_id", .string(peer.clientID)), ("functions", .array(peer.functions.map(JSONValue.string))),
            ])
        }
        let jobs = jobs.map { job in
            JSONValue.object([
                ("handle", .string(job.handle)), ("function", .string(job.function)), ("unique", .string(job.unique)),
                ("running", .bool(job.isRunning)), ("background", .bool(job.isBackground)), ("retries", .number(job.retries)),
            ])
        }
        let dead = deadJobs.map { summary in
            let failures = summary.job.failures
            return JSONValue.object([
                ("handle", .string(summary.handle)), ("function", .string(summary.job.function)),
                ("unique", .string(summary.job.unique)), ("attempts", .number(failures.attempts)),
                ("last_failure", .string(failures.lastFailure)),
                ("first_submitted", .number(Int(failures.firstSubmitted / 1000))), ("last_failed", .number(Int(failures.lastFailed / 1000))),
            ])
        }
        return JSONValue.object([("functions", .array(functions)), ("workers", .array(workers)), ("jobs", .array(jobs)),
                                 ("dead_jobs", .array(dead))]).text + "\n"
    }
}
