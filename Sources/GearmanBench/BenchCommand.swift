import GearmanTool
import Glibc

/// `gearman bench SCENARIO [options]`, the `gearman-bench` executable: load on a job server
/// (ours or gearmand) from clients and workers on SwiftNIO, reported as jobs per second.
public enum BenchCommand {
    /// Runs with `arguments` (without the program name) and returns the exit status.
    public static func run(_ arguments: [String]) -> Int32 {
        let options: BenchOptions
        do {
            options = try BenchOptions(parsing: arguments, environment: { getenv($0).map { String(cString: $0) } })
        } catch {
            return StandardStreams.usageError(subcommand: "bench", error.message)
        }
        if let status = HelpAndVersion.answer(help: options.help, version: options.version, subcommand: "bench", helpText: helpText) {
            return status
        }
        signal(SIGPIPE, SIG_IGN)
        do throws(BenchFailure) {
            var server = try BenchServer.resolve(host: options.host, port: options.port, allowRemote: options.allowRemote)
            if let tls = options.tls {
                do { server.tls = (try tls.makeContext(), ClientTLS.serverName(options.host)) } catch {
                    throw BenchFailure(message: "cannot set up TLS: \(error)", exitCode: .usage)
                }
            }
            let runner = BenchRunner(options: options, server: server)
            let result = try runner.run()
            StandardStreams.write(options.json ? result.json.text + "\n" : result.table, to: StandardStreams.output)
            if !options.keepJobs {
                let removed = try LeftoverJobs(options: options, server: server, functions: runner.functions).remove()
                if removed > 0 {
                    StandardStreams.complain("bench: completed the \(removed) jobs the run left on \(server.name) (--keep-jobs leaves them)")
                }
            }
            return ExitCode.success.rawValue
        } catch {
            if error.exitCode == .usage { return StandardStreams.usageError(subcommand: "bench", error.message) }
            StandardStreams.complain("bench: \(error.message)")
            return error.exitCode.rawValue
        }
    }

    private static let helpText = """
        Usage: gearman bench SCENARIO [options]

        Puts load on a job server (ours or gearmand) and prints the jobs per second. SCENARIO:
          submit  C connections keep D background jobs each in flight until N are created
          drain   N background jobs are queued (not timed), then W workers complete them
          e2e     C submitters and W workers at once, until the workers completed N jobs
          rtt     C clients submit one foreground job at a time to W echo workers; also
                  the 50th, 99th and 99.9th percentile latency, SUBMIT_JOB to WORK_COMPLETE
        Workers answer each job at once with its workload, and sleep (PRE_SLEEP) when there is
        none. After the result, workers complete the jobs the run left on the server (not
        timed; --keep-jobs leaves them). The server is -h/-p, else GEARMAN_SERVER's one server,
        else 127.0.0.1:4730. Exit status: 0 done, 1 the server sent ERROR or closed a
        connection (or the left jobs could not be removed), 2 usage error, 3 the server cannot
        be reached.

        Options:
        \(LongOptions.help(BenchOptions.specs))
        """
}
