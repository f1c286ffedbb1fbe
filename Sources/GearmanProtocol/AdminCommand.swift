/// A line of gearmand's text admin protocol, parsed as gearmand reads it: words separated
/// by spaces, the command word case-insensitive.
public enum AdminCommand: Equatable, Sendable {
    case status
    case priorityStatus
    case workers
    case version
    case getPID
    case verbose
    /// `maxqueue FUNCTION [N | HIGH NORMAL LOW]`: limits per priority (high, normal, low); 0 is none.
    case maxQueue(function: String, limits: [Int])
    case showJobs
    /// `show unique jobs`
    case showUniqueJobs
    case cancelJob(handle: String)
    case createFunction(String)
    case dropFunction(String)
    case shutdown(graceful: Bool)
    /// `show dead jobs`: the background jobs that failed for good.
    case showDeadJobs
    /// `show dead counts`: how many dead jobs each function has (what `gearman top` reads).
    case showDeadCounts
    /// `retry dead job HANDLE`
    case retryDeadJob(handle: String)
    /// `retry dead jobs FUNCTION`
    case retryDeadJobs(function: String)
    /// `drop dead jobs FUNCTION`
    case dropDeadJobs(function: String)
    /// `retries FUNCTION [N | default]`: shows or sets how often the function's failed
    /// background jobs are retried (`default` returns it to `--retries`).
    case retries(function: String, setting: RetrySetting?)
    /// A known command with too few arguments (gearmand's ERR INVALID_ARGUMENTS).
    case incompleteArguments(command: String)
    /// `show` followed by something other than `jobs` or `unique jobs`.
    case unknownShowArguments
    /// A command gearmand knows but whose arguments it answers with ERR UNKNOWN_ERROR.
    case malformed
    /// Anything else; gearmand echoes the first word in its ERR UNKNOWN_COMMAND line.
    case unknown(word: String)

    /// Commands that change the server's state (or stop it), which `--admin-allow` restricts;
    /// the others only read.
    public var changesState: Bool {
        switch self {
        case .shutdown, .maxQueue, .cancelJob, .createFunction, .dropFunction, .verbose: true
        case .retryDeadJob, .retryDeadJobs, .dropDeadJobs: true
        case .retries(_, let setting): setting != nil
        default: false
        }
    }

    public init(line: String) {
        // Split as bytes and lowercased as ASCII: a garbage line costs no Unicode processing.
        let words = line.utf8.split(separator: UInt8(ascii: " ")).map { String(Substring($0)) }
        let command = Self.asciiLowercased(words.first ?? "")
        let rest = words.dropFirst().map { $0 }
        let first = rest.first.map(Self.asciiLowercased)
        switch command {
        case "status": self = .status
        case "prioritystatus": self = .priorityStatus
        case "workers": self = .workers
        case "version": self = .version
        case "getpid": self = .getPID
        case "verbose": self = .verbose
        case "shutdown": self = .shutdown(graceful: first == "graceful")
        case "maxqueue":
            guard let function = rest.first else { self = .incompleteArguments(command: words[0]); return }
            // Like gearmand's atoi: a word that is no number counts as 0, a negative one too.
            let numbers = rest.dropFirst().prefix(3).map { max(Int($0) ?? 0, 0) }
            // One number (or none) sets every priority; more set high, normal, low in turn.
            let limits = numbers.count <= 1 ? Array(repeating: numbers.first ?? 0, count: 3)
                : numbers + Array(repeating: 0, count: 3 - numbers.count)
            self = .maxQueue(function: function, limits: limits)
        case "show" where !rest.isEmpty:
            if rest.count == 1 && first == "jobs" {
                self = .showJobs
            } else if rest.count == 2 && first == "unique" && rest[1].lowercased() == "jobs" {
                self = .showUniqueJobs
            } else if rest.count == 2 && first == "dead" && rest[1].lowercased() == "jobs" {
                self = .showDeadJobs
            } else if rest.count == 2 && first == "dead" && rest[1].lowercased() == "counts" {
                self = .showDeadCounts
            } else {
                self = .unknownShowArguments
            }
        case "cancel" where rest.count >= 2:
            self = rest.count == 2 && first == "job" ? .cancelJob(handle: rest[1]) : .malformed
        case "drop" where first == "dead":
            guard rest.count == 3, rest[1].lowercased() == "jobs" else { self = .incompleteArguments(command: words[0]); return }
            self = .dropDeadJobs(function: rest[2])
        case "create", "drop":
            guard rest.count == 2, first == "function" else { self = .incompleteArguments(command: words[0]); return }
            self = command == "create" ? .createFunction(rest[1]) : .dropFunction(rest[1])
        case "retry":
            guard rest.count == 3, first == "dead" else { self = .incompleteArguments(command: words[0]); return }
            switch rest[1].lowercased() {
            case "job": self = .retryDeadJob(handle: rest[2])
            case "jobs": self = .retryDeadJobs(function: rest[2])
            default: self = .incompleteArguments(command: words[0])
            }
        case "retries":
            guard let function = rest.first, rest.count <= 2 else { self = .incompleteArguments(command: words[0]); return }
            guard let value = rest.dropFirst().first else { self = .retries(function: function, setting: nil); return }
            if Self.asciiLowercased(value) == "default" {
                self = .retries(function: function, setting: .default)
            } else if let count = Int(value), count >= 0 {
                self = .retries(function: function, setting: .count(count))
            } else {
                self = .malformed
            }
        default:
            self = .unknown(word: words.first ?? "")
        }
    }

    /// A command word in lower case, ASCII letters only; words longer than any command stay
    /// as they are (they match nothing anyway).
    private static func asciiLowercased(_ word: String) -> String {
        guard word.utf8.count <= 16, word.utf8.contains(where: { (65...90).contains($0) }) else { return word }
        return String(decoding: word.utf8.map { (65...90).contains($0) ? $0 + 32 : $0 }, as: UTF8.self)
    }
}
