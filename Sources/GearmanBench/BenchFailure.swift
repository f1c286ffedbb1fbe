import GearmanTool
import Glibc
import NIOCore

/// Why a bench run could not give a result, and the exit status that says so.
struct BenchFailure: Error, Equatable {
    let message: String
    let exitCode: ExitCode

    /// The server sent ERROR, an unexpected packet, or closed a connection: exit 1.
    static func runStopped(_ message: String) -> BenchFailure { BenchFailure(message: message, exitCode: .jobFailed) }

    /// The server cannot be resolved or connected to: exit 3.
    static func unreachable(_ message: String) -> BenchFailure { BenchFailure(message: message, exitCode: .serverUnavailable) }

    /// A socket error in words: the system's text for an errno, not NIO's call site.
    static func describe(_ error: any Error) -> String {
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)) }
        if case ChannelError.connectTimeout = error { return "timed out" }
        return "\(error)"
    }
}
