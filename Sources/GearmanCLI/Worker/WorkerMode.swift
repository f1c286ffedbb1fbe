import GearmanKit
import GearmanTool
import Glibc

/// `gearman -w -f F [command args...]`: registers the functions and runs each job, through
/// the command when one is given, in `-j` slots at once. The main thread only waits for
/// signals: SIGTERM or SIGINT stops grabbing and lets running jobs finish.
struct WorkerMode {
    let options: ClassicOptions
    let servers: [ServerAddress]

    func run() -> ExitCode {
        let command = options.operands.isEmpty ? nil
            : ShellCommand(arguments: options.operands, timeoutSeconds: options.jobTimeoutSeconds)
        if let command, let problem = CommandLookup.problem(running: command.arguments[0]) {
            StandardStreams.complain("cannot run '\(command.arguments[0])': \(problem)")
            return .usage
        }
        // Blocked in every thread (they inherit the mask), so only sigwait() sees them.
        let signals = SignalSet([SIGTERM, SIGINT, SIGUSR1])
        signals.block()
        let pool = WorkerPool(WorkerPoolState(slots: options.concurrency, jobLimit: options.count,
                                              shutdownSeconds: options.shutdownTimeoutSeconds),
                              servers: servers)
        var slots: [JobSlot] = []
        for slot in 0..<options.concurrency {
            let runner = JobRunner(command: command, sendsLines: options.jobPerLine, stripNewline: options.stripNewline,
                                   sendsExceptions: options.sendsExceptions, slot: slot, pool: pool)
            switch JobSlot.make(options: options, servers: servers, runner: runner) {
            case .success(let made): slots.append(made)
            case .failure(let failure):
                StandardStreams.complain(failure.message)
                return failure.exitCode
            }
        }
        for slot in slots {
            let result = startDetachedThread { slot.run(pool: pool) }
            if result != 0 {
                StandardStreams.complain("cannot start a worker thread: \(StandardStreams.describe(errno: result))")
                return .usage
            }
        }
        return supervise(pool, signals: signals)
    }

    /// Waits for signals and the slots' news until the pool says to exit.
    private func supervise(_ pool: WorkerPool, signals: SignalSet) -> ExitCode {
        var signalsSeen = 0
        while true {
            switch pool.nextStep(now: MonotonicClock.now()) {
            case .exit(let code):
                return code
            case .stopCommands(let groups):
                if !groups.isEmpty {
                    StandardStreams.complain("stopping \(Self.count(groups.count, "running command")); "
                        + (groups.count == 1 ? "its job goes" : "their jobs go") + " back to the job server")
                }
                for group in groups { kill(-group, SIGKILL) }
            case .wait(let deadline):
                guard let signal = signals.wait(until: deadline) else { continue }
                guard signal != SIGUSR1 else { continue }
                signalsSeen += 1
                let name = signal == SIGTERM ? "SIGTERM" : "SIGINT"
                if signalsSeen == 1 {
                    let running = pool.runningJobs
                    StandardStreams.complain(running == 0 ? "\(name): stopping"
                        : "\(name): grabbing no more jobs; waiting up to \(Self.seconds(options.shutdownTimeoutSeconds)) s for \(Self.count(running, "running job"))")
                } else {
                    StandardStreams.complain("\(name) again: stopping now")
                }
                pool.signalled(now: MonotonicClock.now())
            }
        }
    }

    private static func count(_ value: Int, _ noun: String) -> String {
        "\(value) \(noun)\(value == 1 ? "" : "s")"
    }

    /// 2.5 as "2.5", 3.0 as "3".
    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
