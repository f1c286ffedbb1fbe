import GearmanTool
import Glibc

/// A subcommand that is an executable of its own, installed next to `gearman`: `gearman server`
/// runs `gearman-server` and `gearman bench` runs `gearman-bench`. It replaces this process
/// (same process id), so that the client and worker modes start without loading SwiftNIO.
struct SiblingExecutable {
    /// The executable's file name, e.g. `gearman-server`.
    let name: String
    /// The subcommand word that runs it, for messages.
    let subcommand: String

    /// Execs the sibling with `arguments`; returns only if it cannot be run.
    func run(_ arguments: [String]) -> Int32 {
        guard let path = locate() else {
            StandardStreams.complain("\(subcommand): cannot find \(name) next to this gearman or on PATH; install the executables together")
            return ExitCode.usage.rawValue
        }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        execv(path, argv)
        StandardStreams.complain("\(subcommand): cannot run \(path): \(StandardStreams.describe(errno: errno))")
        return ExitCode.usage.rawValue
    }

    /// The executable in the directory of the running one, else on PATH.
    func locate() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        var directories: [String] = []
        if length > 0 {
            let own = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let slash = own.lastIndex(of: "/") { directories.append(String(own[..<slash])) }
        }
        directories += (Environment.value(of: "PATH") ?? "").split(separator: ":").map(String.init)
        return directories.lazy.map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
    }
}
