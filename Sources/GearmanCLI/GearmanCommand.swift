import GearmanKit
import GearmanTool
import Glibc

/// The `gearman` executable: a subcommand word in first position, else classic mode.
public enum GearmanCommand {
    /// The subcommand a first argument names, if any; classic mode handles everything else.
    static func subcommand(named word: String) -> (([String]) -> Int32)? {
        switch word {
        case "server": return SiblingExecutable(name: "gearman-server", subcommand: "server").run
        case "bench": return SiblingExecutable(name: "gearman-bench", subcommand: "bench").run
        case "admin": return AdminTool.run
        case "top": return TopTool.run
        case "status": return StatusTool.run
        default: return nil
        }
    }

    /// Runs the tool with `arguments` (including the program name) and returns the exit status.
    public static func main(arguments: [String]) -> Int32 {
        let program = arguments.first ?? "gearman"
        let rest = Array(arguments.dropFirst())
        if let word = rest.first, let subcommand = subcommand(named: word) {
            return subcommand(Array(rest.dropFirst()))
        }
        return runClassic(program: program, arguments: rest).rawValue
    }

    static func runClassic(program: String, arguments: [String]) -> ExitCode {
        let options: ClassicOptions
        do {
            options = try ClassicOptions.parse(arguments, posixlyCorrect: Environment.value(of: "POSIXLY_CORRECT") != nil)
        } catch {
            StandardStreams.write(Usage.text(program: program, options: error.partial, error: error.message),
                                  to: StandardStreams.error)
            return .usage
        }
        if options.help {
            StandardStreams.write(Usage.text(program: program, options: options, error: nil), to: StandardStreams.output)
            return .success
        }
        if options.version {
            StandardStreams.write(GearmanVersion.line(command: nil), to: StandardStreams.output)
            return .success
        }
        let servers: [ServerAddress]
        do {
            servers = try options.servers(environment: Environment.value(of:))
        } catch {
            StandardStreams.complain("invalid job server \(error)")
            return .usage
        }
        if options.useTLS && !TLSSupport.isAvailable {
            StandardStreams.complain("-S: TLS was requested, but the linked libgearman was built without TLS support")
            return .usage
        }
        signal(SIGPIPE, SIG_IGN)
        if options.daemon {
            if daemon(1, 1) != 0 {
                StandardStreams.complain("cannot daemonize: \(StandardStreams.describe(errno: errno))")
                return .usage
            }
            detachStandardStreams()
            closeInheritedDescriptors()
        }
        if let pidFile = options.pidFile {
            if let problem = PidFile.create(pidFile) {
                StandardStreams.complain("cannot write pid file \(pidFile): \(problem)")
                return .usage
            }
        }
        defer { PidFile.remove() }
        if options.worker {
            return WorkerMode(options: options, servers: servers).run()
        }
        return ClientMode(options: options, servers: servers).run()
    }
}

/// A daemon's stdin, and its stdout and stderr unless they are files (`2>>worker.log`), become
/// /dev/null: a daemon must not hold a terminal or a pipe (`$(gearman -d ...)` would never
/// return), but a log file it was given is where its messages belong.
func detachStandardStreams() {
    let null = open("/dev/null", O_RDWR)
    guard null >= 0 else { return }
    for fd in [StandardStreams.input, StandardStreams.output, StandardStreams.error] {
        var status = stat()
        if fd != StandardStreams.input, fstat(fd, &status) == 0, status.st_mode & S_IFMT == S_IFREG { continue }
        dup2(null, fd)
    }
    if null > StandardStreams.error { close(null) }
}

/// Environment variables, read one at a time (no dictionary of the whole environment).
enum Environment {
    static func value(of name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
