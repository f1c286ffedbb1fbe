import NIOCore

/// A job the server holds, in one of the phases of `JobPhase`.
///
/// Kept small, because a server may hold millions: what few jobs need (an epoch time, a
/// CAN_DO_TIMEOUT deadline, a WORK_STATUS, a pending queue-store commit) lives in a box
/// that most jobs never allocate.
struct Job {
    let id: JobID
    /// The function's name; the same storage as its queue's key, not a copy per job.
    let function: String
    /// Empty for none. Like the workload, a slice of the bytes read, not a string of its own.
    var unique: ByteBuffer
    let data: ByteBuffer
    /// Clients waiting for this job's packets, in the order they submitted it.
    var clients: [ConnectionID] = []
    /// Where it is in its life. Changed only by `Scheduler.move` (and `admit`, `finish`),
    /// which keep everything that counts jobs by phase in step.
    var phase: JobPhase
    private var extras: Extras?
    let priority: Priority
    let background: Bool
    /// The job has a row in the queue store, to be deleted when it ends.
    var isStored = false
    /// How many workers died while running it.
    var failedAttempts: UInt32 = 0
    /// When a background job was submitted (wall clock, milliseconds), for the dead-job list.
    var submittedAt: Int64 = 0

    /// A job not yet admitted: `Scheduler.admit` puts it in the table in its first phase.
    init(id: JobID, function: String, unique: ByteBuffer, data: ByteBuffer, priority: Priority, background: Bool) {
        phase = .queued
        self.id = id
        self.function = function
        self.unique = unique
        self.data = data
        self.priority = priority
        self.background = background
    }

    /// What holding this job costs, for the `--max-queue-bytes` bound: its workload, its unique
    /// key, its waiting clients, and a fixed share for the server's own bookkeeping (a queued
    /// job with a 100-byte workload measured about 390 bytes of RSS in all).
    var heldBytes: Int { data.readableBytes + unique.readableBytes + clients.count * 8 + 320 }

    var isQueued: Bool { phase == .queued }

    /// The worker running it, if any.
    var worker: ConnectionID? {
        if case .running(let worker) = phase { worker } else { nil }
    }

    /// For SUBMIT_JOB_EPOCH and retries: not queued before this time (milliseconds since the
    /// epoch). Set before the job enters `.scheduled`, cleared when it leaves it for its queue.
    var runAt: Int64? {
        get { extras?.runAt }
        set { if newValue != nil || extras != nil { ownExtras().runAt = newValue } }
    }

    /// When the worker's CAN_DO_TIMEOUT runs out (the scheduler clock's monotonic milliseconds).
    var deadline: Int64? {
        get { extras?.deadline }
        set { if newValue != nil || extras != nil { ownExtras().deadline = newValue } }
    }

    /// The last WORK_STATUS: numerator and denominator.
    var progress: (numerator: UInt32, denominator: UInt32) {
        get { extras?.progress ?? (0, 0) }
        set { ownExtras().progress = newValue }
    }

    /// Set while the job's row is being committed: the clients whose JOB_CREATED waits for it.
    var awaitingCommit: [ConnectionID]? {
        get { extras?.awaitingCommit }
        set { if newValue != nil || extras != nil { ownExtras().awaitingCommit = newValue } }
    }

    /// A background job's failures so far (retries and the dead-job list).
    var failures: FailureHistory? {
        get { extras?.failures }
        set { if newValue != nil || extras != nil { ownExtras().failures = newValue } }
    }

    /// The last WORK_WARNING of the running attempt: a WORK_FAIL's explanation, if any.
    var lastWarning: String? {
        get { extras?.lastWarning }
        set { if newValue != nil || extras != nil { ownExtras().lastWarning = newValue } }
    }

    /// The box, made if missing and copied if shared, so that a copy of a job stays a value.
    private mutating func ownExtras() -> Extras {
        guard let box = extras else {
            let made = Extras()
            extras = made
            return made
        }
        if isKnownUniquelyReferenced(&extras!) { return box }
        let copy = box.copy()
        extras = copy
        return copy
    }

    private final class Extras {
        var runAt: Int64?
        var deadline: Int64?
        var progress: (numerator: UInt32, denominator: UInt32) = (0, 0)
        var awaitingCommit: [ConnectionID]?
        var failures: FailureHistory?
        var lastWarning: String?

        func copy() -> Extras {
            let copy = Extras()
            copy.runAt = runAt
            copy.deadline = deadline
            copy.progress = progress
            copy.awaitingCommit = awaitingCommit
            copy.failures = failures
            copy.lastWarning = lastWarning
            return copy
        }
    }
}
