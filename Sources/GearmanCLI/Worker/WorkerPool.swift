import GearmanKit
import GearmanTool
import Glibc
import Synchronization

/// The state the job slots' threads share with the main thread. A slot that changes what
/// the main thread should do wakes it with SIGUSR1, which every thread blocks and only the
/// main thread waits for.
final class WorkerPool: Sendable {
    private let state: Mutex<WorkerPoolState>
    private let connection: Mutex<ConnectionReport>

    init(_ state: WorkerPoolState, servers: [ServerAddress]) {
        self.state = Mutex(state)
        connection = Mutex(ConnectionReport(servers: servers))
    }

    var isWorking: Bool { state.withLock { $0.isWorking } }
    var isReleasing: Bool { state.withLock { $0.isReleasing } }

    func jobStarted(slot: Int) -> Bool { state.withLock { $0.jobStarted(slot: slot) } }

    func jobEnded(slot: Int) {
        if state.withLock({ $0.jobEnded(slot: slot) }) { wakeMainThread() }
    }

    /// Records the slot's command; stops it at once if the pool is already stopping commands.
    func commandStarted(slot: Int, group: pid_t) {
        if !state.withLock({ $0.commandStarted(slot: slot, group: group) }) { kill(-group, SIGKILL) }
    }

    func commandEnded(slot: Int) { state.withLock { $0.commandEnded(slot: slot) } }

    /// A slot's loop ended; `failure` is the exit status it asks for, if it could not go on.
    func slotEnded(failure: ExitCode?) {
        state.withLock { $0.slotEnded(failure: failure) }
        wakeMainThread()
    }

    func signalled(now: Double) { state.withLock { $0.signalled(now: now) } }

    func nextStep(now: Double) -> WorkerPoolState.Step { state.withLock { $0.nextStep(now: now) } }

    var runningJobs: Int { state.withLock { $0.runningJobs } }

    /// Logs the first failure to reach the servers, and the first success after it.
    func connectionFailed(_ error: GearmanError) { log(connection.withLock { $0.failed(reason: error.connectionFailure) }) }
    func connectionSucceeded() { log(connection.withLock { $0.succeeded() }) }

    /// Before a slot retries: while the servers are down, tries a TCP connection to each (at most
    /// once a second, whichever slot asks) and logs those that answer.
    func connectionRetrying() {
        log(connection.withLock { report in
            report.retrying(now: MonotonicClock.now()) { server in (try? AdminConnection(server, timeoutSeconds: 2)) != nil }
        })
    }

    private func log(_ line: String?) {
        if let line { StandardStreams.complain(line) }
    }

    private func wakeMainThread() {
        kill(getpid(), SIGUSR1)
    }
}
