import GearmanProtocol
import NIOCore
import NIOPosix

/// Runs one scenario against a server on one event loop group and reports what it measured.
struct BenchRunner {
    let options: BenchOptions
    let server: BenchServer

    func run() throws(BenchFailure) -> BenchResult {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: options.threads)
        defer { try? group.syncShutdownGracefully() }
        let measured: BenchPhase.Measurement
        switch options.scenario {
        case .submit:
            measured = try phase(on: group, seconds: options.seconds) { phase throws(BenchFailure) in
                try phase.connect(submitters(), counted: true)
            }
        case .drain:
            _ = try phase(on: group, seconds: nil) { phase throws(BenchFailure) in
                try phase.connect(submitters(), counted: true)
            }
            measured = try phase(on: group, seconds: options.seconds) { phase throws(BenchFailure) in
                try phase.connect(workers(), counted: true)
            }
        case .e2e:
            measured = try phase(on: group, seconds: options.seconds) { phase throws(BenchFailure) in
                try phase.connect(workers(), counted: true)
                try phase.connect(submitters(), counted: false)
            }
        case .rtt:
            measured = try phase(on: group, seconds: options.seconds) { phase throws(BenchFailure) in
                try phase.connect(workers(), counted: false)
                try phase.connect(roundTripClients(), counted: true)
            }
        }
        return BenchResult(options: options, server: server.name, jobs: measured.jobs, seconds: measured.seconds,
                           latency: options.scenario == .rtt ? LatencySummary(nanoseconds: measured.samples) : nil)
    }

    /// A phase whose connections `connect` opens, run until `-n` counted jobs are done or `seconds` pass.
    private func phase(on group: any EventLoopGroup, seconds: Double?,
                       _ connect: (BenchPhase) throws(BenchFailure) -> Void) throws(BenchFailure) -> BenchPhase.Measurement {
        let phase = BenchPhase(group: group, server: server, target: options.jobs)
        try connect(phase)
        return try phase.run(seconds: seconds)
    }

    var functions: [String] { (0..<options.functions).map { "\(options.functionPrefix)\($0)" } }

    /// Each submitting connection's jobs, SUBMIT_JOB_BG or (rtt) SUBMIT_JOB, its share of `-n`.
    private func jobSources(_ type: PacketType) -> [JobSource] {
        let runID = UInt64.random(in: .min ... .max)
        let functions = self.functions
        return JobSource.quotas(jobs: options.jobs, connections: options.connections).enumerated().map { index, quota in
            JobSource(type: type, functions: functions, payload: options.payload, distinctKeys: options.unique == .distinct,
                      runID: runID, connection: index, quota: quota)
        }
    }

    private func submitters() -> [SubmitterState] {
        jobSources(.submitJobBackground).map { SubmitterState(jobs: $0, depth: options.depth) }
    }

    private func roundTripClients() -> [RoundTripClientState] {
        jobSources(.submitJob).map { RoundTripClientState(jobs: $0) }
    }

    private func workers() -> [WorkerState] {
        Array(repeating: WorkerState(functions: functions, depth: options.workerDepth), count: options.workers)
    }
}
