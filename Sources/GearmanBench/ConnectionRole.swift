import GearmanProtocol

/// What one bench connection does, without I/O: packets to send at the start and in answer to
/// each packet from the server. `now` is nanoseconds on a monotonic clock.
protocol ConnectionRole: Sendable {
    /// What the role is called in messages, e.g. "worker".
    static var name: String { get }
    mutating func start(now: UInt64) -> [Packet]
    mutating func receive(_ packet: Packet, now: UInt64) -> RoleAction
}
