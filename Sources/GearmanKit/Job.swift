import CGearman

/// A job a worker is running: its handle, function, unique key and workload, and the
/// packets it may send back while it runs. Valid only inside the worker's handler.
public struct Job: ~Copyable {
    let job: UnsafeMutablePointer<gearman_job_st>

    /// The server's job handle, e.g. `H:host:42`.
    public var handle: String { gearman_job_handle(job).map { String(cString: $0) } ?? "" }
    /// The function the job was submitted to.
    public var function: String { gearman_job_function_name(job).map { String(cString: $0) } ?? "" }
    /// The job's unique key ("" when the client gave none).
    public var unique: String { gearman_job_unique(job).map { String(cString: $0) } ?? "" }
    /// The workload bytes, valid while the handler runs.
    public var workload: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: gearman_job_workload(job), count: gearman_job_workload_size(job))
    }

    /// Sends WORK_DATA with `bytes`.
    public func sendData(_ bytes: UnsafeRawBufferPointer) throws(GearmanError) {
        let ret = gearman_job_send_data(job, bytes.baseAddress, bytes.count)
        if ret != GEARMAN_SUCCESS {
            throw GearmanError(code: ret, message: "cannot send WORK_DATA: \(String(cString: gearman_strerror(ret)))", systemErrno: 0)
        }
    }

    /// Sends WORK_WARNING with `bytes`.
    public func sendWarning(_ bytes: UnsafeRawBufferPointer) throws(GearmanError) {
        let ret = gearman_job_send_warning(job, bytes.baseAddress, bytes.count)
        if ret != GEARMAN_SUCCESS {
            throw GearmanError(code: ret, message: "cannot send WORK_WARNING: \(String(cString: gearman_strerror(ret)))", systemErrno: 0)
        }
    }

    /// Sends WORK_STATUS with `numerator`/`denominator`.
    public func sendStatus(numerator: UInt32, denominator: UInt32) throws(GearmanError) {
        let ret = gearman_job_send_status(job, numerator, denominator)
        if ret != GEARMAN_SUCCESS {
            throw GearmanError(code: ret, message: "cannot send WORK_STATUS: \(String(cString: gearman_strerror(ret)))", systemErrno: 0)
        }
    }
}

/// How a worker's handler ends a job.
public enum JobOutcome {
    /// WORK_COMPLETE with this result.
    case complete([UInt8])
    /// WORK_FAIL.
    case fail
    /// WORK_EXCEPTION with this text (must not be empty); the job ends failed.
    case exception([UInt8])
    /// No answer: the worker drops its connection, so the server hands the job to another worker.
    case release
}
