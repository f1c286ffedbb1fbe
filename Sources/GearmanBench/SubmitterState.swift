import GearmanProtocol

/// A connection that submits background jobs: `depth` SUBMIT_JOB_BGs in flight, a new one on
/// each JOB_CREATED, until its share of the jobs is created.
struct SubmitterState: ConnectionRole {
    static let name = "submitter"
    private var jobs: JobSource
    private let depth: Int
    private(set) var inFlight = 0

    init(jobs: JobSource, depth: Int) {
        self.jobs = jobs
        self.depth = depth
    }

    mutating func start(now: UInt64) -> [Packet] {
        var packets: [Packet] = []
        while inFlight < depth, let job = jobs.next() {
            packets.append(job)
            inFlight += 1
        }
        return packets
    }

    mutating func receive(_ packet: Packet, now: UInt64) -> RoleAction {
        guard packet.type == .jobCreated, inFlight > 0 else { return .unexpected(packet, in: Self.self) }
        inFlight -= 1
        guard let job = jobs.next() else { return .jobDone(latency: nil, send: []) }
        inFlight += 1
        return .jobDone(latency: nil, send: [job])
    }
}
