import GearmanKit

/// Says once that the job server is unreachable, and once that it is back, instead of a
/// line per retry.
struct ConnectionReport {
    let servers: [ServerAddress]
    private var down = false

    init(servers: [ServerAddress]) { self.servers = servers }

    mutating func failed(_ error: GearmanError) {
        if down { return }
        down = true
        StandardStreams.complain("cannot connect to job server \(servers.map(\.description).joined(separator: ",")): \(error.connectionFailure); retrying after \(JobSlot.firstRetrySeconds) s, backing off to every \(JobSlot.longestRetrySeconds) s")
    }

    mutating func succeeded() {
        if !down { return }
        down = false
        StandardStreams.complain("connected to job server again")
    }
}
