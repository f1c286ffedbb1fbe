import GearmanKit

/// Runs one job in worker mode: echoes the workload, or feeds it through the command and
/// turns the command's output and exit status into WORK_DATA, WORK_COMPLETE or WORK_FAIL.
struct JobRunner {
    let command: ShellCommand?
    /// `-n`/`-N`: every output line goes out as its own WORK_DATA as soon as it is read.
    let sendsLines: Bool
    let stripNewline: Bool

    func run(_ job: borrowing Job) -> JobOutcome {
        guard let command else {
            StandardStreams.write(job.workload, to: StandardStreams.output)
            return .complete([])
        }
        var output: [UInt8] = []
        var splitter = LineSplitter()
        var sendFailed = false
        func send(_ line: [UInt8]) {
            if sendFailed { return }
            let payload = stripNewline ? LineSplitter.stripNewline(line) : line[...]
            let error: GearmanError? = payload.withUnsafeBytes { bytes -> GearmanError? in
                do throws(GearmanError) { try job.sendData(bytes); return nil } catch { return error }
            }
            if let error {
                StandardStreams.complain(error.message)
                sendFailed = true
            }
        }
        // The command knows which job it runs.
        let environment = [("GEARMAN_FUNCTION", job.function), ("GEARMAN_HANDLE", job.handle),
                           ("GEARMAN_UNIQUE", job.unique), ("GEARMAN_WORKLOAD_SIZE", "\(job.workload.count)")]
        let termination = command.run(input: job.workload, environment: environment) { chunk in
            if sendsLines {
                for line in splitter.feed(chunk) { send(line) }
            } else {
                output.append(contentsOf: chunk)
            }
        }
        if sendsLines, let last = splitter.finish() { send(last) }
        switch termination {
        case .exited(0):
            return sendFailed ? .fail : .complete(output)
        case .couldNotStart(let code):
            StandardStreams.complain("cannot run '\(command.arguments[0])': \(StandardStreams.describe(errno: code))")
            return .fail
        case .exited(let status):
            StandardStreams.complain("job \(job.handle): '\(command.arguments[0])' exited with status \(status)")
        case .signaled(let signal):
            StandardStreams.complain("job \(job.handle): '\(command.arguments[0])' was killed by signal \(signal)")
        case .timedOut:
            let message = "job \(job.handle): '\(command.arguments[0])' timed out after \(Self.seconds(command.timeoutSeconds ?? 0)) s and was stopped"
            StandardStreams.complain(message)
            // The client learns why its job failed (--job-timeout is opt-in).
            Array("gearman: \(message)\n".utf8).withUnsafeBytes { bytes in _ = try? job.sendWarning(bytes) }
        }
        // As the C tool does, a failing command's output still reaches the client first.
        if !output.isEmpty {
            output.withUnsafeBytes { bytes in _ = try? job.sendData(bytes) }
        }
        return .fail
    }

    /// 2.5 as "2.5", 3.0 as "3".
    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
