import GearmanProtocol
import GearmanTool

/// One gearadmin operation: the option that asks for it, the admin command it sends, and
/// how its reply turns into JSON.
struct AdminQuery: Equatable {
    enum Kind: Equatable {
        case status, priorityStatus, workers, version, verbose, getPID, showJobs, showUniqueJobs
        case cancelJob(String), createFunction(String), dropFunction(String)
        case maxQueue(function: String, limits: [Int])
        case shutdown(graceful: Bool)
        /// Our server's dead-job list and what acts on it.
        case deadJobs, retryDeadJob(String), retryDeadJobs(function: String), dropDeadJobs(function: String)
        /// Shows (nil) or sets a function's retries for failed background jobs.
        case retries(function: String, setting: RetrySetting?)
    }

    let kind: Kind

    /// The option's name, also the `query` field of JSON output.
    var name: String {
        switch kind {
        case .status: return "status"
        case .priorityStatus: return "priority-status"
        case .workers: return "workers"
        case .version: return "server-version"
        case .verbose: return "server-verbose"
        case .getPID: return "getpid"
        case .showJobs: return "show-jobs"
        case .showUniqueJobs: return "show-unique-jobs"
        case .cancelJob: return "cancel-job"
        case .createFunction: return "create-function"
        case .dropFunction: return "drop-function"
        case .maxQueue: return "maxqueue"
        case .shutdown: return "shutdown"
        case .deadJobs: return "dead"
        case .retryDeadJob: return "retry-dead"
        case .retryDeadJobs: return "retry-dead-function"
        case .dropDeadJobs: return "drop-dead"
        case .retries: return "retries"
        }
    }

    /// The admin command line sent to the server.
    var command: String {
        switch kind {
        case .status: return "status"
        case .priorityStatus: return "prioritystatus"
        case .workers: return "workers"
        case .version: return "version"
        case .verbose: return "verbose"
        case .getPID: return "getpid"
        case .showJobs: return "show jobs"
        case .showUniqueJobs: return "show unique jobs"
        case .cancelJob(let handle): return "cancel job \(handle)"
        case .createFunction(let name): return "create function \(name)"
        case .dropFunction(let name): return "drop function \(name)"
        case .maxQueue(let function, let limits): return (["maxqueue", function] + limits.map(String.init)).joined(separator: " ")
        case .shutdown(let graceful): return graceful ? "shutdown graceful" : "shutdown"
        case .deadJobs: return "show dead jobs"
        case .retryDeadJob(let handle): return "retry dead job \(handle)"
        case .retryDeadJobs(let function): return "retry dead jobs \(function)"
        case .dropDeadJobs(let function): return "drop dead jobs \(function)"
        case .retries(let function, nil): return "retries \(function)"
        case .retries(let function, .count(let count)?): return "retries \(function) \(count)"
        case .retries(let function, .default?): return "retries \(function) default"
        }
    }

    /// Whether the reply is a listing ending in ".".
    var isListing: Bool {
        switch kind {
        case .status, .priorityStatus, .workers, .showJobs, .showUniqueJobs, .deadJobs: return true
        default: return false
        }
    }

    /// gearadmin runs its operations in this order, whatever the order of the options; ours
    /// come after `maxqueue`, the dead-job list after what changes it.
    var gearadminOrder: Int {
        switch kind {
        case .getPID: return 0
        case .createFunction: return 1
        case .dropFunction: return 2
        case .showJobs: return 3
        case .showUniqueJobs: return 4
        case .cancelJob: return 5
        case .verbose: return 6
        case .version: return 7
        case .workers: return 8
        case .priorityStatus: return 9
        case .status: return 10
        case .maxQueue: return 11
        case .retries: return 12
        case .retryDeadJob: return 13
        case .retryDeadJobs: return 14
        case .dropDeadJobs: return 15
        case .deadJobs: return 16
        case .shutdown: return 17
        }
    }

    /// The reply's content as JSON members (after `server` and `query`).
    func json(_ reply: AdminReply) -> [(String, JSONValue)] {
        switch reply {
        case .error(let message):
            return subject + [("ok", .bool(false)), ("error", .string(message))]
        case .ok(let value):
            switch kind {
            case .version: return [("version", .string(value))]
            case .verbose: return [("verbose", .string(value))]
            case .getPID: return [("pid", Self.number(value))]
            case .retryDeadJobs: return subject + [("ok", .bool(true)), ("retried", Self.number(value))]
            case .dropDeadJobs: return subject + [("ok", .bool(true)), ("dropped", Self.number(value))]
            case .retries(_, nil): return subject + [("retries", Self.number(value))]
            default: return subject + [("ok", .bool(true))]
            }
        case .listing(let lines):
            return [(listingKey, .array(lines.map(row)))]
        }
    }

    /// What the query names (a job or a function), so that each line of several says what it is about.
    private var subject: [(String, JSONValue)] {
        switch kind {
        case .retryDeadJob(let handle): return [("handle", .string(handle))]
        case .retryDeadJobs(let function), .dropDeadJobs(let function), .retries(let function, _): return [("function", .string(function))]
        default: return []
        }
    }

    /// A number from an `OK N` reply; the text as it came if it is none.
    private static func number(_ value: String) -> JSONValue {
        Int(value).map(JSONValue.number) ?? .string(value)
    }

    private var listingKey: String {
        switch kind {
        case .workers: return "workers"
        case .showJobs, .showUniqueJobs, .deadJobs: return "jobs"
        default: return "functions"
        }
    }

    private func row(_ line: String) -> JSONValue {
        switch kind {
        case .status:
            guard let row = StatusRow(line: line) else { break }
            return .object([("function", .string(row.function)), ("total", .number(row.total)),
                            ("running", .number(row.running)), ("workers", .number(row.workers))])
        case .priorityStatus:
            guard let row = PriorityStatusRow(line: line) else { break }
            return .object([("function", .string(row.function)), ("high", .number(row.high)), ("normal", .number(row.normal)),
                            ("low", .number(row.low)), ("workers", .number(row.workers))])
        case .workers:
            guard let row = WorkerRow(line: line) else { break }
            return .object([("fd", .number(row.descriptor)), ("address", .string(row.address)),
                            ("client_id", .string(row.clientID)), ("functions", .array(row.functions.map(JSONValue.string)))])
        case .showJobs:
            guard let row = JobRow(line: line) else { break }
            return .object([("handle", .string(row.handle)), ("retries", .number(row.retries)),
                            ("ignored", .bool(row.ignored)), ("queued", .bool(row.queued))])
        case .showUniqueJobs:
            let row = UniqueJobRow(line: line)
            return .object([("unique", .string(row.unique)), ("function", .optional(row.function)), ("handle", .optional(row.handle))])
        case .deadJobs:
            guard let row = DeadJobRow(line: line) else { break }
            // The members and epoch seconds of `dead_jobs` in the server's /status.
            return .object([("handle", .string(row.handle)), ("function", .string(row.function)), ("unique", .string(row.unique)),
                            ("attempts", .number(row.attempts)), ("last_failure", .string(row.lastFailure)),
                            ("first_submitted", .number(row.firstSubmitted)), ("last_failed", .number(row.lastFailed))])
        default:
            break
        }
        return .object([("unparsed", .string(line))])
    }
}
