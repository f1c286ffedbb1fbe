import GearmanTool
import GearmanProtocol
import Glibc
import NIOCore
import NIOPosix

/// After a run: workers complete the jobs of the run's functions still on the server (the
/// backlog `submit` or a timed run leaves, and submissions in flight at the stop), watched
/// through admin `status`, so that a run does not leave the server holding its jobs.
struct LeftoverJobs {
    let options: BenchOptions
    let server: BenchServer
    let functions: [String]

    /// Workers and grabs each for the clean-up: enough to empty a large backlog quickly.
    static let workers = 4
    static let workerDepth = 16
    /// Without a job fewer for this long, the clean-up gives up (another program's worker may hold them).
    static let stallSeconds = 10.0

    /// Removes the jobs and returns how many there were; fails if some are still there.
    func remove() throws(BenchFailure) -> Int {
        let admin: AdminConnection
        do { admin = try AdminConnection(host: options.host, port: options.port, tls: options.tls) } catch {
            throw .unreachable("cannot check for jobs left on \(server.name): \(error.message)")
        }
        // Two readings of none, 100 ms apart: a submission in flight at the stop may land in between.
        var left = try count(admin)
        if left == 0 {
            usleep(100_000)
            left = try count(admin)
            if left == 0 { return 0 }
        }
        let found = left
        var lastProgress = RunTally.now()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { try? group.syncShutdownGracefully() }
        let phase = BenchPhase(group: group, server: server, target: nil)
        try phase.connect(Array(repeating: WorkerState(functions: functions, depth: Self.workerDepth), count: Self.workers),
                          counted: false)
        try phase.run { () throws(BenchFailure) -> Bool in
            let now = try count(admin)
            if now < left { lastProgress = RunTally.now() }
            left = now
            return left == 0 || Double(RunTally.now() - lastProgress) / 1e9 > Self.stallSeconds
        }
        if left > 0 {
            throw .runStopped("\(left) of the \(found) jobs the run left on \(server.name) are still there after"
                              + " \(Int(Self.stallSeconds)) s without progress")
        }
        return found
    }

    /// Queued and running jobs of the run's functions, from admin `status`.
    private func count(_ admin: AdminConnection) throws(BenchFailure) -> Int {
        let text: String
        do { text = try admin.run("status", listing: true) } catch {
            throw .runStopped("cannot check for jobs left on \(server.name): \(error.message)")
        }
        guard case .listing(let lines) = AdminReply(text: text, listing: true) else {
            throw .runStopped("\(server.name) refused admin status: \(text)")
        }
        return lines.compactMap(StatusRow.init(line:)).filter { functions.contains($0.function) }.reduce(0) { $0 + $1.total }
    }
}
