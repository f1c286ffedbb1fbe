import GearmanTool
import Glibc

/// Finds a worker's command the way posix_spawnp will, so that a typo is reported before
/// the worker connects rather than as a failed job.
enum CommandLookup {
    /// Why `name` cannot be run, or nil if it can.
    static func problem(running name: String, path: String? = Environment.value(of: "PATH")) -> String? {
        if name.isEmpty { return "the command name is empty" }
        if name.contains("/") { return problem(atPath: name) }
        let directories = (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":", omittingEmptySubsequences: false)
        var firstProblem: String? = nil
        for directory in directories {
            let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + name
            guard let problem = problem(atPath: candidate) else { return nil }
            if firstProblem == nil, problem != notFound { firstProblem = problem }
        }
        return firstProblem ?? "not found on PATH"
    }

    private static let notFound = StandardStreams.describe(errno: ENOENT)

    private static func problem(atPath path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return StandardStreams.describe(errno: errno) }
        if (info.st_mode & S_IFMT) == S_IFDIR { return "is a directory" }
        guard access(path, X_OK) == 0 else { return StandardStreams.describe(errno: errno) }
        return nil
    }
}
