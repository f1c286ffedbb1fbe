import GearmanKit
import GearmanTool
import Glibc

/// Runs one job in worker mode: echoes the workload, or feeds it through the command and
/// turns what the command writes and how it ends into WORK_DATA, WORK_WARNING, WORK_STATUS,
/// and WORK_COMPLETE, WORK_FAIL or WORK_EXCEPTION.
struct JobRunner {
    let command: ShellCommand?
    /// `-n`/`-N`: every output line goes out as its own WORK_DATA as soon as it is read.
    let sendsLines: Bool
    let stripNewline: Bool
    /// `--exceptions`: a failing command's job ends with WORK_EXCEPTION (stderr's tail and
    /// the reason) instead of WORK_FAIL. That tail is held back, not sent as WORK_WARNING too.
    let sendsExceptions: Bool
    /// The slot this runner belongs to, and the pool that may stop its command.
    let slot: Int
    let pool: WorkerPool

    /// How much of the command's stderr a WORK_EXCEPTION carries.
    static let stderrTailBytes = 4096
    /// Environment variable naming the descriptor for progress lines.
    static let progressVariable = "GEARMAN_PROGRESS_FD"

    func run(_ job: borrowing Job) -> JobOutcome {
        guard let command else {
            StandardStreams.write(job.workload, to: StandardStreams.output)
            return .complete([])
        }
        var output: [UInt8] = []
        var lines = LineSplitter()
        var progress = ProgressReader()
        var stderrTail: [UInt8] = []
        var sendFailed = false
        func sending(_ what: () throws(GearmanError) -> Void) {
            if sendFailed { return }
            do throws(GearmanError) { try what() } catch {
                StandardStreams.complain(error.message)
                sendFailed = true
            }
        }
        func sendWarning(_ bytes: UnsafeRawBufferPointer) {
            sending { () throws(GearmanError) in try job.sendWarning(bytes) }
        }
        func send(line: [UInt8]) {
            let payload = stripNewline ? LineSplitter.stripNewline(line) : line[...]
            payload.withUnsafeBytes { bytes in sending { () throws(GearmanError) in try job.sendData(bytes) } }
        }
        // The command knows which job it runs, and where to report progress.
        let environment = [("GEARMAN_FUNCTION", job.function), ("GEARMAN_HANDLE", job.handle),
                           ("GEARMAN_UNIQUE", job.unique), ("GEARMAN_WORKLOAD_SIZE", "\(job.workload.count)"),
                           (Self.progressVariable, "\(ShellCommand.Stream.progress.rawValue)")]
        let termination = command.run(input: job.workload, environment: environment,
                                      onStart: { pool.commandStarted(slot: slot, group: $0) }) { stream, chunk in
            switch stream {
            case .output:
                if sendsLines {
                    for line in lines.feed(chunk) { send(line: line) }
                } else {
                    output.append(contentsOf: chunk)
                }
            case .error:
                // Shown here as before, and passed on to the client as it comes; with
                // --exceptions, all but the last 4 KiB, which an exception would carry.
                StandardStreams.write(chunk, to: StandardStreams.error)
                guard sendsExceptions else { return sendWarning(chunk) }
                stderrTail.append(contentsOf: chunk)
                if stderrTail.count > Self.stderrTailBytes {
                    let older = stderrTail.count - Self.stderrTailBytes
                    stderrTail[..<older].withUnsafeBytes(sendWarning)
                    stderrTail.removeFirst(older)
                }
            case .progress:
                for (numerator, denominator) in progress.feed(chunk) {
                    sending { () throws(GearmanError) in try job.sendStatus(numerator: numerator, denominator: denominator) }
                }
            }
        }
        pool.commandEnded(slot: slot)
        if pool.isReleasing { return .release }
        if let (numerator, denominator) = progress.finish() {
            sending { () throws(GearmanError) in try job.sendStatus(numerator: numerator, denominator: denominator) }
        }
        if sendsLines, let last = lines.finish() { send(line: last) }
        let reason: String
        switch termination {
        case .exited(0):
            // No exception: the stderr held back goes out as the warning it would have been.
            if !stderrTail.isEmpty { stderrTail.withUnsafeBytes(sendWarning) }
            return sendFailed ? .fail : .complete(output)
        case .couldNotStart(let code):
            reason = "cannot run '\(command.arguments[0])': \(StandardStreams.describe(errno: code))"
        case .exited(let status):
            reason = "job \(job.handle): '\(command.arguments[0])' exited with status \(status)"
        case .signaled(let signal):
            reason = "job \(job.handle): '\(command.arguments[0])' was killed by signal \(signal)"
        case .timedOut:
            reason = "job \(job.handle): '\(command.arguments[0])' timed out after \(WorkerMode.seconds(command.timeoutSeconds ?? 0)) s and was stopped"
        }
        StandardStreams.complain(reason)
        // As the C tool does, a failing command's output still reaches the client first.
        if !output.isEmpty {
            output.withUnsafeBytes { bytes in sending { () throws(GearmanError) in try job.sendData(bytes) } }
        }
        let message = Array("gearman: \(reason)\n".utf8)
        if sendsExceptions {
            return .exception(stderrTail + message)
        }
        // The client learns why its job failed.
        message.withUnsafeBytes(sendWarning)
        return .fail
    }
}
