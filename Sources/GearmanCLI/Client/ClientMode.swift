import GearmanKit
import GearmanTool
import Glibc

/// `gearman -f F [data]`: submits jobs and prints what comes back, as the C tool does.
/// With -n/-N, up to `--window` lines' jobs are in flight at once, printed in input order.
struct ClientMode {
    let options: ClassicOptions
    let servers: [ServerAddress]

    func run() -> ExitCode {
        let client: Client
        do {
            client = try Client(servers: servers, timeoutMilliseconds: options.timeoutMilliseconds,
                                wantsExceptions: !options.background)
        } catch {
            return report(error)
        }
        if options.useTLS { client.enableTLS() }
        var reporter: any JobReporter = options.json ? JSONReporter()
            : ClassicReporter(printer: ResultPrinter(verbose: options.verbose, prefix: options.prefix),
                              inOrder: options.jobPerLine && options.window > 1)
        // As the C tool does, a workload goes to the last -f first.
        let requests = options.functions.reversed().map {
            JobRequest(function: $0, unique: options.unique, priority: options.priority, background: options.background)
        }
        var pending = PendingJobs()
        /// Submits each workload to every function at once; the error, if libgearman gave one.
        func submit(_ workloads: [UnsafeRawBufferPointer]) -> GearmanError? {
            let jobs = workloads.flatMap { workload in requests.map { (request: $0, workload: workload) } }
            reporter.begin(jobs.map(\.request))
            pending.begin(jobs.map(\.request))
            var failure: GearmanError? = nil
            do {
                try client.run(jobs) { index, function, event in
                    pending.record(event, of: index)
                    reporter.record(event, of: index, function: function)
                }
            } catch {
                failure = error
            }
            reporter.finish(error: failure)
            return failure
        }
        if let error = submitAll(submit) {
            return report(error, pending: pending)
        }
        return reporter.anyJobFailed ? .jobFailed : .success
    }

    /// Feeds the workloads (operands, the empty one of -s, lines of -n, or all of stdin)
    /// to `submit`, stopping at the first error.
    private func submitAll(_ submit: ([UnsafeRawBufferPointer]) -> GearmanError?) -> GearmanError? {
        if !options.operands.isEmpty {
            for operand in options.operands {
                var text = operand
                if let error = text.withUTF8({ submit([UnsafeRawBufferPointer($0)]) }) { return error }
            }
            return nil
        }
        if options.suppressInput {
            return submit([UnsafeRawBufferPointer(start: nil, count: 0)])
        }
        if options.jobPerLine {
            var reader = LineReader(fd: StandardStreams.input)
            while true {
                let lines = readBatch(&reader)
                if lines.isEmpty { return nil }
                let workloads = lines.map { options.stripNewline ? LineSplitter.stripNewline($0) : $0[...] }
                if let error = withBuffers(workloads, submit) { return error }
            }
        }
        return StandardStreams.readAll(StandardStreams.input).withUnsafeBytes { submit([$0]) }
    }

    /// The next lines to submit together: at least one (unless input ended), then as many
    /// more as are there without waiting, up to the window.
    private func readBatch(_ reader: inout LineReader) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        while lines.count < options.window, lines.isEmpty || reader.hasLineWithoutWaiting, let line = reader.next() {
            lines.append(line)
        }
        return lines
    }

    private func report(_ error: GearmanError, pending: PendingJobs = PendingJobs()) -> ExitCode {
        let serverNames = servers.map(\.description).joined(separator: ",")
        switch error.kind {
        case .couldNotConnect:
            StandardStreams.complain("cannot connect to job server \(serverNames): \(error.connectionFailure)")
            return .serverUnavailable
        case .timeout:
            let limit = options.timeoutMilliseconds.map { "\($0) ms" } ?? "the timeout"
            StandardStreams.complain(pending.timeoutMessage(after: limit, servers: serverNames))
            return .serverUnavailable
        case .other:
            StandardStreams.complain("\(error.codeName): \(error.message)")
            return .jobFailed
        }
    }
}

/// Calls `body` with pointers to every slice's bytes, valid during the call.
private func withBuffers<R>(_ slices: [ArraySlice<UInt8>], _ body: ([UnsafeRawBufferPointer]) -> R) -> R {
    let total = slices.reduce(0) { $0 + $1.count }
    return withUnsafeTemporaryAllocation(byteCount: max(total, 1), alignment: 1) { storage in
        var offset = 0
        var pointers: [UnsafeRawBufferPointer] = []
        for slice in slices {
            if !slice.isEmpty {
                slice.withUnsafeBytes { (storage.baseAddress! + offset).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            }
            pointers.append(UnsafeRawBufferPointer(start: slice.isEmpty ? nil : storage.baseAddress! + offset, count: slice.count))
            offset += slice.count
        }
        return body(pointers)
    }
}
