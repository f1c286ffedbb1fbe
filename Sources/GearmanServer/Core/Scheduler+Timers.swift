import GearmanProtocol
import HeapModule

extension Scheduler {
    /// The earliest moment `deadlinesPassed()` has work, as a wall-clock time (milliseconds
    /// since the epoch), if any; a time limit counts from the monotonic clock's now.
    public var nextDeadline: Int64? {
        let limit = deadlines.min.map { $0.at - clock.monotonic + clock.now }
        switch (epochDeadlines.min?.at, limit) {
        case (let epoch?, let limit?): return min(epoch, limit)
        case (let epoch, let limit): return epoch ?? limit
        }
    }

    /// Queues the epoch jobs whose time has come, fails running jobs past their
    /// CAN_DO_TIMEOUT (their clients get WORK_FAIL, as PROTOCOL says), and wakes more workers
    /// for jobs that their first wake-up did not get taken.
    public mutating func deadlinesPassed() -> [SchedulerAction] {
        var actions: [SchedulerAction] = []
        while let deadline = Self.takeDue(from: &epochDeadlines, now: clock.now) ?? Self.takeDue(from: &deadlines, now: clock.monotonic) {
            switch deadline.kind {
            case .epochJob(let id):
                guard let job = jobs[id], job.runAt == deadline.at else { continue }
                jobs.update(id) { $0.runAt = nil }
                functions[job.function]?.scheduled -= 1
                functions[job.function]?.append(id, priority: job.priority)
                wakeSleepers(for: job.function, into: &actions)
            case .jobTimeout(let id):
                guard let job = jobs[id], job.worker != nil, job.deadline == deadline.at else { continue }
                actions += job.clients.map { .send(response(.workFail, for: id), to: $0) }
                failed(id, because: "its worker's CAN_DO_TIMEOUT passed", into: &actions)
            case .wakeRetry(let function):
                // The workers woken for it have not taken its jobs: wake the next.
                wakeChecks.remove(function)
                guard let queue = functions[function], queue.queued.contains(where: { $0 > 0 }) else { continue }
                wakeSleepers(for: function, into: &actions)
            }
        }
        return actions
    }

    /// Adds a deadline: an epoch job's at its UNIX time, a time limit at `milliseconds` from now
    /// on the monotonic clock.
    mutating func addDeadline(at time: Int64, _ kind: Deadline.Kind) {
        let deadline = Deadline(at: time, order: nextDeadlineOrder, kind: kind)
        nextDeadlineOrder += 1
        if case .epochJob = kind { epochDeadlines.insert(deadline) } else { deadlines.insert(deadline) }
    }

    /// The earliest deadline in `heap` if it is due at `now`, taken out.
    private static func takeDue(from heap: inout Heap<Deadline>, now: Int64) -> Deadline? {
        guard let first = heap.min, first.at <= now else { return nil }
        return heap.removeMin()
    }
}
