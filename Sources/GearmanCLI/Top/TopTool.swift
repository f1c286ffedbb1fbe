import GearmanKit
import GearmanProtocol
import GearmanTool
import Glibc

/// `gearman top`: a live view of what one or more job servers are doing.
enum TopTool {
    static let specs: [LongOptions.Spec] = AdminOptions.serverSpecs + [
        .init("interval", short: "i", value: "SECONDS", help: "Time between samples (default 1; fractions allowed)."),
        .init("sort", short: "s", value: "KEY", help: "Sort by name, queued (default), running, workers, change or dead."),
        .init("count", short: "n", value: "N", help: "Stop after N samples (default: until q or Ctrl-C)."),
    ] + HelpAndVersion.specs()

    static func run(_ arguments: [String]) -> Int32 {
        let servers: [ServerAddress]
        let tls: ClientTLS?
        let interval: Double
        let sort: TopView.SortKey
        let count: Int?
        do throws(LongOptions.Failure) {
            let parsed = try LongOptions(arguments, specs: specs)
            if let status = HelpAndVersion.answer(help: parsed.has("help"), version: parsed.has("version"), subcommand: "top", helpText: helpText) {
                return status
            }
            if let extra = parsed.positional.first { throw LongOptions.Failure(message: "unexpected argument '\(extra)'") }
            servers = try AdminOptions.servers(parsed, environment: Environment.value(of:))
            tls = try ClientTLS.parse(parsed)
            guard let seconds = Double(parsed.last("interval") ?? "1"), seconds >= 0.1, seconds <= 3600 else {
                throw LongOptions.Failure(message: "invalid interval '\(parsed.last("interval") ?? "")': use 0.1 to 3600 seconds")
            }
            interval = seconds
            guard let key = TopView.SortKey(rawValue: parsed.last("sort") ?? "queued") else {
                throw LongOptions.Failure(message: "invalid sort key '\(parsed.last("sort") ?? "")': use name, queued, running, workers, change or dead")
            }
            sort = key
            count = try parsed.integer("count")
            if let count, count < 1 { throw LongOptions.Failure(message: "invalid count \(count): must be at least 1") }
        } catch {
            return StandardStreams.usageError(subcommand: "top", error.message)
        }
        let screen = isatty(1) == 1 ? TerminalScreen() : nil
        defer { screen?.restore() }
        var previous: [FunctionSample] = []
        var previousTime = now()
        var samples = 0
        var reachedNone = false
        while true {
            let (current, unreachable) = sample(servers, tls: tls)
            reachedNone = unreachable.count == servers.count
            let time = now()
            let rows = TopView.rows(previous: previous, current: current, elapsed: time - previousTime, sort: sort)
            (previous, previousTime) = (current, time)
            samples += 1
            if let screen {
                let title = "gearman top: \(servers.count) server\(servers.count == 1 ? "" : "s"), every \(interval) s,"
                    + " sorted by \(sort.rawValue); q quits"
                screen.draw([title, ""] + TopView.table(rows, unreachable: unreachable))
            } else {
                let lines = TopView.plainLines(rows, unreachable: unreachable, timestamp: UTCTimestamp.now())
                _ = StandardStreams.write(lines.map { $0 + "\n" }.joined(), to: StandardStreams.output)
            }
            if let count, samples >= count { break }
            if let screen {
                if screen.waitForQuit(seconds: interval) { break }
            } else {
                usleep(UInt32(interval * 1_000_000))
            }
        }
        return (reachedNone ? ExitCode.serverUnavailable : ExitCode.success).rawValue
    }

    private static func sample(_ servers: [ServerAddress], tls: ClientTLS?) -> ([FunctionSample], [(server: String, reason: String)]) {
        var samples: [FunctionSample] = []
        var unreachable: [(server: String, reason: String)] = []
        for server in servers {
            do throws(AdminConnection.Failure) {
                let connection = try AdminConnection(server, timeoutSeconds: 5, tls: tls)
                guard case .listing(let priority) = AdminReply(text: try connection.run("prioritystatus", listing: true), listing: true),
                      case .listing(let status) = AdminReply(text: try connection.run("status", listing: true), listing: true)
                else { throw AdminConnection.Failure(message: "the server answered ERR") }
                // gearmand has no dead-job list: it answers ERR, and the column shows "-".
                let dead = AdminReply(text: try connection.run("show dead counts", listing: true), listing: true)
                let deadCounts: [String]? = if case .listing(let lines) = dead { lines } else { nil }
                samples += TopView.samples(server: "\(server)", priorityStatus: priority, status: status, deadCounts: deadCounts)
            } catch {
                unreachable.append(("\(server)", error.message))
            }
        }
        return (samples, unreachable)
    }

    /// Seconds on the monotonic clock.
    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    private static let helpText = """
        Usage: gearman top [options]

        A live view of one or more job servers (ours or gearmand): per function the queued jobs
        by priority, running jobs, workers, how fast the job count changes (jobs/s between
        samples; negative when the backlog shrinks), and the jobs in our server's dead-job list
        (- from gearmand, which has none). q quits. When stdout is not a terminal,
        each sample is printed as plain timestamped lines instead. Each sort key puts the
        busiest first; change sorts by size, so a draining function comes before an idle one.
        Exit status: 0, or 3 if the last sample reached no server; 2 for a usage error.

        Options:
        \(LongOptions.help(specs))
        """
}
