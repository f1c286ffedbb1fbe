import GearmanTool

/// `gearman bench SCENARIO [options]`, with the scenario's defaults filled in for what is not given.
struct BenchOptions: Equatable, Sendable {
    /// `--unique`: a distinct unique key per job, or an empty one.
    enum UniqueKeys: String, Sendable {
        case none
        case distinct
    }

    var scenario = Scenario.submit
    var host = "127.0.0.1"
    var port = 4730
    /// Submitting connections (rtt: clients).
    var connections = 4
    /// Jobs in flight per submitting connection (rtt: 1).
    var depth = 16
    /// Worker connections (submit: none).
    var workers = 4
    /// GRAB_JOBs outstanding per worker connection.
    var workerDepth = 1
    /// Jobs to count before stopping; nil: only `seconds` stops the run.
    var jobs: Int? = 100_000
    var seconds: Double?
    var payload = 100
    var unique = UniqueKeys.distinct
    var functions = 1
    /// Function names are this and a number: bench0, bench1, ...
    var functionPrefix = "bench"
    /// `--keep-jobs`: leave the jobs the run did not complete on the server.
    var keepJobs = false
    var threads = 1
    var json = false
    var allowRemote = false
    var tls: ClientTLS?
    var help = false
    var version = false

    static let specs: [LongOptions.Spec] = [
        .init("host", short: "h", value: "HOST", help: "Job server (default 127.0.0.1; another machine needs --allow-remote)."),
        .init("port", short: "p", value: "PORT", help: "Job server port (default 4730)."),
        .init("connections", short: "c", value: "N", help: "Submitting connections (default 4; rtt: 1)."),
        .init("depth", short: "d", value: "N", help: "Jobs in flight per submitting connection (default 16; rtt: always 1)."),
        .init("workers", short: "w", value: "N", help: "Worker connections (default 4; rtt: 1; submit: none)."),
        .init("worker-depth", value: "N", help: "GRAB_JOBs outstanding per worker connection (default 1)."),
        .init("jobs", short: "n", value: "N", help: "Stop after N jobs (default 100000; rtt: 20000)."),
        .init("seconds", value: "S", help: "Stop after S seconds (with no -n: no job limit, but drain still queues -n jobs)."),
        .init("payload", value: "BYTES", help: "Workload size (default 100)."),
        .init("unique", value: "KIND", help: "distinct (default): a unique key per job; none: empty keys."),
        .init("functions", value: "N", help: "Spread jobs over functions bench0 to benchN-1 (default 1)."),
        .init("function-prefix", value: "NAME", help: "Name the functions NAME0 to NAMEN-1 instead (keeps runs apart)."),
        .init("keep-jobs", help: "Leave the jobs the run did not complete on the server (default: workers remove them)."),
        .init("threads", value: "N", help: "Event loop threads (default 1)."),
        .init("json", help: "Print one JSON object instead of the table."),
        .init("allow-remote", help: "Allow a job server that is not on this machine's loopback."),
    ] + ClientTLS.specs + HelpAndVersion.specs()

    /// Parses `arguments` (without the program name and the `bench` word); without -h and -p,
    /// `environment`'s GEARMAN_SERVER names the server, if it names one.
    init(parsing arguments: [String], environment: (String) -> String? = { _ in nil }) throws(LongOptions.Failure) {
        let parsed = try LongOptions(arguments, specs: Self.specs)
        help = parsed.has("help")
        version = parsed.has("version")
        if help || version { return }
        guard let word = parsed.positional.first else {
            throw LongOptions.Failure(message: "give a scenario: submit, drain, e2e or rtt")
        }
        guard let scenario = Scenario(rawValue: word) else {
            throw LongOptions.Failure(message: "unknown scenario '\(word)': use submit, drain, e2e or rtt")
        }
        if let extra = parsed.positional.dropFirst().first {
            throw LongOptions.Failure(message: "unexpected argument '\(extra)'")
        }
        self.scenario = scenario
        let inapplicable: [(option: String, scenario: Scenario, reason: String)] = [
            ("workers", .submit, "submit starts no workers"),
            ("worker-depth", .submit, "submit starts no workers"),
            ("depth", .rtt, "rtt keeps one job in flight per client"),
            ("worker-depth", .rtt, "rtt workers grab one job at a time"),
        ]
        if let rule = inapplicable.first(where: { $0.scenario == scenario && parsed.has($0.option) }) {
            throw LongOptions.Failure(message: "--\(rule.option): \(rule.reason)")
        }
        let isRTT = scenario == .rtt
        if !parsed.has("host") && !parsed.has("port"), let server = try EnvironmentServer.single(environment) {
            (host, port) = server
        }
        host = parsed.last("host") ?? host
        if host.isEmpty { throw LongOptions.Failure(message: "invalid value '' for --host: give a host name or address") }
        port = try Self.number(parsed, "port", default: port, in: 1...65535)
        connections = try Self.number(parsed, "connections", default: isRTT ? 1 : 4, in: 1...10_000)
        depth = try isRTT ? 1 : Self.number(parsed, "depth", default: depth, in: 1...100_000)
        workers = try scenario.hasWorkers ? Self.number(parsed, "workers", default: isRTT ? 1 : 4, in: 1...10_000) : 0
        workerDepth = try scenario.hasWorkers ? Self.number(parsed, "worker-depth", default: 1, in: 1...10_000) : 0
        if let text = parsed.last("seconds") {
            guard let value = Double(text), value.isFinite, value > 0, value <= 1_000_000 else {
                throw LongOptions.Failure(message: "invalid value '\(text)' for --seconds: give a number of seconds above 0")
            }
            seconds = value
        }
        let defaultJobs = isRTT ? 20_000 : 100_000
        let limitedByTimeOnly = seconds != nil && !parsed.has("jobs") && scenario != .drain
        jobs = try limitedByTimeOnly ? nil : Self.number(parsed, "jobs", default: defaultJobs, in: 1...Int(Int32.max))
        payload = try Self.number(parsed, "payload", default: payload, in: 0...(64 << 20))
        let uniqueText = parsed.last("unique") ?? unique.rawValue
        guard let unique = UniqueKeys(rawValue: uniqueText) else {
            throw LongOptions.Failure(message: "invalid value '\(uniqueText)' for --unique: use none or distinct")
        }
        self.unique = unique
        functions = try Self.number(parsed, "functions", default: functions, in: 1...10_000)
        functionPrefix = parsed.last("function-prefix") ?? functionPrefix
        guard !functionPrefix.isEmpty, functionPrefix.utf8.count <= 500, !functionPrefix.utf8.contains(0) else {
            throw LongOptions.Failure(message: "invalid value '\(functionPrefix)' for --function-prefix: give 1 to 500 bytes")
        }
        keepJobs = parsed.has("keep-jobs")
        threads = try Self.number(parsed, "threads", default: threads, in: 1...256)
        json = parsed.has("json")
        allowRemote = parsed.has("allow-remote")
        tls = try ClientTLS.parse(parsed)
    }

    /// The value of option `name` as a whole number in `range`, or `value` when not given.
    private static func number(_ parsed: LongOptions, _ name: String, default value: Int,
                               in range: ClosedRange<Int>) throws(LongOptions.Failure) -> Int {
        guard let text = parsed.last(name) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw LongOptions.Failure(message: "invalid value '\(text)' for --\(name): give a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }
}
