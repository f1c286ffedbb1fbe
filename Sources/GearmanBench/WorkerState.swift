import GearmanProtocol
import NIOCore

/// An echo worker: CAN_DO for each function, `depth` GRAB_JOB_UNIQs outstanding, each job
/// answered with WORK_COMPLETE (the workload as the result) and the next GRAB_JOB_UNIQ in one
/// write. When every grab came back NO_JOB it sends PRE_SLEEP and grabs again on NOOP, as
/// libgearman's workers do, so the server's wake-up is part of what is measured.
struct WorkerState: ConnectionRole {
    static let name = "worker"
    enum State: Equatable {
        case notStarted
        /// GRAB_JOB_UNIQs sent and not answered yet.
        case grabbing(outstanding: Int)
        /// PRE_SLEEP sent; waiting for NOOP.
        case sleeping
    }

    private let functions: [String]
    private let depth: Int
    private(set) var state = State.notStarted

    init(functions: [String], depth: Int) {
        self.functions = functions
        self.depth = depth
    }

    private var grabs: [Packet] { Array(repeating: Packet(.request, .grabJobUnique), count: depth) }

    mutating func start(now: UInt64) -> [Packet] {
        state = .grabbing(outstanding: depth)
        return functions.map { Packet(.request, .canDo, $0) } + grabs
    }

    mutating func receive(_ packet: Packet, now: UInt64) -> RoleAction {
        switch (packet.type, state) {
        case (.jobAssign, .grabbing), (.jobAssignUnique, .grabbing), (.jobAssignAll, .grabbing):
            // One grab answered, one sent: as many stay outstanding.
            guard let handle = packet.arguments.first, let workload = packet.arguments.last else {
                return .unexpected(packet, in: Self.self)
            }
            let complete = Packet(.request, .workComplete, arguments: [handle, workload])
            return .jobDone(latency: nil, send: [complete, Packet(.request, .grabJobUnique)])
        case (.noJob, .grabbing(let outstanding)):
            guard outstanding > 1 else {
                state = .sleeping
                return .send([Packet(.request, .preSleep)])
            }
            state = .grabbing(outstanding: outstanding - 1)
            return .send([])
        case (.noop, .sleeping):
            state = .grabbing(outstanding: depth)
            return .send(grabs)
        case (.noop, _):
            // A wake-up that crossed a grab already on its way: nothing to do.
            return .send([])
        default:
            return .unexpected(packet, in: Self.self)
        }
    }
}
