/// Fired down every connection's pipeline when the clock starts: the role sends its first packets.
struct StartEvent: Sendable {}
