import Benchmark
import GearmanProtocol
import GearmanServer
import NIOCore

/// The scheduler's events for whole jobs, without sockets: 1,000 jobs per iteration.
let benchmarks: @Sendable () -> Void = {
    // One iteration is the whole batch of 1,000; the figures are per batch.
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput])

    let client = ConnectionID(1)
    let worker = ConnectionID(2)
    let workload = ByteBuffer(repeating: UInt8(ascii: "x"), count: 100)
    let submissions = (0..<1000).map { index in
        Packet(.request, .submitJobBackground,
               arguments: [ByteBuffer(string: "bench0"), ByteBuffer(string: "unique-\(index)"), workload])
    }
    let foreground = (0..<1000).map { index in
        Packet(.request, .submitJob,
               arguments: [ByteBuffer(string: "bench0"), ByteBuffer(string: "unique-\(index)"), workload])
    }
    let grab = Packet(.request, .grabJobUnique)

    /// A scheduler with one client and one worker that can do bench0.
    func scheduler() -> Scheduler {
        var scheduler = Scheduler(handlePrefix: "H:bench")
        scheduler.connect(client)
        scheduler.connect(worker)
        _ = scheduler.receive(Packet(.request, .canDo, "bench0"), from: worker)
        return scheduler
    }

    /// The job handle of a JOB_ASSIGN(_UNIQ) among `actions`.
    func assignedHandle(_ actions: [SchedulerAction]) -> ByteBuffer? {
        for case .send(let packet, _) in actions where packet.type == .jobAssignUnique { return packet.arguments[0] }
        return nil
    }

    Benchmark("Submit 1,000 background jobs") { benchmark in
        for _ in benchmark.scaledIterations {
            var server = scheduler()
            for packet in submissions { blackHole(server.receive(packet, from: client)) }
        }
    }

    Benchmark("Submit, grab and complete 1,000 background jobs") { benchmark in
        for _ in benchmark.scaledIterations {
            var server = scheduler()
            for packet in submissions { _ = server.receive(packet, from: client) }
            while let handle = assignedHandle(server.receive(grab, from: worker)) {
                blackHole(server.receive(Packet(.request, .workComplete, arguments: [handle, workload]), from: worker))
            }
        }
    }

    Benchmark("1,000 foreground jobs, submit to WORK_COMPLETE") { benchmark in
        for _ in benchmark.scaledIterations {
            var server = scheduler()
            for packet in foreground {
                blackHole(server.receive(packet, from: client))
                if let handle = assignedHandle(server.receive(grab, from: worker)) {
                    blackHole(server.receive(Packet(.request, .workComplete, arguments: [handle, workload]), from: worker))
                }
            }
        }
    }
}
