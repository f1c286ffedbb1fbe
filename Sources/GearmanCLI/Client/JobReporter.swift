import GearmanKit
import GearmanTool

/// What client mode does with the events of each batch of jobs it submits.
protocol JobReporter {
    /// A batch is about to be submitted; job `i` of it is `requests[i]`.
    mutating func begin(_ requests: [JobRequest])
    mutating func record(_ event: TaskEvent, of index: Int, function: String)
    /// The batch ended, with libgearman's error if some job never settled.
    mutating func finish(error: GearmanError?)
    var anyJobFailed: Bool { get }
}

/// The C tool's output. In order: a job's events wait until the jobs before it settled,
/// so pipelined lines print as one-at-a-time lines would. Live: printed as they come.
struct ClassicReporter: JobReporter {
    private var printer: ResultPrinter
    private let inOrder: Bool
    private var requests: [JobRequest] = []
    private var order = SubmissionOrder<(function: String, event: RecordedEvent)?>()

    init(printer: ResultPrinter, inOrder: Bool) {
        self.printer = printer
        self.inOrder = inOrder
    }

    var anyJobFailed: Bool { printer.anyJobFailed }

    mutating func begin(_ requests: [JobRequest]) { self.requests = requests }

    mutating func record(_ event: TaskEvent, of index: Int, function: String) {
        guard inOrder else { return printer.print(event, function: function) }
        let settles = event.settles(background: requests[index].background)
        if index == order.head {
            // The head job's events go out at once, without a copy.
            printer.print(event, function: function)
            for ready in order.add(nil, of: index, settles: settles).dropFirst() { print(ready) }
        } else {
            _ = order.add((function, RecordedEvent(event)), of: index, settles: settles)
        }
    }

    mutating func finish(error: GearmanError?) {
        for waiting in order.finish() { print(waiting) }
    }

    private mutating func print(_ recorded: (function: String, event: RecordedEvent)?) {
        guard let recorded else { return }
        recorded.event.withTaskEvent { printer.print($0, function: recorded.function) }
    }
}

/// `--json`: one object per job, on its own line, in submission order.
struct JSONReporter: JobReporter {
    private var records: [JobRecord] = []
    private var order = SubmissionOrder<Int>()
    private(set) var anyJobFailed = false

    mutating func begin(_ requests: [JobRequest]) { records = requests.map(JobRecord.init) }

    mutating func record(_ event: TaskEvent, of index: Int, function: String) {
        records[index].add(event)
        guard event.settles(background: records[index].background) else { return }
        for ready in order.add(index, of: index, settles: true) { emit(ready) }
    }

    mutating func finish(error: GearmanError?) {
        // Every job from the head on is still to be printed; those without an answer failed.
        for index in order.head..<records.count {
            if records[index].status == nil {
                records[index].fail(error.map { "\($0.codeName): \($0.message)" } ?? "no answer from the job server")
            }
            emit(index)
        }
        _ = order.finish()
    }

    private mutating func emit(_ index: Int) {
        if records[index].failed { anyJobFailed = true }
        StandardStreams.write(records[index].json + "\n", to: StandardStreams.output)
    }
}
