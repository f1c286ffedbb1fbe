/// The jobs the server holds, by job ID: slots in one array, reused as jobs end, and an index
/// from ID to slot. A million queued jobs cost a few hundred bytes each, where a dictionary
/// of whole jobs would cost twice that in half-empty buckets.
struct JobTable {
    private var slots: [Job?] = []
    private var vacant: [UInt32] = []
    private var slotByID: [JobID: UInt32] = [:]

    /// How many jobs the table holds.
    var count: Int { slotByID.count }

    /// What the jobs held cost in memory, as `Job.heldBytes` counts it.
    private(set) var heldBytes = 0

    /// Every job held, in no particular order.
    var all: [Job] { slots.compactMap { $0 } }

    /// The job with this ID; setting nil removes it. Changes happen in place.
    subscript(id: JobID) -> Job? {
        get { slotByID[id].flatMap { slots[Int($0)] } }
        _modify {
            if let slot = slotByID[id] {
                var job = slots[Int(slot)].take()
                let before = job?.heldBytes ?? 0
                defer {
                    heldBytes -= before
                    if let job {
                        heldBytes += job.heldBytes
                        slots[Int(slot)] = job
                    } else {
                        release(slot, of: id)
                    }
                }
                yield &job
            } else {
                var job: Job?
                defer { if let job { insert(job) } }
                yield &job
            }
        }
    }

    /// Changes the job in place, if the table holds it. `self[id]?.x = y` does the same through
    /// the subscript's modify coroutine, whose frame is allocated on every call.
    mutating func update(_ id: JobID, _ change: (inout Job) -> Void) {
        guard let slot = slotByID[id] else { return }
        heldBytes -= slots[Int(slot)]!.heldBytes
        change(&slots[Int(slot)]!)
        heldBytes += slots[Int(slot)]!.heldBytes
    }

    mutating func insert(_ job: Job) {
        heldBytes += job.heldBytes
        if let slot = vacant.popLast() {
            slots[Int(slot)] = job
            slotByID[job.id] = slot
        } else {
            slotByID[job.id] = UInt32(slots.count)
            slots.append(job)
        }
    }

    /// Removes the job and returns it, if the table held it.
    mutating func removeValue(forKey id: JobID) -> Job? {
        guard let slot = slotByID[id] else { return nil }
        let job = slots[Int(slot)].take()
        heldBytes -= job?.heldBytes ?? 0
        release(slot, of: id)
        return job
    }

    private mutating func release(_ slot: UInt32, of id: JobID) {
        slotByID[id] = nil
        if slotByID.isEmpty && slots.count > 4096 {
            // The queue ran dry: give back what a burst grew (neither array ever shrinks itself).
            slots = []
            vacant = []
            slotByID = [:]
        } else {
            vacant.append(slot)
        }
    }
}
