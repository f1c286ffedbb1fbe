import GearmanKit
import GearmanProtocol
import GearmanTool

/// `gearman status HANDLE... | --unique KEY...`: whether each job is known to a job server,
/// whether it runs, and its last WORK_STATUS. Exit 0 only if every job is known.
enum StatusTool {
    /// What a server said about one job.
    struct Answer: Equatable {
        var known = false
        var running = false
        var numerator = 0
        var denominator = 0
        /// GET_STATUS_UNIQUE only: the clients waiting for the job.
        var waitingClients: Int?
        var server: ServerAddress?

        var percent: Int { denominator > 0 ? Int(Double(numerator) * 100 / Double(denominator)) : 0 }

        /// One tab-separated line: the job, known or unknown, then running or queued, N/D and the percentage.
        func line(for job: String) -> String {
            guard known else { return "\(job)\tunknown\n" }
            let waiting = waitingClients.map { "\t\($0) waiting" } ?? ""
            return "\(job)\tknown\t\(running ? "running" : "queued")\t\(numerator)/\(denominator)\t\(percent)%\(waiting)\n"
        }

        func json(key: String, job: String) -> JSONValue {
            var members: [(String, JSONValue)] = [
                ("server", server.map { .string("\($0)") } ?? .null), (key, .string(job)), ("known", .bool(known)),
                ("running", .bool(running)), ("numerator", .number(numerator)), ("denominator", .number(denominator)),
                ("percent", .number(percent)),
            ]
            if let waitingClients { members.append(("waiting_clients", .number(waitingClients))) }
            return .object(members)
        }

        /// Reads STATUS_RES (handle, known, running, numerator, denominator) or
        /// STATUS_RES_UNIQUE (the same, then the waiting clients).
        init(_ packet: Packet, from server: ServerAddress) {
            let number = { (index: Int) in Int(packet.string(at: index) ?? "") ?? 0 }
            known = number(1) == 1
            running = number(2) == 1
            numerator = number(3)
            denominator = number(4)
            if packet.type == .statusResponseUnique { waitingClients = number(5) }
            self.server = server
        }

        init() {}
    }

    static func run(_ arguments: [String]) -> Int32 {
        let options: StatusOptions
        do {
            options = try StatusOptions(parsing: arguments, environment: Environment.value(of:))
        } catch {
            return StandardStreams.usageError(subcommand: "status", error.message)
        }
        if let status = HelpAndVersion.answer(help: options.help, version: options.version, subcommand: "status", helpText: helpText) {
            return status
        }
        var connections: [(ServerAddress, AdminConnection)] = []
        for server in options.servers {
            do {
                connections.append((server, try AdminConnection(server, tls: options.tls)))
            } catch {
                StandardStreams.complain("status: \(error.message)")
            }
        }
        guard !connections.isEmpty else { return ExitCode.serverUnavailable.rawValue }
        let questions = options.handles.map { ("handle", $0, Packet(.request, .getStatus, $0)) }
            + options.uniqueKeys.map { ("unique", $0, Packet(.request, .getStatusUnique, $0)) }
        var allKnown = true
        for (key, job, request) in questions {
            // The first server that knows the job answers (a handle belongs to one server).
            var answer = Answer()
            for (server, connection) in connections {
                do {
                    let reply = try connection.request(request)
                    guard reply.type == .statusResponse || reply.type == .statusResponseUnique else {
                        StandardStreams.complain("status: \(server) answered \(reply.type) to \(request.type)")
                        continue
                    }
                    answer = Answer(reply, from: server)
                    if answer.known { break }
                } catch {
                    StandardStreams.complain("status: \(error.message)")
                }
            }
            allKnown = allKnown && answer.known
            let text = options.json ? answer.json(key: key, job: job).text + "\n" : answer.line(for: job)
            _ = StandardStreams.write(text, to: StandardStreams.output)
        }
        return (allKnown ? ExitCode.success : ExitCode.jobFailed).rawValue
    }

    private static let helpText = """
        Usage: gearman status [options] HANDLE...
               gearman status [options] --unique KEY...

        Asks the job servers about jobs: GET_STATUS for each job handle, GET_STATUS_UNIQUE for
        each unique key. Prints one line per job: the job, known or unknown, running or queued,
        the last WORK_STATUS as N/D and a percentage (with --unique, also how many clients wait).
        Exit status: 0 if every job is known, 1 if one is not, 2 for a usage error, 3 if no
        server could be reached.

        Options:
        \(LongOptions.help(StatusOptions.specs))

        """
}
