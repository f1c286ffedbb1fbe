import GearmanProtocol
import NIOCore

extension Scheduler {
    /// CAN_DO, or CAN_DO_TIMEOUT with a time limit in milliseconds for each job of `function`.
    public mutating func canDo(_ function: String, timeout: Int64? = nil, from worker: ConnectionID) {
        peers.update(worker, adding: Peer()) { $0.abilities[function] = .some(timeout.flatMap { $0 > 0 ? min($0, Self.longestTimeout) : nil }) }
        if functions[function] == nil { functions[function] = FunctionQueue(name: function) }
        if peers[worker]?.sleeping == true { sleepers.update(function, adding: []) { $0.insert(worker) } }
    }

    public mutating func cantDo(_ function: String, from worker: ConnectionID) {
        peers.update(worker) { $0.abilities[function] = nil }
        sleepers.update(function) { $0.remove(worker) }
    }

    public mutating func resetAbilities(of worker: ConnectionID) {
        setSleeping(worker, false)
        peers.update(worker) { $0.abilities.removeAll() }
    }

    /// PRE_SLEEP: the worker sleeps until a job it can do arrives (NOOP at once if one is queued).
    public mutating func preSleep(_ worker: ConnectionID) -> [SchedulerAction] {
        if !isDraining && nextJob(for: worker, take: false) != nil {
            return [.send(Packet(.response, .noop), to: worker)]
        }
        setSleeping(worker, true)
        return []
    }

    /// GRAB_JOB, GRAB_JOB_UNIQ, GRAB_JOB_ALL: the best job for this worker, or NO_JOB.
    public mutating func grab(_ kind: GrabKind, by worker: ConnectionID) -> [SchedulerAction] {
        setSleeping(worker, false)
        guard !isDraining, let (id, queue) = nextJob(for: worker, take: true) else {
            return [.send(Packet(.response, .noJob), to: worker)]
        }
        var actions: [SchedulerAction] = []
        move(id, to: .running(by: worker), into: &actions)
        guard let job = jobs[id] else { return [.send(Packet(.response, .noJob), to: worker)] }
        let handle = handleBytes(of: id)
        let name = functions.values[queue].name
        let packet: Packet
        switch kind {
        case .plain:
            packet = Packet(.response, .jobAssign, arguments: [handle, name, job.data])
        case .unique:
            packet = Packet(.response, .jobAssignUnique, arguments: [handle, name, job.unique, job.data])
        case .all:
            packet = Packet(.response, .jobAssignAll, arguments: [handle, name, job.unique, ByteBuffer(), job.data])
        }
        actions.append(.send(packet, to: worker))
        return actions
    }

    /// WORK_DATA, WORK_WARNING, WORK_STATUS, WORK_COMPLETE, WORK_FAIL, WORK_EXCEPTION from the
    /// worker running `handle`: relayed to every waiting client; the last three end the job.
    public mutating func workUpdate(_ packet: Packet, from worker: ConnectionID) -> [SchedulerAction] {
        // Not `.flatMap(jobID(in:))`: a method reference copies the whole scheduler.
        var id: JobID?
        if let handle = packet.arguments.first { id = jobID(in: handle) }
        guard let id, let job = jobs[id], job.worker == worker else {
            // A result for a job that timed out or was cancelled meanwhile is dropped quietly.
            if let id, jobs[id] == nil { return [] }
            return [.send(Packet(.response, .error, "JOB_NOT_FOUND", "Job given in work result not found"), to: worker)]
        }
        if packet.type == .workStatus {
            let progress = (UInt32(packet.string(at: 1) ?? "") ?? 0, UInt32(packet.string(at: 2) ?? "") ?? 0)
            jobs.update(id) { $0.progress = progress }
        } else if packet.type == .workWarning && job.background {
            if let warning = Self.failureText(packet.arguments.dropFirst().first) {
                jobs.update(id) { $0.lastWarning = warning }
            }
        }
        // A loop, not a closure: a closure would capture (copy) the whole scheduler.
        var actions: [SchedulerAction] = []
        let relayed = Packet(.response, packet.type, arguments: packet.arguments)
        for client in job.clients {
            if packet.type == .workException && peers[client]?.wantsExceptions != true {
                // gearmand drops it and the client waits forever; a WORK_FAIL ends its wait.
                actions.append(.send(response(.workFail, for: id), to: client))
            } else {
                actions.append(.send(relayed, to: client))
            }
        }
        switch packet.type {
        case .workComplete: finish(id, outcome: .completed, into: &actions)
        case .workFail: failed(id, because: job.lastWarning ?? "WORK_FAIL", into: &actions)
        case .workException:
            failed(id, because: Self.failureText(packet.arguments.dropFirst().first) ?? "WORK_EXCEPTION", into: &actions)
        default: return actions
        }
        if isDraining { checkDrained(into: &actions) }
        return actions
    }

    /// NOOP to the sleeping workers that can do `function`: as many as `--worker-wakeup` says
    /// (one by default: no herd), and, while more sleep, a check after `wakeRetryMilliseconds`
    /// that wakes the next ones if the function still has queued jobs (one check per function
    /// at a time, not one per job).
    mutating func wakeSleepers(for function: String, into actions: inout [SchedulerAction]) {
        var woken = 0
        while limits.workersWokenPerJob == 0 || woken < limits.workersWokenPerJob,
              let sleeper = sleepers[function]?.first {
            setSleeping(sleeper, false)
            actions.append(.send(Packet(.response, .noop), to: sleeper))
            woken += 1
        }
        if woken > 0, sleepers[function]?.isEmpty == false, wakeChecks.insert(function).inserted {
            addDeadline(at: clock.monotonic + limits.wakeRetryMilliseconds, .wakeRetry(function), into: &actions)
        }
    }

    /// Marks a worker asleep or awake, keeping the sleepers index in step.
    mutating func setSleeping(_ worker: ConnectionID, _ sleeping: Bool) {
        guard peers[worker]?.sleeping == !sleeping, let peer = peers[worker] else { return }
        peers.update(worker) { $0.sleeping = sleeping }
        for function in peer.abilities.keys {
            if sleeping {
                sleepers.update(function, adding: []) { $0.insert(worker) }
            } else {
                sleepers.update(function) { $0.remove(worker) }
            }
        }
    }

    /// The oldest job of the highest priority among the worker's functions, and where its
    /// function's queue is.
    mutating func nextJob(for worker: ConnectionID, take: Bool) -> (JobID, Dictionary<String, FunctionQueue>.Index)? {
        guard let abilities = peers[worker]?.abilities, !abilities.isEmpty else { return nil }
        let jobs = self.jobs
        var best: (id: JobID, priority: Priority, queue: Dictionary<String, FunctionQueue>.Index)?
        for function in abilities.keys {
            guard let queue = functions.index(forKey: function) else { continue }
            // A function's best job is the front of its highest non-empty priority.
            for priority in Priority.allCases {
                if let best, priority > best.priority { break }
                guard let id = functions.values[queue].front(priority, isLive: { jobs[$0]?.isQueued ?? false }) else { continue }
                if best == nil || priority < best!.priority || id < best!.id { best = (id, priority, queue) }
                break
            }
        }
        guard let best else { return nil }
        if take { functions.values[best.queue].dropFront(best.priority) }
        return (best.id, best.queue)
    }
}
