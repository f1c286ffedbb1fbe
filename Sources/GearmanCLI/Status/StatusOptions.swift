import GearmanKit
import GearmanTool

/// `gearman status`'s command line: job handles (GET_STATUS) and `--unique` keys
/// (GET_STATUS_UNIQUE) to ask about, on the servers of `-h`/`-p` or GEARMAN_SERVER.
struct StatusOptions: Equatable {
    var servers: [ServerAddress] = []
    var tls: ClientTLS?
    var handles: [String] = []
    var uniqueKeys: [String] = []
    var json = false
    var help = false
    var version = false

    static let specs: [LongOptions.Spec] = AdminOptions.serverSpecs + [
        .init("unique", short: "u", value: "KEY", help: "Ask about the job with this unique key (repeatable)."),
        .init("function", short: "f", value: "FUNCTION", help: "Accepted with --unique; GET_STATUS_UNIQUE cannot name a function."),
        .init("json", help: "One JSON object per job, one a line."),
    ] + HelpAndVersion.specs()

    /// Parses `arguments`: handles are the operands; `environment` reads GEARMAN_SERVER.
    init(parsing arguments: [String], environment: (String) -> String?) throws(LongOptions.Failure) {
        let parsed = try LongOptions(arguments, specs: Self.specs)
        handles = parsed.positional
        servers = try AdminOptions.servers(parsed, environment: environment)
        tls = try ClientTLS.parse(parsed)
        (help, version, json) = (parsed.has("help"), parsed.has("version"), parsed.has("json"))
        uniqueKeys = parsed.all("unique")
        if !help && !version && handles.isEmpty && uniqueKeys.isEmpty {
            throw LongOptions.Failure(message: "give job handles, or --unique KEY")
        }
        if let empty = (handles + uniqueKeys).first(where: { $0.isEmpty || $0.utf8.count > 64 }) {
            throw LongOptions.Failure(message: "'\(empty)' is not a job handle or unique key (1 to 64 bytes)")
        }
    }
}
