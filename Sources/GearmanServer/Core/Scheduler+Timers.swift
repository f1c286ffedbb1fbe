import GearmanProtocol

extension Scheduler {
    /// The earliest moment `deadlinesPassed()` has work (milliseconds since the epoch), if any.
    public var nextDeadline: Int64? { deadlines.min?.at }

    /// Queues the epoch jobs whose time has come, fails running jobs past their
    /// CAN_DO_TIMEOUT (their clients get WORK_FAIL, as PROTOCOL says), and wakes more workers
    /// for jobs that their first wake-up did not get taken.
    public mutating func deadlinesPassed() -> [SchedulerAction] {
        let now = clock.now
        var actions: [SchedulerAction] = []
        while let deadline = deadlines.min, deadline.at <= now {
            deadlines.removeMin()
            switch deadline.kind {
            case .epochJob(let id):
                guard let job = jobs[id], job.runAt != nil else { continue }
                jobs.update(id) { $0.runAt = nil }
                functions[job.function]?.scheduled -= 1
                functions[job.function]?.append(id, priority: job.priority)
                wakeSleepers(for: id, function: job.function, into: &actions)
            case .jobTimeout(let id):
                guard let job = jobs[id], job.worker != nil, job.deadline == deadline.at else { continue }
                actions += job.clients.map { .send(response(.workFail, for: id), to: $0) }
                finish(id, outcome: .failed)
            case .wakeRetry(let id):
                // The worker woken for it has not taken it: wake the next.
                guard let job = jobs[id], job.isQueued else { continue }
                wakeSleepers(for: id, function: job.function, into: &actions)
            }
        }
        return actions
    }

    mutating func addDeadline(at time: Int64, _ kind: Deadline.Kind) {
        deadlines.insert(Deadline(at: time, order: nextDeadlineOrder, kind: kind))
        nextDeadlineOrder += 1
    }
}
