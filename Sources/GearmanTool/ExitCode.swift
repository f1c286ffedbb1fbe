/// The exit statuses of classic mode, documented in the man page and README.
public enum ExitCode: Int32, Sendable {
    /// Every job was submitted and, for foreground jobs, completed.
    case success = 0
    /// At least one job failed (WORK_FAIL), as the C tool reports it.
    case jobFailed = 1
    /// The command line or environment was wrong; nothing was sent.
    case usage = 2
    /// No job server could be reached, or the `-t` timeout expired.
    case serverUnavailable = 3
}
