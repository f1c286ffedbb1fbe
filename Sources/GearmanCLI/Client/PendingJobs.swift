import GearmanKit

/// Which jobs of a batch are still unanswered and whether the job server took them, so that
/// a timeout names what it waited for: the job server, or a worker of the job's function.
struct PendingJobs {
    private var requests: [JobRequest] = []
    private var created: [Bool] = []
    private var settled: [Bool] = []

    mutating func begin(_ requests: [JobRequest]) {
        self.requests = requests
        created = Array(repeating: false, count: requests.count)
        settled = created
    }

    mutating func record(_ event: TaskEvent, of index: Int) {
        if case .created = event { created[index] = true }
        if event.settles(background: requests[index].background) { settled[index] = true }
    }

    /// What timed out, with libgearman's code word: `timed out after 1000 ms waiting for a worker
    /// of function 'resize' (GEARMAN_TIMEOUT); job server gm1:4730 accepted the job`.
    func timeoutMessage(after limit: String, servers: String) -> String {
        let unanswered = requests.indices.filter { !settled[$0] }
        guard !unanswered.isEmpty, unanswered.allSatisfy({ created[$0] }) else {
            return "timed out after \(limit) waiting for job server \(servers) (GEARMAN_TIMEOUT)"
        }
        var functions: [String] = []
        for index in unanswered where !functions.contains(requests[index].function) { functions.append(requests[index].function) }
        let named = functions.map { "'\($0)'" }.joined(separator: ", ")
        return "timed out after \(limit) waiting for a worker of function\(functions.count == 1 ? "" : "s") \(named)"
            + " (GEARMAN_TIMEOUT); job server \(servers) accepted the job\(unanswered.count == 1 ? "" : "s")"
    }
}
