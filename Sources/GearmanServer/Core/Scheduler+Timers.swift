import GearmanProtocol
import HeapModule

extension Scheduler {
    /// The earliest moment `deadlinesPassed()` has work, as a wall-clock time (milliseconds
    /// since the epoch), if any; a time limit counts from the monotonic clock's now.
    var nextDeadline: Int64? {
        nextDeadlineOnMonotonicClock.map { $0 - clock.monotonic + clock.now }
    }

    /// The same moment on the monotonic clock, which wake-ups are announced on.
    private var nextDeadlineOnMonotonicClock: Int64? {
        let epoch = epochDeadlines.min.map { $0.at - clock.now + clock.monotonic }
        switch (epoch, deadlines.min?.at) {
        case (let epoch?, let limit?): return min(epoch, limit)
        case (let epoch, let limit): return epoch ?? limit
        }
    }

    /// Queues the epoch jobs whose time has come, fails running jobs past their
    /// CAN_DO_TIMEOUT (their clients get WORK_FAIL, as PROTOCOL says), and wakes more workers
    /// for jobs that their first wake-up did not get taken. Announces the next wake-up.
    public mutating func deadlinesPassed() -> [SchedulerAction] {
        var actions: [SchedulerAction] = []
        wakeUpAnnounced = nil
        var timedOut = false
        while let deadline = Self.takeDue(from: &epochDeadlines, now: clock.now) ?? Self.takeDue(from: &deadlines, now: clock.monotonic) {
            switch deadline.kind {
            case .epochJob(let id):
                guard let job = jobs[id], job.phase == .scheduled, job.runAt == deadline.at else { continue }
                jobs.update(id) { $0.runAt = nil }
                move(id, to: .queued, into: &actions)
            case .jobTimeout(let id):
                guard let job = jobs[id], job.worker != nil, job.deadline == deadline.at else { continue }
                actions += job.clients.map { .send(response(.workFail, for: id), to: $0) }
                failed(id, because: "its worker's CAN_DO_TIMEOUT passed", into: &actions)
                timedOut = true
            case .wakeRetry(let function):
                // The workers woken for it have not taken its jobs: wake the next.
                wakeChecks.remove(function)
                guard let queue = functions[function], queue.queued.contains(where: { $0 > 0 }) else { continue }
                wakeSleepers(for: function, into: &actions)
            }
        }
        if let next = nextDeadlineOnMonotonicClock { announceWakeUp(at: next, into: &actions) }
        if timedOut { checkDrained(into: &actions) }
        return actions
    }

    /// Adds a deadline: an epoch job's at its UNIX time (wall clock), a time limit or a
    /// wake-up check on the monotonic clock; announces a wake-up if it comes first.
    mutating func addDeadline(at time: Int64, _ kind: Deadline.Kind, into actions: inout [SchedulerAction]) {
        let deadline = Deadline(at: time, order: nextDeadlineOrder, kind: kind)
        nextDeadlineOrder += 1
        if case .epochJob = kind {
            epochDeadlines.insert(deadline)
            announceWakeUp(at: time - clock.now + clock.monotonic, into: &actions)
        } else {
            deadlines.insert(deadline)
            announceWakeUp(at: time, into: &actions)
        }
    }

    /// A `wakeUp` for `time` (monotonic clock), unless one at or before it is still to come.
    private mutating func announceWakeUp(at time: Int64, into actions: inout [SchedulerAction]) {
        if let announced = wakeUpAnnounced, announced <= time { return }
        wakeUpAnnounced = time
        actions.append(.wakeUp(inMilliseconds: max(time - clock.monotonic, 0)))
    }

    /// The earliest deadline in `heap` if it is due at `now`, taken out.
    private static func takeDue(from heap: inout Heap<Deadline>, now: Int64) -> Deadline? {
        guard let first = heap.min, first.at <= now else { return nil }
        return heap.removeMin()
    }
}
