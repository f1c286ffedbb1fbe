import GearmanKit
import GearmanTool

/// The classic `gearman` command line, read with the C tool's getopt string.
public struct ClassicOptions: Equatable, Sendable {
    /// The C tool's option string, kept letter for letter, and `j:` for `-j`, `V` for `-V`.
    public static let optionString = "bc:f:h:HILnNp:Pst:u:vwi:dSj:V"
    /// Long options the C tool does not have (opt-in; without them nothing changes).
    public static let longOptions: [(name: String, takesValue: Bool)] = [
        ("id", true), ("job-timeout", true), ("concurrency", true), ("shutdown-timeout", true),
        ("exceptions", false), ("window", true), ("json", false), ("help", false), ("version", false),
    ]
    /// The most `-j` slots, and the largest `--window`.
    public static let maximumConcurrency = 1024
    public static let maximumWindow = 100_000

    public var functions: [String] = []
    /// Every `-h` value, in order; each may be a `host[:port],...` list.
    public var hosts: [String] = []
    public var port: UInt16?
    /// Jobs a worker runs before exiting; 0 means no limit.
    public var count: UInt32 = 0
    public var unique: String?
    public var jobPerLine = false
    public var stripNewline = false
    public var worker = false
    public var suppressInput = false
    public var verbose = false
    public var prefix = false
    public var background = false
    public var daemon = false
    public var help = false
    /// `-V`/`--version`: print the version and exit.
    public var version = false
    public var useTLS = false
    public var priority: JobPriority = .normal
    /// Milliseconds; nil waits forever (the C tool's -1).
    public var timeoutMilliseconds: Int32?
    public var pidFile: String?
    /// `--id`: the worker's client id (SET_CLIENT_ID), shown by admin `workers`.
    public var workerID: String?
    /// `--job-timeout`: a worker's command still running after this many seconds is stopped and its job fails.
    public var jobTimeoutSeconds: Double?
    /// `-j`/`--concurrency`: jobs a worker runs at once, each with its own connection.
    public var concurrency = 1
    /// `--shutdown-timeout`: after SIGTERM or SIGINT, how long running jobs may still take.
    public var shutdownTimeoutSeconds = 30.0
    /// `--exceptions`: a failing command's job ends with WORK_EXCEPTION instead of WORK_FAIL.
    public var sendsExceptions = false
    /// `--window`: with -n/-N, how many lines' jobs are in flight at once.
    public var window = 100
    /// `--json`: one JSON object per job on stdout instead of the C tool's output.
    public var json = false
    /// Client mode: one job per operand. Worker mode: the command and its arguments.
    public var operands: [String] = []

    public init() {}

    /// A command line that cannot run, with the words to print after "Error in usage(".
    public struct UsageError: Error, Equatable {
        public var message: String
        /// What was parsed before the error, for the usage text's flag values.
        public var partial: ClassicOptions
    }

    /// Parses the arguments after the program name.
    public static func parse(_ arguments: [String], posixlyCorrect: Bool = false) throws(UsageError) -> ClassicOptions {
        var options = ClassicOptions()
        let result: Getopt.Result
        do {
            result = try Getopt(optionString: optionString, longOptions: longOptions, posixlyCorrect: posixlyCorrect).parse(arguments)
        } catch {
            throw UsageError(message: error.description + commandHint(arguments), partial: options)
        }
        for option in result.options {
            do {
                try options.apply(option)
            } catch {
                throw UsageError(message: error.message, partial: options)
            }
        }
        options.operands = result.operands
        if options.functions.isEmpty && !options.help && !options.version {
            throw UsageError(message: "No Functions were provided", partial: options)
        }
        if options.jobTimeoutSeconds != nil && !(options.worker && !options.operands.isEmpty) {
            throw UsageError(message: "--job-timeout applies to a worker that runs a command (-w ... -- COMMAND)", partial: options)
        }
        // As typed: "-j" or "--concurrency".
        let given = result.options.map { $0.long.map { "--\($0)" } ?? "-\($0.letter)" }
        for name in ["--id", "-j", "--concurrency", "--shutdown-timeout", "--exceptions"] where given.contains(name) && !options.worker {
            throw UsageError(message: "\(name) applies to worker mode (-w)", partial: options)
        }
        for name in ["--window", "--json"] where given.contains(name) && options.worker {
            throw UsageError(message: "\(name) applies to client mode (without -w)", partial: options)
        }
        if given.contains("--window") && !options.jobPerLine {
            throw UsageError(message: "--window applies to -n or -N (one job per line)", partial: options)
        }
        if options.sendsExceptions && options.operands.isEmpty {
            throw UsageError(message: "--exceptions applies to a worker that runs a command (-w ... -- COMMAND)", partial: options)
        }
        return options
    }

    /// For a worker whose command's own options were read as gearman's (`-w -f wc wc -l`):
    /// where `--` goes. Such a line parses when options stop at the first operand.
    private static func commandHint(_ arguments: [String]) -> String {
        guard let stopped = try? Getopt(optionString: optionString, longOptions: longOptions, posixlyCorrect: true).parse(arguments),
              stopped.options.contains(where: { $0.letter == "w" }), !stopped.operands.isEmpty else { return "" }
        // Options stopped at the first operand: the command and everything after it.
        let start = arguments.count - stopped.operands.count
        guard start > 0, arguments[start - 1] != "--" else { return "" }
        let fixed = arguments[..<start] + ["--"] + arguments[start...]
        return "; the command's options go after --: gearman \(fixed.joined(separator: " "))"
    }

    private mutating func apply(_ option: Getopt.Option) throws(InvalidOptionValue) {
        let value = option.value ?? ""
        if let long = option.long { return try applyLong(long, value) }
        switch option.letter {
        case "b": background = true
        case "c":
            guard let parsed = UInt32(value) else { throw InvalidOptionValue("invalid job count '\(value)' for -c") }
            count = parsed
        case "d": daemon = true
        case "f":
            guard !value.isEmpty, value.utf8.count <= 512 else {
                throw InvalidOptionValue("function name for -f must be 1 to 512 bytes")
            }
            functions.append(value)
        case "h":
            guard !value.isEmpty else { throw InvalidOptionValue("empty host name for -h") }
            hosts.append(value)
        case "i": pidFile = value
        case "I": priority = .high
        case "L": priority = .low
        case "n": jobPerLine = true
        case "N": jobPerLine = true; stripNewline = true
        case "p":
            guard let parsed = PortNumber.parse(value) else { throw InvalidOptionValue("invalid port '\(value)' for -p") }
            port = parsed
        case "P": prefix = true
        case "s": suppressInput = true
        case "t":
            guard let parsed = Int32(value) else { throw InvalidOptionValue("invalid timeout '\(value)' for -t (milliseconds)") }
            timeoutMilliseconds = parsed < 0 ? nil : parsed
        case "u":
            guard value.utf8.count <= 64 else {
                throw InvalidOptionValue("unique key for -u is \(value.utf8.count) bytes; Gearman allows at most 64")
            }
            unique = value
        case "w": worker = true
        case "j": concurrency = try Self.concurrency(value, shown: "-j")
        case "H": help = true
        case "v": verbose = true
        case "S": useTLS = true
        case "V": version = true
        default: throw InvalidOptionValue("invalid option -- '\(option.letter)'")
        }
    }

    private mutating func applyLong(_ name: String, _ value: String) throws(InvalidOptionValue) {
        switch name {
        case "id":
            guard !value.isEmpty, value.utf8.count <= 64, !value.contains(" ") else {
                throw InvalidOptionValue("--id must be 1 to 64 bytes without spaces")
            }
            workerID = value
        case "job-timeout":
            guard let seconds = Double(value), seconds > 0, seconds.isFinite else {
                throw InvalidOptionValue("invalid timeout '\(value)' for --job-timeout (seconds, more than 0)")
            }
            jobTimeoutSeconds = seconds
        case "concurrency": concurrency = try Self.concurrency(value, shown: "--concurrency")
        case "shutdown-timeout":
            guard let seconds = Double(value), seconds >= 0, seconds.isFinite else {
                throw InvalidOptionValue("invalid timeout '\(value)' for --shutdown-timeout (seconds, 0 or more)")
            }
            shutdownTimeoutSeconds = seconds
        case "exceptions": sendsExceptions = true
        case "window":
            guard let size = Int(value), (1...Self.maximumWindow).contains(size) else {
                throw InvalidOptionValue("invalid window '\(value)' for --window (1 to \(Self.maximumWindow) jobs)")
            }
            window = size
        case "json": json = true
        case "help": help = true
        case "version": version = true
        default: throw InvalidOptionValue("unrecognized option '--\(name)'")
        }
    }

    private static func concurrency(_ value: String, shown: String) throws(InvalidOptionValue) -> Int {
        guard let slots = Int(value), (1...maximumConcurrency).contains(slots) else {
            throw InvalidOptionValue("invalid job count '\(value)' for \(shown) (1 to \(maximumConcurrency) jobs at once)")
        }
        return slots
    }

    /// The job servers to use: `-h`/`-p` when given, else `GEARMAN_SERVER`, else
    /// `GEARMAN_SERVERS`, else localhost:4730. Explicit options win over the environment.
    public func servers(environment: (String) -> String?) throws(ServerList.ParseError) -> [ServerAddress] {
        let defaultPort = port ?? ServerAddress.defaultPort
        if !hosts.isEmpty {
            var servers: [ServerAddress] = []
            for host in hosts {
                servers += try ServerList.parse(host, defaultPort: defaultPort)
            }
            return servers
        }
        if port != nil {
            return [ServerAddress(host: "localhost", port: defaultPort)]
        }
        for variable in ["GEARMAN_SERVER", "GEARMAN_SERVERS"] {
            if let list = environment(variable), !list.isEmpty {
                do {
                    return try ServerList.parse(list)
                } catch {
                    throw ServerList.ParseError(entry: error.entry, reason: "\(error.reason) in \(variable)")
                }
            }
        }
        return [.localhost]
    }
}

/// An option value the C tool would have read with atoi() and silently misused.
struct InvalidOptionValue: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
