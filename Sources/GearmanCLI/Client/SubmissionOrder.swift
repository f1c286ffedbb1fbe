/// Which job of a batch is printed now: the first one not yet settled. Events of later
/// jobs wait until every job before them has settled, so output follows input order.
struct SubmissionOrder<Event> {
    /// The job whose events are printed as they come.
    private(set) var head = 0
    private var waiting: [Int: [Event]] = [:]
    private var settled: Set<Int> = []

    /// Takes job `index`'s event; returns the events that may be printed now, in order.
    mutating func add(_ event: Event, of index: Int, settles: Bool) -> [Event] {
        var ready: [Event] = []
        if index < head { return [event] }  // its job already settled: nothing waits on it
        if index == head {
            ready.append(event)
        } else {
            waiting[index, default: []].append(event)
        }
        if settles { settled.insert(index) }
        while settled.contains(head) {
            settled.remove(head)
            head += 1
            ready += waiting.removeValue(forKey: head) ?? []
        }
        return ready
    }

    /// The events still waiting (of jobs that never settled), in job order; starts a new batch.
    mutating func finish() -> [Event] {
        let rest = waiting.keys.sorted().flatMap { waiting[$0]! }
        self = SubmissionOrder()
        return rest
    }
}
