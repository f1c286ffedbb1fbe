import NIOCore
import Synchronization

/// What the connections of one phase share, on whichever threads they run: the jobs done so
/// far, the one stop (target reached, time up, or failure), and the latency samples.
final class RunTally: Sendable {
    enum Outcome: Equatable, Sendable {
        case targetReached
        case timeUp
        case failed(String)
    }

    /// How the phase ended, with how many jobs, at what time (nanoseconds, monotonic).
    struct Stop: Equatable, Sendable {
        let outcome: Outcome
        let jobs: Int
        let at: UInt64
    }

    /// Jobs to count before stopping; nil: only time or a failure stops.
    let target: Int?
    private let done = Atomic<Int>(0)
    private let recorded = Mutex<Stop?>(nil)
    private let collected = Mutex<[UInt64]>([])
    private let promise: EventLoopPromise<Stop>

    init(target: Int?, eventLoop: any EventLoop) {
        self.target = target
        promise = eventLoop.makePromise()
    }

    /// Succeeds once, when the phase stops.
    var stopped: EventLoopFuture<Stop> { promise.futureResult }

    /// How the phase stopped, if it has.
    var stop: Stop? { recorded.withLock { $0 } }

    /// Counts a job; the one that reaches the target stops the phase.
    func jobDone(now: UInt64) {
        let count = done.wrappingAdd(1, ordering: .relaxed).newValue
        if count == target { finish(.targetReached, jobs: count, now: now) }
    }

    func timeUp() {
        finish(.timeUp, jobs: done.load(ordering: .relaxed), now: Self.now())
    }

    /// Stops the phase for `message`, unless it has stopped already.
    func fail(_ message: String) {
        finish(.failed(message), jobs: done.load(ordering: .relaxed), now: Self.now())
    }

    /// Keeps a connection's latency samples (nanoseconds) for the report.
    func add(samples: [UInt64]) {
        collected.withLock { $0 += samples }
    }

    var samples: [UInt64] { collected.withLock { $0 } }

    /// Nanoseconds on the monotonic clock, the time base of every stop and latency.
    static func now() -> UInt64 { NIODeadline.now().uptimeNanoseconds }

    private func finish(_ outcome: Outcome, jobs: Int, now: UInt64) {
        let first = recorded.withLock { stop in
            guard stop == nil else { return false }
            stop = Stop(outcome: outcome, jobs: jobs, at: now)
            return true
        }
        if first { promise.succeed(Stop(outcome: outcome, jobs: jobs, at: now)) }
    }
}
