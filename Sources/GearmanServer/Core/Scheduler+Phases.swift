extension Scheduler {
    /// Puts a new job in the table in its first phase.
    mutating func admit(_ job: Job, to phase: JobPhase, into actions: inout [SchedulerAction]) {
        jobs.insert(job)
        enter(job.id, phase, atFront: false, into: &actions)
    }

    /// Moves a job from its phase to `phase`. With `leave` and `enter`, the one place where the
    /// function's counters and queue, the worker's running set and the deadlines follow a
    /// job's phase. `atFront` puts a job that goes back to its queue first in line.
    mutating func move(_ id: JobID, to phase: JobPhase, atFront: Bool = false, into actions: inout [SchedulerAction]) {
        leave(id)
        enter(id, phase, atFront: atFront, into: &actions)
    }

    /// Takes a job out of its phase's counts, when it moves or ends. A queued job's ID stays
    /// in the queue's buffer and is skipped when it reaches the front.
    mutating func leave(_ id: JobID) {
        guard let job = jobs[id], let index = functions.index(forKey: job.function) else { return }
        switch job.phase {
        case .committing: functions.values[index].committing -= 1
        case .scheduled: functions.values[index].scheduled -= 1  // its deadline goes stale
        case .queued: functions.values[index].forgetQueued(job.priority)
        case .running(let worker):
            functions.values[index].running -= 1
            peers.update(worker) { $0.running.remove(id) }
            if job.deadline != nil { jobs.update(id) { $0.deadline = nil } }
        }
    }

    /// Counts a job in `phase`: a queued job wakes a worker, a scheduled one has its deadline,
    /// a running one is its worker's, with its CAN_DO_TIMEOUT's deadline.
    private mutating func enter(_ id: JobID, _ phase: JobPhase, atFront: Bool, into actions: inout [SchedulerAction]) {
        guard let job = jobs[id] else { return }
        jobs.update(id) { $0.phase = phase }
        let index = functions.index(forKey: job.function) ?? createFunctionIndex(job.function)
        switch phase {
        case .committing:
            functions.values[index].committing += 1
        case .scheduled:
            functions.values[index].scheduled += 1
            if let runAt = job.runAt { addDeadline(at: runAt, .epochJob(id), into: &actions) }
        case .queued:
            if atFront {
                functions.values[index].prepend(id, priority: job.priority)
            } else {
                functions.values[index].append(id, priority: job.priority)
            }
            wakeSleepers(for: job.function, into: &actions)
        case .running(let worker):
            functions.values[index].running += 1
            peers.update(worker) { $0.running.insert(id) }
            if case .some(.some(let timeout)) = peers[worker]?.abilities[job.function] {
                let deadline = clock.monotonic + timeout
                jobs.update(id) { $0.deadline = deadline }
                addDeadline(at: deadline, .jobTimeout(id), into: &actions)
            }
        }
    }
}
