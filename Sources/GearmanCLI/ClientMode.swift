import GearmanKit

/// `gearman -f F [data]`: submits jobs and prints what comes back, as the C tool does.
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
        let requests = options.functions.map {
            JobRequest(function: $0, unique: options.unique, priority: options.priority, background: options.background)
        }
        var printer = ResultPrinter(verbose: options.verbose, prefix: options.prefix)
        /// Submits one workload to every function; the error, if libgearman gave one.
        func submit(_ workload: UnsafeRawBufferPointer) -> GearmanError? {
            do {
                try client.run(requests, workload: workload) { function, event in
                    printer.print(event, function: function)
                }
                return nil
            } catch {
                return error
            }
        }
        if let error = submitAll(submit) {
            return report(error)
        }
        return printer.anyJobFailed ? .jobFailed : .success
    }

    /// Feeds every workload (operands, the empty one of -s, lines of -n, or all of stdin)
    /// to `submit`, stopping at the first error.
    private func submitAll(_ submit: (UnsafeRawBufferPointer) -> GearmanError?) -> GearmanError? {
        if !options.operands.isEmpty {
            for operand in options.operands {
                var text = operand
                if let error = text.withUTF8({ submit(UnsafeRawBufferPointer($0)) }) { return error }
            }
            return nil
        }
        if options.suppressInput {
            return submit(UnsafeRawBufferPointer(start: nil, count: 0))
        }
        if options.jobPerLine {
            var reader = LineReader(fd: StandardStreams.input)
            while let line = reader.next() {
                let workload = options.stripNewline ? LineSplitter.stripNewline(line) : line[...]
                if let error = workload.withUnsafeBytes(submit) { return error }
            }
            return nil
        }
        return StandardStreams.readAll(StandardStreams.input).withUnsafeBytes(submit)
    }

    private func report(_ error: GearmanError) -> ExitCode {
        let serverNames = servers.map(\.description).joined(separator: ",")
        switch error.kind {
        case .couldNotConnect:
            StandardStreams.complain("cannot connect to job server \(serverNames): \(error.connectionFailure)")
            return .serverUnavailable
        case .timeout:
            let limit = options.timeoutMilliseconds.map { "\($0) ms" } ?? "the timeout"
            StandardStreams.complain("timed out after \(limit) waiting for job server \(serverNames)")
            return .serverUnavailable
        case .other:
            StandardStreams.complain("\(error.codeName): \(error.message)")
            return .jobFailed
        }
    }
}
