import NIOCore

/// The store's link to its database as a state machine with no I/O: when it went away, how
/// long to wait before the next attempt to reconnect (doubling up to a bound), and whether an
/// event is worth a log line (the loss once, and the return; not every failed attempt).
struct StoreLink {
    static let firstDelay = TimeAmount.milliseconds(100)
    static let longestDelay = TimeAmount.seconds(5)

    private(set) var downSince: NIODeadline?
    private(set) var delay = firstDelay
    /// Attempts that failed since the link went down.
    private(set) var failedAttempts = 0

    /// The connection closed: log it (once per outage) and try again after the first delay.
    mutating func lost(at now: NIODeadline) -> (log: Bool, retryIn: TimeAmount) {
        let first = downSince == nil
        if first { downSince = now }
        delay = Self.firstDelay
        return (first, delay)
    }

    /// An attempt failed: the next one waits twice as long, up to `longestDelay`.
    mutating func attemptFailed() -> TimeAmount {
        failedAttempts += 1
        delay = min(delay * 2, Self.longestDelay)
        return delay
    }

    /// Connected again; returns how long the database was away.
    mutating func connected(at now: NIODeadline) -> TimeAmount {
        defer {
            downSince = nil
            delay = Self.firstDelay
            failedAttempts = 0
        }
        return downSince.map { now - $0 } ?? .zero
    }
}
