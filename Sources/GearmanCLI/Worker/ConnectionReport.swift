import GearmanKit
import GearmanTool

/// Says once that no job server can be reached, and once, naming it, that one can be again,
/// instead of a line per retry. Each method returns the line to log, if any.
struct ConnectionReport {
    let servers: [ServerAddress]
    private(set) var down = false
    /// When the servers were last probed: the `-j` slots retry together, one probe serves them all.
    private var lastProbe = -Double.infinity
    static let probeInterval = 1.0

    init(servers: [ServerAddress]) { self.servers = servers }

    /// libgearman could reach none of the servers, for `reason` (`GearmanError.connectionFailure`).
    mutating func failed(reason: String) -> String? {
        if down { return nil }
        down = true
        return "cannot connect to job server \(Self.names(servers)): \(reason);"
            + " retrying after \(JobSlot.firstRetrySeconds) s, backing off to every \(JobSlot.longestRetrySeconds) s"
    }

    /// Before a retry at `now` (seconds): the servers that `reachable` says answer are named at
    /// once, since the worker then waits for its first job, which can take hours.
    mutating func retrying(now: Double, reachable: (ServerAddress) -> Bool) -> String? {
        guard down, now - lastProbe >= Self.probeInterval else { return nil }
        lastProbe = now
        let up = servers.filter(reachable)
        if up.isEmpty { return nil }
        down = false
        return "connected to job server \(Self.names(up))"
    }

    /// A job came, so a server is reachable, though no probe saw it before.
    mutating func succeeded() -> String? {
        guard down else { return nil }
        down = false
        return "connected to job server \(Self.names(servers))"
    }

    private static func names(_ servers: [ServerAddress]) -> String {
        servers.map(\.description).joined(separator: ",")
    }
}
