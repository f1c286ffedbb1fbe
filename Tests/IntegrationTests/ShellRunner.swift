import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs external programs for the integration tests, with a deadline.
///
/// Standard output and error go to temporary files rather than pipes, so a
/// child that writes a lot never blocks on a full pipe while the test waits.
struct ShellRunner {
    /// Runs `executable` (a path, or a name looked up on PATH) with `arguments`.
    /// `environment` replaces the whole environment when given. The child's
    /// standard input is empty.
    static func run(
        _ executable: String,
        _ arguments: [String],
        environment: [String: String]? = nil,
        currentDirectory: String? = nil,
        timeout: Double = 20
    ) throws -> (status: Int32, stdout: String, stderr: String) {
        guard let path = executable.contains("/") ? executable : which(executable, environment: environment) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: executable])
        }
        let result = try Command.run(path, arguments, environment: environment,
                                     currentDirectory: currentDirectory, timeout: timeout)
        return (result.status, result.stdoutText, result.stderr)
    }

    /// The full path of an executable named `name` on PATH, or nil.
    static func which(_ name: String, environment: [String: String]? = nil) -> String? {
        let searchPath = (environment ?? ProcessInfo.processInfo.environment)["PATH"]
            ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in searchPath.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        return nil
    }

    /// The current environment with `overrides` applied.
    static func environment(_ overrides: [String: String] = [:]) -> [String: String] {
        ProcessInfo.processInfo.environment.merging(overrides) { _, new in new }
    }

    /// The package root: three directories up from a file in Tests/IntegrationTests.
    static func repositoryRoot(from filePath: String) -> String {
        URL(fileURLWithPath: filePath)
            .deletingLastPathComponent()  // IntegrationTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // the package
            .path
    }

    /// Quotes `text` as one word for a POSIX shell, zsh or fish.
    static func shellQuote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
