import DequeModule

/// The jobs that failed for good, oldest death first, bounded in count and bytes: a new one
/// pushes out the oldest. One entry per function and unique key (the store's key), so a
/// job that dies again replaces its earlier death.
struct DeadJobList {
    private var byID: [JobID: DeadJob] = [:]
    private var idByKey: [StoreKey: JobID] = [:]
    /// IDs in order of death; IDs removed meanwhile are skipped (O(1) removal).
    private var order = Deque<JobID>()
    private(set) var countByFunction: [String: Int] = [:]
    private(set) var heldBytes = 0
    /// Jobs pushed out by the bounds since start-up.
    private(set) var evicted = 0
    let maximumCount: Int
    let maximumBytes: Int

    init(maximumCount: Int, maximumBytes: Int) {
        self.maximumCount = maximumCount
        self.maximumBytes = maximumBytes
    }

    var count: Int { byID.count }

    subscript(id: JobID) -> DeadJob? { byID[id] }

    /// Every dead job, oldest death first.
    var all: [DeadJob] { order.compactMap { byID[$0] } }

    /// Adds a job; returns the jobs it pushed out (an earlier death with its key, the oldest
    /// beyond the bounds; the job itself when the list keeps none or it alone is too big).
    mutating func add(_ job: DeadJob) -> [DeadJob] {
        var removed: [DeadJob] = []
        if let earlier = idByKey[job.key], let gone = remove(earlier) { removed.append(gone) }
        guard maximumCount > 0, job.heldBytes <= maximumBytes else {
            evicted += 1
            return removed + [job]
        }
        byID[job.id] = job
        idByKey[job.key] = job.id
        order.append(job.id)
        countByFunction[job.function, default: 0] += 1
        heldBytes += job.heldBytes
        while byID.count > maximumCount || heldBytes > maximumBytes, let oldest = order.first {
            if let gone = remove(oldest) {
                evicted += 1
                removed.append(gone)
            } else {
                order.removeFirst()
            }
        }
        return removed
    }

    /// Takes a job off the list.
    @discardableResult
    mutating func remove(_ id: JobID) -> DeadJob? {
        guard let job = byID.removeValue(forKey: id) else { return nil }
        idByKey[job.key] = nil
        countByFunction[job.function, default: 1] -= 1
        if countByFunction[job.function] == 0 { countByFunction[job.function] = nil }
        heldBytes -= job.heldBytes
        while let first = order.first, byID[first] == nil { order.removeFirst() }
        return job
    }

    /// Takes every job of `function` off the list, oldest first.
    mutating func remove(function: String) -> [DeadJob] {
        let doomed = all.filter { $0.function == function }
        return doomed.compactMap { remove($0.id) }
    }

    /// Problems with the list's own counts, for `Scheduler.invariantViolations()`.
    func invariantViolations() -> [String] {
        var problems: [String] = []
        var counts: [String: Int] = [:]
        var bytes = 0
        for job in byID.values {
            counts[job.function, default: 0] += 1
            bytes += job.heldBytes
            if idByKey[job.key] != job.id { problems.append("dead job \(job.id.number) is missing from the key index") }
        }
        if counts != countByFunction { problems.append("dead counts \(countByFunction), recounted \(counts)") }
        if bytes != heldBytes { problems.append("dead bytes \(heldBytes), recounted \(bytes)") }
        if idByKey.count != byID.count { problems.append("dead key index has \(idByKey.count) entries for \(byID.count) jobs") }
        if Set(order).count < byID.count || !byID.keys.allSatisfy(Set(order).contains) {
            problems.append("dead order misses jobs")
        }
        return problems
    }
}
