import GearmanKit
import Glibc

/// `gearman -w -f F [command args...]`: registers the functions and runs each job,
/// through the command when one is given.
struct WorkerMode {
    let options: ClassicOptions
    let servers: [ServerAddress]

    func run() -> ExitCode {
        let worker: Worker
        do {
            worker = try Worker(servers: servers, timeoutMilliseconds: options.timeoutMilliseconds)
        } catch {
            StandardStreams.complain("\(error.codeName): \(error.message)")
            return .serverUnavailable
        }
        if options.useTLS { worker.enableTLS() }
        if let id = options.workerID {
            do {
                try worker.setIdentifier(id)
            } catch {
                StandardStreams.complain("cannot set the worker id '\(id)': \(error.message)")
                return .usage
            }
        }
        var jobsRun: UInt32 = 0
        let command = options.operands.isEmpty ? nil
            : ShellCommand(arguments: options.operands, timeoutSeconds: options.jobTimeoutSeconds)
        let runner = JobRunner(command: command,
                               sendsLines: options.jobPerLine, stripNewline: options.stripNewline)
        for function in options.functions {
            do {
                try worker.register(function: function) { job in
                    jobsRun += 1
                    return runner.run(job)
                }
            } catch {
                StandardStreams.complain("cannot register function '\(function)': \(error.message)")
                return .usage
            }
        }
        var connection = ConnectionReport(servers: servers)
        while options.count == 0 || jobsRun < options.count {
            do {
                try worker.work()
                connection.succeeded()
            } catch where error.kind == .couldNotConnect {
                connection.failed(error)
                sleep(1)
            } catch where error.kind == .timeout {
                let limit = options.timeoutMilliseconds ?? 0
                StandardStreams.complain("no job arrived within \(limit) ms from job server \(servers.map(\.description).joined(separator: ","))")
                return .serverUnavailable
            } catch {
                StandardStreams.complain("\(error.codeName): \(error.message)")
            }
        }
        return .success
    }
}
