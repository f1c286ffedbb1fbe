import GearmanProtocol
import NIOCore
import XCTest
@testable import GearmanServer

/// Seeded random sequences of everything the scheduler hears: connections coming and going,
/// abilities, sleep and grabs, submissions of every kind, work results for real and unknown
/// handles, status queries, admin cancels and drops, time passing and queue-store commits.
/// After every event the scheduler's own invariant check must find nothing, and no action may
/// address a connection that is not connected. A failure names the seed, the store mode and
/// the event, so that it replays exactly.
final class SchedulerRandomEventsTests: XCTestCase {
    private static let seeds: [UInt64] = Array(1...20)
    private static let eventsPerRun = 2000

    func testRandomEventsKeepTheSchedulerInvariants() {
        for seed in Self.seeds {
            for stores in [false, true] {
                var replay = RandomReplay(seed: seed, storesBackgroundJobs: stores)
                for n in 0..<Self.eventsPerRun {
                    let event = replay.nextEvent()
                    _ = replay.apply(event)
                    let violations = replay.scheduler.invariantViolations()
                    if !violations.isEmpty {
                        XCTAssertEqual(violations, [], "seed \(seed) stores \(stores) event \(n): \(event)")
                        return
                    }
                }
            }
        }
    }

    func testRandomEventsAddressOnlyConnectedConnections() {
        for seed in Self.seeds {
            for stores in [false, true] {
                var replay = RandomReplay(seed: seed, storesBackgroundJobs: stores)
                for n in 0..<Self.eventsPerRun {
                    let event = replay.nextEvent()
                    let actions = replay.apply(event)
                    let strays = actions.filter { $0.target.map { !replay.connected.contains($0) } ?? false }
                    if !strays.isEmpty {
                        XCTAssertEqual(strays.map(\.summary), [],
                                       "seed \(seed) stores \(stores) event \(n): \(event) addressed connections not connected "
                                       + "(connected: \(replay.connected.sorted { $0.value < $1.value }))")
                        return
                    }
                }
            }
        }
    }

    // MARK: The cases the replay found, each reduced to its few events

    private let client = ConnectionID(1)
    private let worker = ConnectionID(2)

    /// Found by seed 1 (no store), event 452, before the invariant check allowed it: a foreground
    /// submission (SUBMIT_REDUCE_JOB there) whose unique key a queued background job holds joins
    /// that job as its client, as in gearmand, and gets its result.
    func testAForegroundSubmissionJoiningABackgroundJobGetsItsResult() {
        var scheduler = Scheduler(handlePrefix: "H:r", clock: TestClock())
        scheduler.connect(client)
        scheduler.connect(worker)
        _ = scheduler.receive(request(.submitJobBackground, "f", "k", "x"), from: client)
        XCTAssertEqual(scheduler.invariantViolations(), [])
        XCTAssertEqual(scheduler.receive(request(.submitReduceJob, "f", "k", "reducer", "", "y"), from: client),
                       [.send(Packet(.response, .jobCreated, "H:r:1"), to: client)])
        XCTAssertEqual(scheduler.invariantViolations(), [])
        _ = scheduler.receive(request(.canDo, "f"), from: worker)
        XCTAssertEqual(scheduler.receive(request(.grabJob), from: worker),
                       [.send(Packet(.response, .jobAssign, "H:r:1", "f", "x"), to: worker)])
        XCTAssertEqual(scheduler.receive(request(.workComplete, "H:r:1", "done"), from: worker),
                       [.send(Packet(.response, .workComplete, "H:r:1", "done"), to: client)])
        XCTAssertEqual(scheduler.invariantViolations(), [])
        XCTAssertEqual(scheduler.peers[client]?.waitingOn, [])
    }

    /// Found by seed 1 (store), event 48: `drop function` while a background job of the function
    /// waits for its queue-store commit drops the function but leaves the job.
    func testDroppingAFunctionWithAJobAwaitingItsCommitKeepsTheInvariants() {
        var scheduler = Scheduler(handlePrefix: "H:r", storesBackgroundJobs: true, clock: TestClock())
        scheduler.connect(client)
        XCTAssertEqual(scheduler.receive(request(.submitJobBackground, "f", "k", "x"), from: client).acknowledging, [JobID(number: 1)])
        _ = scheduler.dropFunction("f")
        XCTAssertEqual(scheduler.invariantViolations(), [], "after drop function")
        _ = scheduler.committed([JobID(number: 1)])
        XCTAssertEqual(scheduler.invariantViolations(), [], "after the commit")
    }

    /// Found by seed 1 (no store), event 111: a connection that runs its own foreground job and
    /// closes, with `jobRetries` used up, is sent the job's WORK_FAIL after it is gone.
    func testAConnectionThatClosesIsNotSentItsOwnJobsWorkFail() {
        var scheduler = Scheduler(handlePrefix: "H:r", jobRetries: 1, clock: TestClock())
        scheduler.connect(client)
        _ = scheduler.receive(request(.canDo, "f"), from: client)
        _ = scheduler.receive(request(.submitJob, "f", "", "x"), from: client)
        XCTAssertEqual(scheduler.receive(request(.grabJob), from: client).first?.target, client)
        XCTAssertEqual(scheduler.disconnect(client).filter { $0.target == client }.map(\.summary), [])
        XCTAssertEqual(scheduler.invariantViolations(), [])
        XCTAssertEqual(scheduler.jobs.count, 0)
    }

    /// Found by the store runs (e.g. seed 1, store): a client that closes while its background
    /// job waits for the commit is sent JOB_CREATED (or, on a failed commit, ERROR) after it is gone.
    func testAClientThatClosesDuringItsCommitIsNotAnsweredAfterwards() {
        for succeeds in [true, false] {
            var scheduler = Scheduler(handlePrefix: "H:r", storesBackgroundJobs: true, clock: TestClock())
            scheduler.connect(client)
            scheduler.connect(worker)
            let ids = scheduler.receive(request(.submitJobBackground, "f", "k", "x"), from: client).acknowledging
            XCTAssertEqual(scheduler.disconnect(client), [])
            let actions = succeeds ? scheduler.committed(ids) : scheduler.commitFailed(ids, reason: "disk full")
            XCTAssertEqual(actions.filter { $0.target == client }.map(\.summary), [], succeeds ? "committed" : "commit failed")
            XCTAssertEqual(scheduler.invariantViolations(), [])
        }
    }

    /// The generator itself: the same seed gives the same numbers, so a failure replays.
    func testSplitMix64IsDeterministicAndSpreads() {
        var a = SplitMix64(seed: 7), b = SplitMix64(seed: 7), c = SplitMix64(seed: 8)
        let first = (0..<16).map { _ in a.next() }
        XCTAssertEqual(first, (0..<16).map { _ in b.next() })
        XCTAssertNotEqual(first, (0..<16).map { _ in c.next() })
        XCTAssertEqual(Set(first).count, 16)
        // The reference output of SplitMix64 seeded with 0 (Vigna's splitmix64.c).
        var zero = SplitMix64(seed: 0)
        XCTAssertEqual(zero.next(), 0xE220_A839_7B1D_CDAF)
    }
}

/// One thing that happens to the scheduler.
enum RandomEvent: CustomStringConvertible {
    case connect(ConnectionID)
    case disconnect(ConnectionID)
    case packet(Packet, from: ConnectionID)
    case cancel(String)
    case dropFunction(String)
    case createFunction(String)
    case maxQueue(String, high: Int, normal: Int, low: Int)
    case advance(milliseconds: Int64)
    case committed([JobID])
    case commitFailed([JobID])
    case retryDeadJob(String)
    case retryDeadJobs(String)
    case dropDeadJobs(String)
    case setRetries(String, Int?)

    var description: String {
        switch self {
        case .connect(let id): "connect \(id)"
        case .disconnect(let id): "disconnect \(id)"
        case .packet(let packet, let from):
            "\(packet.type) [\(packet.arguments.map { "\"\(String(buffer: $0))\"" }.joined(separator: ", "))] from \(from)"
        case .cancel(let handle): "cancel \(handle)"
        case .dropFunction(let name): "drop function \(name)"
        case .createFunction(let name): "create function \(name)"
        case .maxQueue(let name, let high, let normal, let low): "maxqueue \(name) \(high) \(normal) \(low)"
        case .advance(let milliseconds): "advance \(milliseconds) ms, deadlinesPassed"
        case .retryDeadJob(let handle): "retry dead job \(handle)"
        case .retryDeadJobs(let name): "retry dead jobs \(name)"
        case .dropDeadJobs(let name): "drop dead jobs \(name)"
        case .setRetries(let name, let count): "retries \(name) \(count.map(String.init) ?? "default")"
        case .committed(let ids): "committed \(ids.map(\.number))"
        case .commitFailed(let ids): "commitFailed \(ids.map(\.number))"
        }
    }
}

extension SchedulerAction {
    /// The connection a packet goes to; nil for a log report.
    var target: ConnectionID? {
        switch self {
        case .send(_, let to): to
        case .report, .persist, .wakeUp, .drained: nil
        }
    }

    var summary: String {
        switch self {
        case .send(let packet, let to): "\(packet.type) to \(to)"
        case .report(let failure): "report \(failure.handle)"
        case .persist(let change, let acknowledging): "persist \(change)\(acknowledging.map { " acknowledging \($0.number)" } ?? "")"
        case .wakeUp(let milliseconds): "wake up in \(milliseconds) ms"
        case .drained: "drained"
        }
    }
}

/// A scheduler under a test clock, the random source, and what the test knows of the world:
/// who is connected, the handles seen, what each worker was handed, the commits pending.
struct RandomReplay {
    private(set) var scheduler: Scheduler
    private let clock = TestClock()
    private var random: SplitMix64
    private let stores: Bool
    private let connections = (1...6).map { ConnectionID(UInt64($0)) }
    private(set) var connected: Set<ConnectionID> = []
    private var handles: [String] = []
    private var assigned: [ConnectionID: [String]] = [:]
    private var pendingCommits: [JobID] = []

    private static let prefix = "H:r"
    private static let functions = ["f", "g", "h"]
    private static let uniqueKeys = ["", "", "", "a", "b", "c", "-"]
    private static let workloads = ["x", "y", "", "a"]
    private static let unknownHandles = ["H:r:999999", "H:r:0", "H:r:01", "bogus", "H:r:18446744073709551616", "", "H:r:"]
    private static let submitTypes: [PacketType] = [
        .submitJob, .submitJobHigh, .submitJobLow, .submitJobBackground, .submitJobHighBackground,
        .submitJobLowBackground, .submitReduceJob, .submitReduceJobBackground, .submitJobEpoch,
    ]

    init(seed: UInt64, storesBackgroundJobs: Bool) {
        random = SplitMix64(seed: seed &* 0x1000 &+ (storesBackgroundJobs ? 1 : 0))
        stores = storesBackgroundJobs
        var limits = SchedulerLimits()
        limits.workersWokenPerJob = Int(seed % 3)
        limits.wakeRetryMilliseconds = 100
        if seed % 4 == 0 { limits.queueBytes = 6000 }  // a bound that is reached, so QUEUE_ERROR happens
        var retryPolicy = RetryPolicy()
        retryPolicy.retries = Int(seed % 3)
        retryPolicy.backoffMilliseconds = 100
        retryPolicy.backoffMaxMilliseconds = 400
        retryPolicy.deadJobs = Int(seed % 4)  // small lists, so that the oldest are pushed out
        scheduler = Scheduler(handlePrefix: Self.prefix, jobRetries: Int(seed % 3), exceptionsByDefault: seed % 2 == 1,
                              storesBackgroundJobs: storesBackgroundJobs, limits: limits, retryPolicy: retryPolicy,
                              randomSeed: seed, clock: clock)
    }

    private mutating func pick<T>(_ choices: [T]) -> T {
        choices.randomElement(using: &random)!
    }

    private mutating func chance(_ percent: Int) -> Bool {
        Int.random(in: 0..<100, using: &random) < percent
    }

    /// A handle to send in a work result or query: most often one this worker was handed,
    /// else one seen anywhere, else one this server never gave out.
    private mutating func handle(for worker: ConnectionID) -> String {
        if let mine = assigned[worker], !mine.isEmpty, chance(70) { return pick(mine) }
        if !handles.isEmpty, chance(80) { return pick(handles) }
        return pick(Self.unknownHandles)
    }

    mutating func nextEvent() -> RandomEvent {
        let offline = connections.filter { !connected.contains($0) }
        if connected.isEmpty || (!offline.isEmpty && chance(4)) { return .connect(pick(offline)) }
        let online = connections.filter { connected.contains($0) }
        let from = pick(online)
        let function = pick(Self.functions)
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<3: return .disconnect(from)
        case 3..<9: return .packet(request(.canDo, function), from: from)
        case 9..<12:
            return .packet(request(.canDoTimeout, function, pick(["0", "1", "500", "1000", "2500", "-1", "x"])), from: from)
        case 12..<14: return .packet(request(.cantDo, function), from: from)
        case 14..<15: return .packet(request(.resetAbilities), from: from)
        case 15..<21: return .packet(request(.preSleep), from: from)
        case 21..<32: return .packet(request(pick([.grabJob, .grabJobUnique, .grabJobAll])), from: from)
        case 32..<52: return .packet(submission(function), from: from)
        case 52..<68:
            let handle = handle(for: from)
            switch Int.random(in: 0..<7, using: &random) {
            case 0: return .packet(request(.workData, handle, "d"), from: from)
            case 1: return .packet(request(.workWarning, handle, "w"), from: from)
            case 2: return .packet(request(.workStatus, handle, pick(["1", "-1", "99999999999"]), pick(["2", "0", "x"])), from: from)
            case 3, 4: return .packet(request(.workComplete, handle, "done"), from: from)
            case 5: return .packet(request(.workFail, handle), from: from)
            default: return .packet(request(.workException, handle, "boom"), from: from)
            }
        case 68..<72:
            if chance(50) { return .packet(request(.getStatus, handle(for: from)), from: from) }
            return .packet(request(.getStatusUnique, pick(Self.uniqueKeys)), from: from)
        case 72..<73: return .packet(request(.optionRequest, pick(["exceptions", "nonsense"])), from: from)
        case 73..<76: return .cancel(handle(for: from))
        case 76..<78: return .dropFunction(function)
        case 78..<79:
            switch Int.random(in: 0..<6, using: &random) {
            case 0: return .createFunction(function)
            case 1: return .retryDeadJob(handle(for: from))
            case 2: return .retryDeadJobs(function)
            case 3: return .dropDeadJobs(function)
            case 4: return .setRetries(function, pick([nil, 0, 1, 3]))
            default: return .retryDeadJob(scheduler.deadJobSummaries().first?.handle ?? handle(for: from))
            }
        case 79..<80:
            // Mostly no limit, so that a low limit does not stay and refuse most submissions.
            return .maxQueue(function, high: pick([0, 0, 0, 2, 5]), normal: pick([0, 0, 0, 2, 5]), low: pick([0, 0, 0, 2, 5]))
        case 80..<90: return .advance(milliseconds: pick([0, 1, 50, 100, 250, 999, 1000, 1500]))
        default:
            guard stores else { return .advance(milliseconds: pick([1, 100])) }
            if pendingCommits.isEmpty || chance(30) { return .advance(milliseconds: pick([0, 1])) }
            var chosen: [JobID] = []
            for _ in 0..<Int.random(in: 1...3, using: &random) where !pendingCommits.isEmpty {
                chosen.append(pendingCommits.remove(at: Int.random(in: 0..<pendingCommits.count, using: &random)))
            }
            // Late, repeated or unknown acks: the jobs of handles seen, or numbers never handed out.
            if chance(10) {
                let seen = handles.compactMap { $0.split(separator: ":").last.flatMap { UInt64($0) } }
                chosen.append(JobID(number: pick(seen + [999_999, UInt64.max])))
            }
            return chance(80) ? .committed(chosen) : .commitFailed(chosen)
        }
    }

    private mutating func submission(_ function: String) -> Packet {
        let type = pick(Self.submitTypes)
        let unique = pick(Self.uniqueKeys)
        let data = pick(Self.workloads)
        switch type {
        case .submitJobEpoch:
            let seconds = clock.now / 1000 + Int64.random(in: -2...4, using: &random)
            return request(type, function, unique, String(seconds), data)
        case .submitReduceJob, .submitReduceJobBackground:
            return request(type, function, unique, "reducer", "", data)
        default:
            return request(type, function, unique, data)
        }
    }

    /// Hands the event to the scheduler, notes what the test must know of its answer.
    mutating func apply(_ event: RandomEvent) -> [SchedulerAction] {
        let actions: [SchedulerAction]
        switch event {
        case .connect(let id):
            connected.insert(id)
            scheduler.connect(id)
            actions = []
        case .disconnect(let id):
            connected.remove(id)
            assigned[id] = nil
            actions = scheduler.disconnect(id)
        case .packet(let packet, let from):
            actions = scheduler.receive(packet, from: from)
        case .cancel(let handle):
            actions = scheduler.cancel(handle) ?? []
        case .dropFunction(let name):
            actions = scheduler.dropFunction(name).1
        case .createFunction(let name):
            scheduler.createFunction(name)
            actions = []
        case .maxQueue(let name, let high, let normal, let low):
            scheduler.setMaxQueue(name, high: high, normal: normal, low: low)
            actions = []
        case .advance(let milliseconds):
            clock.advance(byMilliseconds: milliseconds)
            actions = scheduler.deadlinesPassed()
        case .committed(let ids):
            actions = scheduler.committed(ids)
        case .commitFailed(let ids):
            actions = scheduler.commitFailed(ids, reason: "disk full")
        case .retryDeadJob(let handle):
            actions = scheduler.retryDeadJob(handle) ?? []
        case .retryDeadJobs(let name):
            actions = scheduler.retryDeadJobs(of: name).actions
        case .dropDeadJobs(let name):
            actions = scheduler.dropDeadJobs(of: name).actions
        case .setRetries(let name, let count):
            scheduler.setRetries(count, for: name)
            actions = []
        }
        pendingCommits += actions.acknowledging
        for case .send(let packet, let to) in actions {
            switch packet.type {
            case .jobCreated:
                if let handle = packet.string(at: 0), !handles.contains(handle) { handles.append(handle) }
            case .jobAssign, .jobAssignUnique, .jobAssignAll:
                if let handle = packet.string(at: 0) { assigned[to, default: []].append(handle) }
            default:
                break
            }
        }
        if handles.count > 64 { handles.removeFirst(handles.count - 64) }
        return actions
    }
}
