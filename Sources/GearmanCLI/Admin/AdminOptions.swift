import GearmanKit
import GearmanProtocol
import GearmanTool

/// `gearman admin`'s command line: gearadmin's options, plus --maxqueue, --shutdown, --json,
/// and our server's dead-job list and retries.
struct AdminOptions: Equatable {
    var servers: [ServerAddress] = []
    var tls: ClientTLS?
    var queries: [AdminQuery] = []
    var json = false
    var help = false
    var version = false

    /// -h and -p, as gearadmin spells them; `gearman admin`, `top` and `status` share them.
    static let serverSpecs: [LongOptions.Spec] = [
        .init("host", short: "h", value: "HOST[:PORT]", help: "Job server (repeatable; default: GEARMAN_SERVER, else localhost)."),
        .init("port", short: "p", value: "PORT", help: "Port for hosts given without one (default 4730)."),
    ] + ClientTLS.specs

    static let specs: [LongOptions.Spec] = serverSpecs + [
        .init("status", help: "Jobs and workers per function."),
        .init("priority-status", help: "Queued jobs per function by priority."),
        .init("workers", help: "Connections and the functions they can do."),
        .init("server-version", help: "The server's version."),
        .init("server-verbose", help: "The server's log level."),
        .init("getpid", help: "The server's process id."),
        .init("show-jobs", help: "Every job the server holds."),
        .init("show-unique-jobs", help: "The unique keys of the jobs the server holds."),
        .init("cancel-job", value: "HANDLE", help: "Remove a job; its clients get WORK_FAIL."),
        .init("create-function", value: "FUNCTION", help: "Create a function with no jobs."),
        .init("drop-function", value: "FUNCTION", help: "Drop a function no worker can do."),
        .init("maxqueue", value: "FUNCTION", help: "Limit FUNCTION's queue; follow with N, or HIGH NORMAL LOW (none: no limit)."),
        .init("shutdown", help: "Stop the server (with --graceful: let running jobs finish)."),
        .init("graceful", help: "With --shutdown: a graceful shutdown."),
        .init("dead", help: "Our server's dead-job list: background jobs that failed for good."),
        .init("retry-dead", value: "HANDLE", help: "Queue that dead job again, its attempts reset (repeatable)."),
        .init("retry-dead-function", value: "FUNCTION", help: "Queue every dead job of FUNCTION again (repeatable)."),
        .init("drop-dead", value: "FUNCTION", help: "Forget the dead jobs of FUNCTION (repeatable)."),
        .init("retries", value: "FUNCTION", help: "FUNCTION's retries of failed background jobs; N or default after it sets them."),
        .init("json", help: "One JSON object per server and query, one a line."),
    ] + HelpAndVersion.specs()

    init() {}

    /// Parses `arguments`; `environment` reads GEARMAN_SERVER.
    init(parsing arguments: [String], environment: (String) -> String?) throws(LongOptions.Failure) {
        let parsed = try LongOptions(arguments, specs: Self.specs)
        help = parsed.has("help")
        version = parsed.has("version")
        json = parsed.has("json")
        tls = try ClientTLS.parse(parsed)
        servers = try Self.servers(parsed, environment: environment)
        queries += try Self.valueQueries(parsed)
        let flags: [(String, AdminQuery.Kind)] = [
            ("status", .status), ("priority-status", .priorityStatus), ("workers", .workers), ("server-version", .version),
            ("server-verbose", .verbose), ("getpid", .getPID), ("show-jobs", .showJobs), ("show-unique-jobs", .showUniqueJobs),
        ]
        queries += flags.filter { parsed.has($0.0) }.map { AdminQuery(kind: $0.1) }
        if let handle = parsed.last("cancel-job") { queries.append(AdminQuery(kind: .cancelJob(handle))) }
        if parsed.has("dead") { queries.append(AdminQuery(kind: .deadJobs)) }
        queries += parsed.all("retry-dead").map { AdminQuery(kind: .retryDeadJob($0)) }
        queries += parsed.all("retry-dead-function").map { AdminQuery(kind: .retryDeadJobs(function: $0)) }
        queries += parsed.all("drop-dead").map { AdminQuery(kind: .dropDeadJobs(function: $0)) }
        if let name = parsed.last("create-function") { queries.append(AdminQuery(kind: .createFunction(name))) }
        if let name = parsed.last("drop-function") { queries.append(AdminQuery(kind: .dropFunction(name))) }
        if parsed.has("graceful") && !parsed.has("shutdown") {
            throw LongOptions.Failure(message: "--graceful goes with --shutdown")
        }
        if parsed.has("shutdown") { queries.append(AdminQuery(kind: .shutdown(graceful: parsed.has("graceful")))) }
        // Stable: repeated options run in the order given.
        queries = queries.enumerated().sorted { ($0.element.gearadminOrder, $0.offset) < ($1.element.gearadminOrder, $1.offset) }
            .map(\.element)
    }

    /// --maxqueue and --retries, which take the numbers that follow them as positional arguments.
    private static func valueQueries(_ parsed: LongOptions) throws(LongOptions.Failure) -> [AdminQuery] {
        let values = parsed.positional
        switch (parsed.last("maxqueue"), parsed.last("retries")) {
        case (let function?, let retries):
            if retries != nil && !values.isEmpty {
                throw LongOptions.Failure(message: "--maxqueue and --retries both take the numbers that follow; give them in separate commands")
            }
            let limits = values.compactMap { Int($0) }.filter { $0 >= 0 }
            guard values.count <= 3, limits.count == values.count else {
                throw LongOptions.Failure(message: "--maxqueue takes FUNCTION, then N or HIGH NORMAL LOW (whole numbers)")
            }
            return [AdminQuery(kind: .maxQueue(function: function, limits: limits))]
                + (retries.map { [AdminQuery(kind: .retries(function: $0, setting: nil))] } ?? [])
        case (nil, let function?):
            guard values.count <= 1 else { throw LongOptions.Failure(message: "unexpected argument '\(values[1])'") }
            guard let value = values.first else { return [AdminQuery(kind: .retries(function: function, setting: nil))] }
            if value == "default" { return [AdminQuery(kind: .retries(function: function, setting: .default))] }
            guard let count = Int(value), count >= 0 else {
                throw LongOptions.Failure(message: "--retries takes FUNCTION, then N (a whole number) or default")
            }
            return [AdminQuery(kind: .retries(function: function, setting: .count(count)))]
        case (nil, nil):
            if let extra = values.first { throw LongOptions.Failure(message: "unexpected argument '\(extra)'") }
            return []
        }
    }

    /// The job servers that `-h` (repeatable, lists allowed) and `-p` name; without `-h`,
    /// GEARMAN_SERVER, else localhost. Shared by `gearman admin` and `gearman top`.
    static func servers(_ parsed: LongOptions, environment: (String) -> String?) throws(LongOptions.Failure) -> [ServerAddress] {
        guard let port = UInt16(exactly: try parsed.integer("port") ?? Int(ServerAddress.defaultPort)), port > 0 else {
            throw LongOptions.Failure(message: "invalid port '\(parsed.last("port") ?? "")'")
        }
        let lists = parsed.all("host").isEmpty ? [environment("GEARMAN_SERVER") ?? "localhost"] : parsed.all("host")
        do {
            return try lists.flatMap { list throws(ServerList.ParseError) in try ServerList.parse(list, defaultPort: port) }
        } catch {
            throw LongOptions.Failure(message: "invalid job server \(error)")
        }
    }
}
