import GearmanKit
import GearmanProtocol
import GearmanTool

/// `gearman admin`: gearadmin's queries and commands against one or more job servers.
enum AdminTool {
    static func run(_ arguments: [String]) -> Int32 {
        let options: AdminOptions
        do {
            options = try AdminOptions(parsing: arguments, environment: Environment.value(of:))
        } catch {
            return usageError(error.message)
        }
        if let status = HelpAndVersion.answer(help: options.help, version: options.version, subcommand: "admin", helpText: helpText) {
            return status
        }
        if options.queries.isEmpty {
            return usageError("no query given (for example --status)")
        }
        var exit = ExitCode.success
        let named = options.servers.count > 1
        for server in options.servers {
            let connection: AdminConnection
            do {
                connection = try AdminConnection(server, tls: options.tls)
            } catch {
                exit = .serverUnavailable
                report(error.message, server: server, queries: options.queries, json: options.json)
                continue
            }
            for query in options.queries {
                do {
                    let reply = AdminReply(text: try connection.run(query.command, listing: query.isListing), listing: query.isListing)
                    if case .error = reply, exit == .success { exit = .jobFailed }
                    if options.json {
                        let members = [("server", JSONValue.string("\(server)")), ("query", .string(query.name))] + query.json(reply)
                        _ = StandardStreams.write(JSONValue.object(members).text + "\n", to: StandardStreams.output)
                    } else {
                        print(reply, of: query, server: named ? server : nil)
                    }
                } catch {
                    exit = .serverUnavailable
                    report(error.message, server: server, queries: [query], json: options.json)
                    break
                }
            }
        }
        return exit.rawValue
    }

    /// gearadmin's text: `OK` for a bare OK, the value of `OK value`, listings as sent
    /// (with their closing "."), errors as `Error: ...` on stderr. With several servers,
    /// each line starts with the server and a tab. The dead-job list, which gearadmin does
    /// not have, is a table.
    private static func print(_ reply: AdminReply, of query: AdminQuery, server: ServerAddress?) {
        let prefix = server.map { "\($0)\t" } ?? ""
        switch reply {
        case .listing(let lines) where query.kind == .deadJobs:
            let table = DeadJobTable.lines(lines, server: server.map { "\($0)" })
            _ = StandardStreams.write(table.map { $0 + "\n" }.joined(), to: StandardStreams.output)
        case .ok(let value):
            _ = StandardStreams.write(prefix + (value.isEmpty ? "OK" : value) + "\n", to: StandardStreams.output)
        case .listing(let lines):
            _ = StandardStreams.write((lines + ["."]).map { prefix + $0 + "\n" }.joined(), to: StandardStreams.output)
        case .error(let message):
            _ = StandardStreams.write("Error: \(server.map { "\($0): " } ?? "")\(message)\n", to: StandardStreams.error)
        }
    }

    private static func report(_ message: String, server: ServerAddress, queries: [AdminQuery], json: Bool) {
        if json {
            for query in queries {
                let members: [(String, JSONValue)] = [("server", .string("\(server)")), ("query", .string(query.name)),
                                                      ("ok", .bool(false)), ("error", .string(message))]
                _ = StandardStreams.write(JSONValue.object(members).text + "\n", to: StandardStreams.output)
            }
        }
        StandardStreams.complain("admin: \(message)")
    }

    private static func usageError(_ message: String) -> Int32 {
        StandardStreams.usageError(subcommand: "admin", message)
    }

    private static let helpText = """
        Usage: gearman admin [options]

        Queries and steers Gearman job servers (ours or gearmand) through the admin protocol,
        with gearadmin's options and output.

        Options:
        \(LongOptions.help(AdminOptions.specs))
        Exit status: 0 success, 1 a server answered ERR, 2 usage error, 3 a server could not be reached.

        """
}
