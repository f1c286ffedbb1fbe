/// The server's lifecycle with no I/O: running, draining (a graceful shutdown waits for
/// running jobs, within a time bound), storing (the queue store writes what is left and
/// closes), closed. Events in, actions out; times are the scheduler clock's monotonic
/// milliseconds, so a test drives it with the test clock.
struct ServerLifecycle: Equatable {
    enum State: Equatable {
        case running
        /// Graceful shutdown: no job is handed out or accepted; running jobs may finish until `deadline`.
        case draining(deadline: Int64)
        case storing
        case closed
    }

    /// What the I/O side must do, in order.
    enum Action: Equatable {
        case closeListeners
        /// The scheduler stops handing out and accepting jobs.
        case beginDraining
        /// `drainDeadlinePassed` is due at this monotonic time.
        case scheduleDrainDeadline(at: Int64)
        /// Write what is left to the queue store and close it; `storeClosed` follows.
        case closeStore
        case closeConnections
        /// The server has stopped.
        case finish
    }

    private(set) var state = State.running
    /// How long a graceful shutdown waits for running jobs.
    let drainMilliseconds: Int64

    init(drainMilliseconds: Int64) {
        self.drainMilliseconds = drainMilliseconds
    }

    /// Admin `shutdown`, SIGTERM/SIGINT (not graceful) or SIGUSR1 (graceful). A second,
    /// immediate request ends a graceful shutdown at once.
    mutating func shutdownRequested(graceful: Bool, runningJobs: Int, now: Int64) -> [Action] {
        switch state {
        case .running where graceful && runningJobs > 0:
            let deadline = now + drainMilliseconds
            state = .draining(deadline: deadline)
            return [.closeListeners, .beginDraining, .scheduleDrainDeadline(at: deadline)]
        case .running:
            state = .storing
            return [.closeListeners, .beginDraining, .closeStore]
        case .draining where !graceful:
            state = .storing
            return [.closeStore]
        case .draining, .storing, .closed:
            return []
        }
    }

    /// The last running job ended (or none was running when the count was checked).
    mutating func jobsDrained() -> [Action] {
        guard case .draining = state else { return [] }
        state = .storing
        return [.closeStore]
    }

    /// The drain's time bound may have passed.
    mutating func drainDeadlinePassed(now: Int64) -> [Action] {
        guard case .draining(let deadline) = state, now >= deadline else { return [] }
        state = .storing
        return [.closeStore]
    }

    /// The queue store (if any) has written everything and closed.
    mutating func storeClosed() -> [Action] {
        guard state == .storing else { return [] }
        state = .closed
        return [.closeConnections, .finish]
    }
}
