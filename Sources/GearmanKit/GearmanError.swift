import CGearman

/// A failure reported by libgearman, with its return code and message.
public struct GearmanError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is, as far as a CLI user cares.
    public enum Kind: Sendable, Equatable {
        /// No job server could be reached (refused, unresolvable host, connection lost).
        case couldNotConnect
        /// The `-t` timeout expired.
        case timeout
        /// Anything else libgearman reported.
        case other
    }

    public let kind: Kind
    /// libgearman's name for the return code, e.g. `GEARMAN_COULD_NOT_CONNECT`.
    public let codeName: String
    /// libgearman's last error text.
    public let message: String
    /// The system error behind it, if any (0 when none).
    public let systemErrno: Int32

    init(code: gearman_return_t, message: String, systemErrno: Int32) {
        self.kind = GearmanError.kind(of: code)
        self.codeName = String(cString: gearman_strerror(code))
        self.message = message
        self.systemErrno = systemErrno
    }

    static func kind(of code: gearman_return_t) -> Kind {
        switch code {
        case GEARMAN_COULD_NOT_CONNECT, GEARMAN_LOST_CONNECTION, GEARMAN_NO_SERVERS,
             GEARMAN_GETADDRINFO, GEARMAN_NOT_CONNECTED, GEARMAN_NO_ACTIVE_FDS:
            return .couldNotConnect
        case GEARMAN_TIMEOUT:
            return .timeout
        default:
            return .other
        }
    }

    public var description: String { message.isEmpty ? codeName : message }
}
