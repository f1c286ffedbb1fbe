import GearmanProtocol

/// What a connection does after its role saw a packet.
enum RoleAction: Equatable, Sendable {
    /// Send these packets (none, often).
    case send([Packet])
    /// A job is done here (created, completed, or answered `latency` nanoseconds after its
    /// submission); send these packets.
    case jobDone(latency: UInt64?, send: [Packet])
    /// Stop the run: the server sent ERROR, or a packet the role cannot take.
    case fail(String)

    /// The failure for `packet` arriving where `role` expects something else; ERROR's text is
    /// quoted.
    static func unexpected<Role: ConnectionRole>(_ packet: Packet, in role: Role.Type) -> RoleAction {
        if packet.type == .error {
            return .fail("the server sent ERROR \(packet.string(at: 0) ?? ""): \(packet.string(at: 1) ?? "") (to a \(role.name))")
        }
        return .fail("a \(role.name) got an unexpected \(packet.type) packet")
    }
}
