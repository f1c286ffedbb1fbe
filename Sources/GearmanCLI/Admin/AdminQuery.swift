import GearmanProtocol

/// One gearadmin operation: the option that asks for it, the admin command it sends, and
/// how its reply turns into JSON.
struct AdminQuery: Equatable {
    enum Kind: Equatable {
        case status, priorityStatus, workers, version, verbose, getPID, showJobs, showUniqueJobs
        case cancelJob(String), createFunction(String), dropFunction(String)
        case maxQueue(function: String, limits: [Int])
        case shutdown(graceful: Bool)
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
        }
    }

    /// Whether the reply is a listing ending in ".".
    var isListing: Bool {
        switch kind {
        case .status, .priorityStatus, .workers, .showJobs, .showUniqueJobs: return true
        default: return false
        }
    }

    /// gearadmin runs its operations in this order, whatever the order of the options.
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
        case .shutdown: return 12
        }
    }

    /// The reply's content as JSON members (after `server` and `query`).
    func json(_ reply: AdminReply) -> [(String, JSONValue)] {
        switch reply {
        case .error(let message):
            return [("ok", .bool(false)), ("error", .string(message))]
        case .ok(let value):
            switch kind {
            case .version: return [("version", .string(value))]
            case .verbose: return [("verbose", .string(value))]
            case .getPID: return [("pid", Int(value).map(JSONValue.number) ?? .string(value))]
            default: return [("ok", .bool(true))]
            }
        case .listing(let lines):
            return [(listingKey, .array(lines.map(row)))]
        }
    }

    private var listingKey: String {
        switch kind {
        case .workers: return "workers"
        case .showJobs, .showUniqueJobs: return "jobs"
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
        default:
            break
        }
        return .object([("unparsed", .string(line))])
    }
}
