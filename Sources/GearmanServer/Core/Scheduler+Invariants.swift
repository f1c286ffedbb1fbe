extension Scheduler {
    /// Everything that must hold between events, checked against a recount from the jobs
    /// themselves: per-function counters, the workers' running sets, the clients' waits, the
    /// sleepers index, the coalescing index and the memory count. Empty when all is well.
    /// The fuzz target and the randomized tests call it after every event; it is O(jobs).
    func invariantViolations() -> [String] {
        var problems: [String] = []
        // Every time limit and wake-up check has a wake-up announced at or before it. (Epoch
        // times are left out: a step of the wall clock moves them against the announcement.)
        if let next = deadlines.min?.at, (wakeUpAnnounced ?? .max) > next {
            problems.append("a deadline at \(next) but the wake-up announced is \(wakeUpAnnounced.map(String.init) ?? "none")")
        }
        var queued: [String: [Int]] = [:]
        var running: [String: Int] = [:], scheduled: [String: Int] = [:], committing: [String: Int] = [:]
        var held = 0
        for job in jobs.all {
            held += job.heldBytes
            if functions[job.function] == nil { problems.append("job \(job.id.number) has no function \(job.function)") }
            switch job.phase {
            case .committing:
                committing[job.function, default: 0] += 1
            case .scheduled:
                scheduled[job.function, default: 0] += 1
                if job.runAt == nil { problems.append("job \(job.id.number) is scheduled with no time") }
            case .queued:
                queued[job.function, default: [0, 0, 0]][job.priority.rawValue] += 1
            case .running(let worker):
                running[job.function, default: 0] += 1
                if peers[worker]?.running.contains(job.id) != true {
                    problems.append("job \(job.id.number) runs on \(worker), which does not list it")
                }
            }
            if (job.phase == .committing) != (job.awaitingCommit != nil) {
                problems.append("job \(job.id.number) is \(job.phase) but its clients awaiting the commit are \(job.awaitingCommit ?? [])")
            }
            if job.phase != .scheduled && job.phase != .committing && job.runAt != nil {
                problems.append("job \(job.id.number) is \(job.phase) with a time to run")
            }
            if job.worker == nil && job.deadline != nil { problems.append("job \(job.id.number) has a time limit but no worker") }
            for client in job.clients where peers[client]?.waitingOn.contains(job.id) != true {
                problems.append("job \(job.id.number) waits for \(client), which is gone or not waiting")
            }
        }
        if held != jobs.heldBytes { problems.append("held bytes \(jobs.heldBytes), recounted \(held)") }
        for (name, queue) in functions {
            let expected = queued[name] ?? [0, 0, 0]
            if queue.queued != expected { problems.append("\(name): queued \(queue.queued), recounted \(expected)") }
            if queue.running != running[name, default: 0] { problems.append("\(name): running \(queue.running), recounted \(running[name, default: 0])") }
            if queue.scheduled != scheduled[name, default: 0] { problems.append("\(name): scheduled \(queue.scheduled), recounted \(scheduled[name, default: 0])") }
            if queue.committing != committing[name, default: 0] { problems.append("\(name): committing \(queue.committing), recounted \(committing[name, default: 0])") }
            for (key, id) in queue.jobsByUnique {
                guard let job = jobs[id] else {
                    problems.append("\(name): unique key points at job \(id.number), which is gone")
                    continue
                }
                if job.function != name || UniqueKey(job.unique) != key { problems.append("\(name): unique key of job \(id.number) differs") }
            }
        }
        for (id, peer) in peers {
            for job in peer.running where jobs[job]?.worker != id { problems.append("\(id) lists job \(job.number), not its worker") }
            for job in peer.waitingOn where jobs[job]?.clients.contains(id) != true {
                problems.append("\(id) waits on job \(job.number), which does not list it")
            }
        }
        for (function, sleeping) in sleepers {
            for worker in sleeping where peers[worker]?.sleeping != true || peers[worker]?.abilities[function] == nil {
                problems.append("\(worker) is in the sleepers of \(function) but not asleep for it")
            }
        }
        for (id, peer) in peers where peer.sleeping {
            for function in peer.abilities.keys where sleepers[function]?.contains(id) != true {
                problems.append("\(id) sleeps but is missing from the sleepers of \(function)")
            }
        }
        problems += deadJobs.invariantViolations()
        return problems
    }
}
