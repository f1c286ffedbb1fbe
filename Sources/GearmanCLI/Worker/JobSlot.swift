import GearmanKit
import GearmanTool
import Glibc

/// One of a worker's `-j` slots: its own libgearman worker (and connections), run by a
/// thread of its own. Built on the main thread, then used only by that thread.
final class JobSlot: @unchecked Sendable {
    private let worker: Worker
    private let options: ClassicOptions
    private let servers: [ServerAddress]
    private let index: Int
    /// Set by the job handler when the pool let it run a job.
    private var startedJob = false

    /// Why a slot could not be set up, and the exit status for it.
    struct SetupFailure: Error {
        let message: String
        let exitCode: ExitCode
    }

    /// Reconnection waits: from the first, doubling, up to the last.
    static let firstRetrySeconds: UInt32 = 1
    static let longestRetrySeconds: UInt32 = 10

    private init(worker: Worker, options: ClassicOptions, servers: [ServerAddress], index: Int) {
        self.worker = worker
        self.options = options
        self.servers = servers
        self.index = index
    }

    /// A slot with the functions registered to `runner`.
    static func make(options: ClassicOptions, servers: [ServerAddress], runner: JobRunner) -> Result<JobSlot, SetupFailure> {
        let worker: Worker
        do {
            worker = try Worker(servers: servers, timeoutMilliseconds: options.timeoutMilliseconds)
        } catch {
            return .failure(SetupFailure(message: "\(error.codeName): \(error.message)", exitCode: .serverUnavailable))
        }
        if options.useTLS { worker.enableTLS() }
        if let id = options.workerID {
            do {
                try worker.setIdentifier(id)
            } catch {
                return .failure(SetupFailure(message: "cannot set the worker id '\(id)': \(error.message)", exitCode: .usage))
            }
        }
        let slot = JobSlot(worker: worker, options: options, servers: servers, index: runner.slot)
        let pool = runner.pool
        for function in options.functions {
            do {
                try worker.register(function: function) { [unowned slot] job in
                    guard pool.jobStarted(slot: slot.index) else { return .release }
                    slot.startedJob = true
                    return runner.run(job)
                }
            } catch {
                return .failure(SetupFailure(message: "cannot register function '\(function)': \(error.message)", exitCode: .usage))
            }
        }
        return .success(slot)
    }

    /// Grabs and runs jobs while the pool is working, then tells the pool it stopped.
    func run(pool: WorkerPool) {
        var retrySeconds = Self.firstRetrySeconds
        var failure: ExitCode? = nil
        work: while pool.isWorking {
            startedJob = false
            do {
                try worker.work()
                pool.connectionSucceeded()
                retrySeconds = Self.firstRetrySeconds
            } catch where error.kind == .couldNotConnect {
                pool.connectionFailed(error)
                sleep(retrySeconds)
                retrySeconds = min(retrySeconds * 2, Self.longestRetrySeconds)
                pool.connectionRetrying()
            } catch where error.kind == .timeout {
                let limit = options.timeoutMilliseconds ?? 0
                StandardStreams.complain("GEARMAN_TIMEOUT: no job arrived within \(limit) ms from job server \(servers.map(\.description).joined(separator: ","))")
                failure = .serverUnavailable
                break work
            } catch {
                StandardStreams.complain("\(error.codeName): \(error.message)")
            }
            if startedJob { pool.jobEnded(slot: index) }
        }
        // A timeout (the only way out above) comes while waiting, never with a job running.
        pool.slotEnded(failure: failure)
    }
}
