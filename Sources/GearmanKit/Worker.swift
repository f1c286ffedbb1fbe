import GearmanTool
import CGearman
import Glibc

/// A Gearman worker over libgearman: registers functions and runs their jobs one at a time
/// (several at once take one `Worker` each, on threads of their own).
public final class Worker {
    /// Runs one job and says how it ended.
    public typealias Handler = (borrowing Job) -> JobOutcome

    private let worker: UnsafeMutablePointer<gearman_worker_st>
    private var functions: [FunctionBox] = []

    /// Connects lazily to `servers`; `timeoutMilliseconds` bounds each wait for a job.
    public init(servers: [ServerAddress], timeoutMilliseconds: Int32?) throws(GearmanError) {
        guard let worker = gearman_worker_create(nil) else {
            throw GearmanError(code: GEARMAN_MEMORY_ALLOCATION_FAILURE, message: "cannot allocate a libgearman worker", systemErrno: 0)
        }
        self.worker = worker
        gearman_worker_remove_servers(worker)
        for server in servers {
            let ret = gearman_worker_add_server(worker, server.host, in_port_t(server.port))
            if ret != GEARMAN_SUCCESS { throw lastError(ret) }
        }
        if let timeoutMilliseconds {
            gearman_worker_set_timeout(worker, timeoutMilliseconds)
        } else {
            // libgearman's own 10 s wake-up, without returning: an idle worker then tries the
            // servers it could not reach (a standby that came up) instead of only the next time a job comes.
            gearman_worker_remove_options(worker, GEARMAN_WORKER_TIMEOUT_RETURN)
        }
    }

    deinit {
        gearman_worker_free(worker)
    }

    /// Asks libgearman for TLS connections (only works when it was built with TLS).
    public func enableTLS() {
        gearman_worker_add_options(worker, GEARMAN_WORKER_SSL)
    }

    /// The client id the server shows for this worker in admin `workers` (SET_CLIENT_ID).
    public func setIdentifier(_ id: String) throws(GearmanError) {
        let ret = gearman_worker_set_identifier(worker, id, id.utf8.count)
        if ret != GEARMAN_SUCCESS { throw lastError(ret) }
    }

    /// Registers `function` (CAN_DO) with the handler that runs its jobs.
    public func register(function: String, handler: @escaping Handler) throws(GearmanError) {
        let box = FunctionBox(handler)
        functions.append(box)
        let ret = gearman_worker_add_function(
            worker, function, 0, Worker.runJob, Unmanaged.passUnretained(box).toOpaque())
        if ret != GEARMAN_SUCCESS { throw lastError(ret) }
    }

    /// Waits for one job and runs it. Returns when the job has been answered; a job the
    /// handler failed is not an error here.
    public func work() throws(GearmanError) {
        for box in functions { box.lastJobFailed = false }
        let ret = gearman_worker_work(worker)
        if ret == GEARMAN_SUCCESS { return }
        if functions.contains(where: { $0.lastJobFailed }) {
            // libgearman reports the WORK_FAIL we asked for as an error of this call.
            return
        }
        throw lastError(ret)
    }

    private func lastError(_ code: gearman_return_t) -> GearmanError {
        let text = gearman_worker_error(worker).map { String(cString: $0) } ?? ""
        return GearmanError(code: code, message: text, systemErrno: gearman_worker_errno(worker))
    }

    private final class FunctionBox {
        let handler: Handler
        var lastJobFailed = false
        init(_ handler: @escaping Handler) { self.handler = handler }
    }

    private static let runJob: @convention(c) (
        UnsafeMutablePointer<gearman_job_st>?, UnsafeMutableRawPointer?,
        UnsafeMutablePointer<Int>?, UnsafeMutablePointer<gearman_return_t>?
    ) -> UnsafeMutableRawPointer? = { job, context, resultSize, ret in
        guard let job, let context else { return nil }
        let box = Unmanaged<FunctionBox>.fromOpaque(context).takeUnretainedValue()
        switch box.handler(Job(job: job)) {
        case .fail:
            box.lastJobFailed = true
            ret?.pointee = GEARMAN_WORK_FAIL
            resultSize?.pointee = 0
            return nil
        case .exception(let text):
            // Sending it finishes the job; libgearman then sends no WORK_COMPLETE.
            let sent = text.withUnsafeBytes { gearman_job_send_exception(job, $0.baseAddress, $0.count) }
            ret?.pointee = sent == GEARMAN_SUCCESS ? GEARMAN_SUCCESS : GEARMAN_LOST_CONNECTION
            resultSize?.pointee = 0
            return nil
        case .release:
            // libgearman resets its connections after a lost connection, and the server
            // queues the unanswered job again.
            ret?.pointee = GEARMAN_LOST_CONNECTION
            resultSize?.pointee = 0
            return nil
        case .complete(let result):
            ret?.pointee = GEARMAN_SUCCESS
            resultSize?.pointee = result.count
            if result.isEmpty { return nil }
            // libgearman frees the result with free() once WORK_COMPLETE is sent.
            guard let memory = malloc(result.count) else {
                ret?.pointee = GEARMAN_MEMORY_ALLOCATION_FAILURE
                return nil
            }
            result.withUnsafeBytes { memory.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            return memory
        }
    }
}
