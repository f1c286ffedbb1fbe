import GearmanTool
import CGearman

/// A Gearman client over libgearman: submits jobs and reports what happens to them.
public final class Client {
    private let client: UnsafeMutablePointer<gearman_client_st>

    /// Connects lazily to `servers` (all of them, libgearman fails over between them).
    /// `timeoutMilliseconds` bounds every wait for the server; nil waits forever.
    /// `wantsExceptions` asks the server for WORK_EXCEPTION packets, which costs one round
    /// trip per connection; background jobs never get them.
    public init(servers: [ServerAddress], timeoutMilliseconds: Int32?, wantsExceptions: Bool = true) throws(GearmanError) {
        guard let client = gearman_client_create(nil) else {
            throw GearmanError(code: GEARMAN_MEMORY_ALLOCATION_FAILURE, message: "cannot allocate a libgearman client", systemErrno: 0)
        }
        self.client = client
        // libgearman adds $GEARMAN_SERVERS by itself; the caller's list replaces it.
        gearman_client_remove_servers(client)
        for server in servers {
            let ret = gearman_client_add_server(client, server.host, in_port_t(server.port))
            if ret != GEARMAN_SUCCESS { throw lastError(ret) }
        }
        if let timeoutMilliseconds {
            gearman_client_set_timeout(client, timeoutMilliseconds)
        }
        gearman_client_add_options(client, GEARMAN_CLIENT_FREE_TASKS)
        if wantsExceptions {
            // Without it gearmand drops a WORK_EXCEPTION and the client waits forever.
            gearman_client_add_options(client, GEARMAN_CLIENT_EXCEPTION)
        }
        gearman_client_set_created_fn(client) { Client.deliver(task: $0, kind: .created) }
        gearman_client_set_data_fn(client) { Client.deliver(task: $0, kind: .data) }
        gearman_client_set_warning_fn(client) { Client.deliver(task: $0, kind: .warning) }
        gearman_client_set_status_fn(client) { Client.deliver(task: $0, kind: .status) }
        gearman_client_set_complete_fn(client) { Client.deliver(task: $0, kind: .complete) }
        gearman_client_set_exception_fn(client) { Client.deliver(task: $0, kind: .exception) }
        gearman_client_set_fail_fn(client) { Client.deliver(task: $0, kind: .failed) }
    }

    deinit {
        gearman_client_free(client)
    }

    /// Asks libgearman for TLS connections (only works when it was built with TLS; see `TLSSupport`).
    public func enableTLS() {
        gearman_client_add_options(client, GEARMAN_CLIENT_SSL)
    }

    /// Submits one job per request, all with `workload`, and waits until every one is
    /// created (background) or finished (foreground). `onEvent` gets each job's events
    /// with the job's function name. An error is thrown only if some job did not get
    /// that far: with several servers, a dead one does not fail jobs another one ran.
    public func run(
        _ requests: [JobRequest],
        workload: UnsafeRawBufferPointer,
        onEvent: (_ function: String, _ event: TaskEvent) -> Void
    ) throws(GearmanError) {
        // libgearman sends the task added last first; the C tool adds them in order.
        try run(requests.reversed().map { ($0, workload) }) { _, function, event in onEvent(function, event) }
    }

    /// Submits every job at once, pipelined on the connection in the order of `jobs`, and
    /// waits as `run(_:workload:onEvent:)` does; `onEvent` also gets the job's index in `jobs`.
    public func run(
        _ jobs: [(request: JobRequest, workload: UnsafeRawBufferPointer)],
        onEvent: (_ index: Int, _ function: String, _ event: TaskEvent) -> Void
    ) throws(GearmanError) {
        var settled = 0
        try withoutActuallyEscaping(onEvent) { (handler) throws(GearmanError) in
            let sink = EventSink { index, function, event in
                if event.settles(background: jobs[index].request.background) { settled += 1 }
                handler(index, function, event)
            }
            let contexts = jobs.indices.map { TaskContext(sink: sink, index: $0) }
            defer { withExtendedLifetime(contexts) {} }
            // libgearman sends the task added last first.
            for (index, job) in jobs.enumerated().reversed() {
                var ret = GEARMAN_SUCCESS
                let context = Unmanaged.passUnretained(contexts[index]).toOpaque()
                let task = add(job.request, context: context, workload: job.workload, ret: &ret)
                if task == nil || ret != GEARMAN_SUCCESS {
                    gearman_client_task_free_all(client)
                    throw lastError(ret)
                }
            }
            var ret = gearman_client_run_tasks(client)
            // With several servers, libgearman stops at the first dead connection while jobs
            // sent to a live one are still pending; running again lets them finish.
            var retries = 0
            while ret != GEARMAN_SUCCESS, settled < jobs.count, retries < 8,
                  GearmanError.kind(of: ret) == .couldNotConnect {
                retries += 1
                ret = gearman_client_run_tasks(client)
            }
            if ret != GEARMAN_SUCCESS {
                let error = lastError(ret)
                gearman_client_task_free_all(client)
                if settled < jobs.count { throw error }
            }
        }
    }

    private func add(
        _ request: JobRequest, context: UnsafeMutableRawPointer,
        workload: UnsafeRawBufferPointer, ret: inout gearman_return_t
    ) -> UnsafeMutablePointer<gearman_task_st>? {
        let size = workload.count
        // libgearman rejects a non-NULL pointer with size 0.
        let bytes = size == 0 ? nil : workload.baseAddress
        return request.function.withCString { function in
            withOptionalCString(request.unique) { unique in
                switch (request.background, request.priority) {
                case (false, .normal): gearman_client_add_task(client, nil, context, function, unique, bytes, size, &ret)
                case (false, .high): gearman_client_add_task_high(client, nil, context, function, unique, bytes, size, &ret)
                case (false, .low): gearman_client_add_task_low(client, nil, context, function, unique, bytes, size, &ret)
                case (true, .normal): gearman_client_add_task_background(client, nil, context, function, unique, bytes, size, &ret)
                case (true, .high): gearman_client_add_task_high_background(client, nil, context, function, unique, bytes, size, &ret)
                case (true, .low): gearman_client_add_task_low_background(client, nil, context, function, unique, bytes, size, &ret)
                }
            }
        }
    }

    private func lastError(_ code: gearman_return_t) -> GearmanError {
        let text = gearman_client_error(client).map { String(cString: $0) } ?? ""
        return GearmanError(code: code, message: text, systemErrno: gearman_client_errno(client))
    }

    private enum EventKind { case created, data, warning, status, complete, exception, failed }

    /// Holds the caller's handler while `run` waits.
    private final class EventSink {
        let handler: (Int, String, TaskEvent) -> Void
        init(_ handler: @escaping (Int, String, TaskEvent) -> Void) { self.handler = handler }
    }

    /// What a task's context points at: the handler and the job's index.
    private final class TaskContext {
        let sink: EventSink
        let index: Int
        init(sink: EventSink, index: Int) {
            self.sink = sink
            self.index = index
        }
    }

    private static func deliver(task: UnsafeMutablePointer<gearman_task_st>?, kind: EventKind) -> gearman_return_t {
        guard let task, let context = gearman_task_context(task) else { return GEARMAN_SUCCESS }
        let taskContext = Unmanaged<TaskContext>.fromOpaque(context).takeUnretainedValue()
        let function = gearman_task_function_name(task).map { String(cString: $0) } ?? ""
        let payload = UnsafeRawBufferPointer(start: gearman_task_data(task), count: gearman_task_data_size(task))
        let event: TaskEvent
        switch kind {
        case .created:
            event = .created(jobHandle: gearman_task_job_handle(task).map { String(cString: $0) } ?? "")
        case .data: event = .data(payload)
        case .warning: event = .warning(payload)
        case .status:
            event = .status(numerator: gearman_task_numerator(task), denominator: gearman_task_denominator(task))
        case .complete: event = .complete(payload)
        case .exception: event = .exception(payload)
        case .failed: event = .failed
        }
        taskContext.sink.handler(taskContext.index, function, event)
        return GEARMAN_SUCCESS
    }
}

func withOptionalCString<R>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let string else { return body(nil) }
    return string.withCString { body($0) }
}
