import Glibc

/// `gearman server` runs the job server, which is a separate executable, `gearman-server`,
/// installed next to `gearman`: it replaces this process (same process id), so that the
/// client and worker modes start without loading SwiftNIO and SQLite.
enum ServerLauncher {
    static let executableName = "gearman-server"

    static func run(_ arguments: [String]) -> Int32 {
        guard let path = locate() else {
            StandardStreams.complain("server: cannot find \(executableName) next to this gearman or on PATH; install both executables together")
            return ExitCode.usage.rawValue
        }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        execv(path, argv)
        StandardStreams.complain("server: cannot run \(path): \(StandardStreams.describe(errno: errno))")
        return ExitCode.usage.rawValue
    }

    /// `gearman-server` in the directory of the running executable, else on PATH.
    static func locate() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        var directories: [String] = []
        if length > 0 {
            let own = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let slash = own.lastIndex(of: "/") { directories.append(String(own[..<slash])) }
        }
        directories += (Environment.value(of: "PATH") ?? "").split(separator: ":").map(String.init)
        return directories.lazy.map { "\($0)/\(executableName)" }.first { access($0, X_OK) == 0 }
    }
}
