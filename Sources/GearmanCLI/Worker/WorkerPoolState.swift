import GearmanTool
import Glibc

/// The job slots of one worker process (`-j N`): which are busy, which command each runs,
/// and what the main thread does next, through a graceful stop on SIGTERM or SIGINT.
/// Pure: events in, steps out; time comes in as seconds on a monotonic clock.
struct WorkerPoolState {
    enum Phase: Equatable {
        /// Grabbing and running jobs.
        case working
        /// Grabbing no more; running jobs may finish until the deadline (nil: no limit).
        case draining(deadline: Double?)
        /// Running commands were stopped; their jobs go back to the server until the deadline.
        case releasing(deadline: Double)
    }

    /// What the main thread does next.
    enum Step: Equatable {
        /// Wait for a signal, a slot's news, or the deadline (nil: no deadline).
        case wait(until: Double?)
        /// SIGKILL these process groups; their jobs are released.
        case stopCommands([pid_t])
        /// Exit the process with this status.
        case exit(ExitCode)
    }

    /// `-c`: jobs to run before exiting; 0 is no limit.
    let jobLimit: UInt32
    /// `--shutdown-timeout`: how long running jobs may take after the first signal.
    let shutdownSeconds: Double
    /// After commands were stopped, how long their slots get to release the jobs.
    static let releaseSeconds = 2.0

    private(set) var phase = Phase.working
    private(set) var jobsStarted: UInt32 = 0
    private var busySlots: Set<Int> = []
    private var commands: [Int: pid_t] = [:]
    private var liveSlots: Int
    private var exitCode = ExitCode.success
    private var commandsToStop = false

    init(slots: Int, jobLimit: UInt32, shutdownSeconds: Double) {
        liveSlots = slots
        self.jobLimit = jobLimit
        self.shutdownSeconds = shutdownSeconds
    }

    var isWorking: Bool { phase == .working }
    var isReleasing: Bool { if case .releasing = phase { return true } else { return false } }
    var runningJobs: Int { busySlots.count }

    /// A slot was handed a job: true to run it, false to release it (stopping, or -c reached).
    mutating func jobStarted(slot: Int) -> Bool {
        guard phase == .working, jobLimit == 0 || jobsStarted < jobLimit else { return false }
        jobsStarted += 1
        busySlots.insert(slot)
        if jobLimit != 0 && jobsStarted == jobLimit { phase = .draining(deadline: nil) }
        return true
    }

    /// The slot's job was answered or released; true when the main thread should look again.
    mutating func jobEnded(slot: Int) -> Bool {
        guard busySlots.remove(slot) != nil else { return false }
        commands[slot] = nil
        return phase != .working
    }

    /// The slot's command started as process group `group`; false when it must be stopped at once.
    mutating func commandStarted(slot: Int, group: pid_t) -> Bool {
        if isReleasing { return false }
        commands[slot] = group
        return true
    }

    mutating func commandEnded(slot: Int) {
        commands[slot] = nil
    }

    /// A slot stopped grabbing; `failure` is the exit status it asks for, if it could not go on.
    mutating func slotEnded(failure: ExitCode?) {
        liveSlots -= 1
        if let failure {
            exitCode = failure
            if phase == .working { phase = .draining(deadline: nil) }
        }
    }

    /// SIGTERM or SIGINT at `now`: the first stops grabbing, the next stops the commands.
    mutating func signalled(now: Double) {
        switch phase {
        case .working, .draining(deadline: nil):
            phase = .draining(deadline: now + shutdownSeconds)
        case .draining, .releasing:
            phase = .releasing(deadline: now + Self.releaseSeconds)
            commandsToStop = true
        }
    }

    /// What the main thread does at `now`.
    mutating func nextStep(now: Double) -> Step {
        if commandsToStop {
            commandsToStop = false
            return .stopCommands(commands.values.sorted())
        }
        switch phase {
        case .working:
            return liveSlots == 0 ? .exit(exitCode) : .wait(until: nil)
        case .draining(let deadline):
            if busySlots.isEmpty { return .exit(exitCode) }
            if let deadline, now >= deadline {
                phase = .releasing(deadline: now + Self.releaseSeconds)
                return .stopCommands(commands.values.sorted())
            }
            return .wait(until: deadline)
        case .releasing(let deadline):
            return busySlots.isEmpty || now >= deadline ? .exit(exitCode) : .wait(until: deadline)
        }
    }
}
