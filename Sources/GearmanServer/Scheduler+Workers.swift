import GearmanProtocol
import NIOCore

extension Scheduler {
    /// CAN_DO, or CAN_DO_TIMEOUT with a time limit in milliseconds for each job of `function`.
    public mutating func canDo(_ function: String, timeout: Int64? = nil, from worker: ConnectionID) {
        peers[worker, default: Peer()].abilities[function] = .some(timeout.flatMap { $0 > 0 ? $0 : nil })
        if functions[function] == nil { functions[function] = FunctionQueue() }
        if peers[worker]?.sleeping == true { sleepers[function, default: []].insert(worker) }
    }

    public mutating func cantDo(_ function: String, from worker: ConnectionID) {
        peers[worker]?.abilities[function] = nil
        sleepers[function]?.remove(worker)
    }

    public mutating func resetAbilities(of worker: ConnectionID) {
        setSleeping(worker, false)
        peers[worker]?.abilities.removeAll()
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
        guard !isDraining, let handle = nextJob(for: worker, take: true), var job = jobs[handle] else {
            return [.send(Packet(.response, .noJob), to: worker)]
        }
        job.worker = worker
        if case .some(.some(let timeout)) = peers[worker]?.abilities[job.function] {
            let deadline = clock.now + timeout
            job.deadline = deadline
            addDeadline(at: deadline, .jobTimeout(handle: handle))
        }
        jobs[handle] = job
        peers[worker]?.running.insert(handle)
        functions[job.function]?.running += 1
        let name = ByteBuffer(string: job.function)
        let packet: Packet
        switch kind {
        case .plain:
            packet = Packet(.response, .jobAssign, arguments: [ByteBuffer(string: handle), name, job.data])
        case .unique:
            packet = Packet(.response, .jobAssignUnique,
                            arguments: [ByteBuffer(string: handle), name, ByteBuffer(string: job.unique), job.data])
        case .all:
            packet = Packet(.response, .jobAssignAll,
                            arguments: [ByteBuffer(string: handle), name, ByteBuffer(string: job.unique), ByteBuffer(), job.data])
        }
        return [.send(packet, to: worker)]
    }

    /// WORK_DATA, WORK_WARNING, WORK_STATUS, WORK_COMPLETE, WORK_FAIL, WORK_EXCEPTION from the
    /// worker running `handle`: relayed to every waiting client; the last three end the job.
    public mutating func workUpdate(_ packet: Packet, from worker: ConnectionID) -> [SchedulerAction] {
        let handle = packet.string(at: 0) ?? ""
        guard let job = jobs[handle], job.worker == worker else {
            // A result for a job that timed out or was cancelled meanwhile is dropped quietly.
            if jobs[handle] == nil && issued(handle) { return [] }
            return [.send(Packet(.response, .error, "JOB_NOT_FOUND", "Job given in work result not found"), to: worker)]
        }
        if packet.type == .workStatus {
            jobs[handle]?.numerator = UInt32(packet.string(at: 1) ?? "") ?? 0
            jobs[handle]?.denominator = UInt32(packet.string(at: 2) ?? "") ?? 0
        }
        let actions: [SchedulerAction] = job.clients.map { client in
            if packet.type == .workException && peers[client]?.wantsExceptions != true {
                // gearmand drops it and the client waits forever; a WORK_FAIL ends its wait.
                return .send(Packet(.response, .workFail, handle), to: client)
            }
            return .send(Packet(.response, packet.type, arguments: packet.arguments), to: client)
        }
        switch packet.type {
        case .workComplete: finish(handle, outcome: .completed)
        case .workFail, .workException: finish(handle, outcome: .failed)
        default: break
        }
        return actions
    }

    /// NOOP to one sleeping worker that can do `function` (never every sleeper).
    mutating func wakeOneSleeper(for function: String) -> [SchedulerAction] {
        guard let sleeper = sleepers[function]?.first else { return [] }
        setSleeping(sleeper, false)
        return [.send(Packet(.response, .noop), to: sleeper)]
    }

    /// Marks a worker asleep or awake, keeping the sleepers index in step.
    mutating func setSleeping(_ worker: ConnectionID, _ sleeping: Bool) {
        guard let peer = peers[worker], peer.sleeping != sleeping else { return }
        peers[worker]?.sleeping = sleeping
        for function in peer.abilities.keys {
            if sleeping {
                sleepers[function, default: []].insert(worker)
            } else {
                sleepers[function]?.remove(worker)
            }
        }
    }

    /// The oldest job of the highest priority among the worker's functions.
    mutating func nextJob(for worker: ConnectionID, take: Bool) -> String? {
        guard let abilities = peers[worker]?.abilities, !abilities.isEmpty else { return nil }
        let jobs = self.jobs
        for priority in Priority.allCases {
            var best: (function: String, handle: String, sequence: UInt64)?
            for function in abilities.keys {
                guard let handle = functions[function]?.front(priority, isLive: { jobs[$0]?.isQueued ?? false }),
                      let sequence = jobs[handle]?.sequence else { continue }
                if best == nil || sequence < best!.sequence { best = (function, handle, sequence) }
            }
            if let best {
                if take { functions[best.function]?.removeFront(priority) }
                return best.handle
            }
        }
        return nil
    }
}
