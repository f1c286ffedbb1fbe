import GearmanProtocol

/// Answers admin text commands in gearmand's formats, from the scheduler's state.
struct AdminResponder {
    /// What the server must do besides writing the reply.
    enum Effect: Equatable {
        case none
        case shutdown(graceful: Bool)
    }

    /// The version `version` reports.
    let version: String
    /// The log level `verbose` reports, in gearmand's words (ERROR, INFO, ...).
    let verbosity: String
    /// The process id `getpid` reports.
    let processID: Int32
    /// How `workers` names a connection's address.
    let address: (ConnectionID) -> String

    private static let ok = "OK\r\n"

    func respond(to command: AdminCommand, scheduler: inout Scheduler) -> (reply: String, actions: [SchedulerAction], effect: Effect) {
        switch command {
        case .status:
            return (Self.listing(scheduler.functionStatus().map {
                "\($0.function)\t\($0.total)\t\($0.running)\t\($0.workers)"
            }), [], .none)
        case .priorityStatus:
            return (Self.listing(scheduler.functionStatus().map {
                "\($0.function)\t\($0.queued[0])\t\($0.queued[1] + $0.scheduled)\t\($0.queued[2])\t\($0.workers)"
            }), [], .none)
        case .workers:
            return (Self.listing(scheduler.peerSummaries().map { peer in
                "\(peer.connection.value) \(address(peer.connection)) \(peer.clientID) :"
                    + peer.functions.map { " " + $0 }.joined()
            }), [], .none)
        case .version:
            return ("OK \(version)\n", [], .none)
        case .getPID:
            return ("OK \(processID)\n", [], .none)
        case .verbose:
            return ("OK \(verbosity)\n", [], .none)
        case .maxQueue(let function, let limits):
            scheduler.setMaxQueue(function, high: limits[0], normal: limits[1], low: limits[2])
            return (Self.ok, [], .none)
        case .showJobs:
            return (Self.listing(scheduler.jobSummaries().map {
                "\($0.handle)\t\($0.retries)\t0\t\($0.isBackground ? 1 : 0)"
            }), [], .none)
        case .showUniqueJobs:
            return (Self.listing(scheduler.jobSummaries().filter { !$0.unique.isEmpty }.map {
                "\($0.unique)\t\($0.function)\t\($0.handle)"
            }), [], .none)
        case .cancelJob(let handle):
            guard let actions = scheduler.cancel(handle) else { return ("ERR UNKNOWN_JOB\r\n", [], .none) }
            return (Self.ok, actions, .none)
        case .createFunction(let name):
            scheduler.createFunction(name)
            return (Self.ok, [], .none)
        case .dropFunction(let name):
            let (result, actions) = scheduler.dropFunction(name)
            switch result {
            case .dropped: return (Self.ok, actions, .none)
            case .notFound: return ("ERR function not found\r\n", [], .none)
            case .inUse: return ("ERR there are still connected workers or executing clients\r\n", [], .none)
            }
        case .shutdown(let graceful):
            return (Self.ok, [], .shutdown(graceful: graceful))
        case .showDeadJobs:
            return (Self.listing(scheduler.deadJobSummaries().map(Self.deadJobLine)), [], .none)
        case .showDeadCounts:
            return (Self.listing(scheduler.deadJobCounts.sorted { $0.key < $1.key }.map { "\($0.key)\t\($0.value)" }), [], .none)
        case .retryDeadJob(let handle):
            guard let actions = scheduler.retryDeadJob(handle) else { return ("ERR UNKNOWN_JOB\r\n", [], .none) }
            return (Self.ok, actions, .none)
        case .retryDeadJobs(let function):
            let (count, actions) = scheduler.retryDeadJobs(of: function)
            return ("OK \(count)\r\n", actions, .none)
        case .dropDeadJobs(let function):
            let (count, actions) = scheduler.dropDeadJobs(of: function)
            return ("OK \(count)\r\n", actions, .none)
        case .retries(let function, let setting):
            switch setting {
            case nil: return ("OK \(scheduler.retries(for: function))\r\n", [], .none)
            case .count(let count)?: scheduler.setRetries(count, for: function)
            case .default?: scheduler.setRetries(nil, for: function)
            }
            return (Self.ok, [], .none)
        case .incompleteArguments(let word):
            return ("ERR INVALID_ARGUMENTS An+incomplete+set+of+arguments+was+sent+to+this+command+\(word)\r\n", [], .none)
        case .unknownShowArguments:
            return ("ERR UNKNOWN_SHOW_ARGUMENTS\r\n", [], .none)
        case .malformed:
            return ("ERR UNKNOWN_ERROR\r\n", [], .none)
        case .unknown(let word):
            return ("ERR UNKNOWN_COMMAND Unknown+server+command\(word)\r\n", [], .none)
        }
    }

    /// One `show dead jobs` line: handle, function, unique key, attempts, last failure (one
    /// line: `Scheduler.failureText`), first submission and last failure in seconds since the epoch.
    static func deadJobLine(_ summary: DeadJobSummary) -> String {
        let failures = summary.job.failures
        return DeadJobRow(handle: summary.handle, function: summary.job.function, unique: summary.job.unique,
                          attempts: failures.attempts, lastFailure: failures.lastFailure,
                          firstSubmitted: Int(failures.firstSubmitted / 1000), lastFailed: Int(failures.lastFailed / 1000)).line
    }

    /// Lines, each ended by a newline, then gearmand's closing ".".
    private static func listing(_ lines: [String]) -> String {
        lines.map { $0 + "\n" }.joined() + ".\n"
    }
}
