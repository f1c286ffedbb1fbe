import GearmanProtocol

/// An rtt client: one foreground SUBMIT_JOB at a time, the next sent as soon as WORK_COMPLETE
/// arrives; each job's latency runs from its SUBMIT_JOB to its WORK_COMPLETE.
struct RoundTripClientState: ConnectionRole {
    static let name = "client"
    private var jobs: JobSource
    /// When the job in flight was sent, if one is.
    private(set) var sentAt: UInt64?

    init(jobs: JobSource) {
        self.jobs = jobs
    }

    mutating func start(now: UInt64) -> [Packet] {
        submit(now: now)
    }

    mutating func receive(_ packet: Packet, now: UInt64) -> RoleAction {
        guard let sentAt else { return .unexpected(packet, in: Self.self) }
        switch packet.type {
        case .jobCreated, .workData, .workWarning, .workStatus:
            return .send([])
        case .workComplete:
            self.sentAt = nil
            return .jobDone(latency: now - sentAt, send: submit(now: now))
        case .workFail:
            return .fail("a job failed (WORK_FAIL)")
        case .workException:
            return .fail("a job failed (WORK_EXCEPTION: \(packet.string(at: 1) ?? ""))")
        default:
            return .unexpected(packet, in: Self.self)
        }
    }

    private mutating func submit(now: UInt64) -> [Packet] {
        guard let job = jobs.next() else { return [] }
        sentAt = now
        return [job]
    }
}
