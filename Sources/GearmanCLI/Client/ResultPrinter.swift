import GearmanKit
import GearmanTool

/// Prints job events the C tool's way: results raw on stdout, warnings and exceptions
/// raw on stderr, progress as "N% Complete", failures as "Job failed".
struct ResultPrinter {
    let verbose: Bool
    let prefix: Bool
    private(set) var anyJobFailed = false

    init(verbose: Bool, prefix: Bool) {
        self.verbose = verbose
        self.prefix = prefix
    }

    mutating func print(_ event: TaskEvent, function: String) {
        let label = prefix ? "\(function): " : ""
        switch event {
        case .created(let handle):
            if verbose { StandardStreams.write("Task created: \(handle)\n", to: StandardStreams.output) }
        case .data(let bytes), .complete(let bytes):
            if prefix { StandardStreams.write(label, to: StandardStreams.output) }
            StandardStreams.write(bytes, to: StandardStreams.output)
        case .warning(let bytes):
            if prefix { StandardStreams.write(label, to: StandardStreams.error) }
            StandardStreams.write(bytes, to: StandardStreams.error)
        case .exception(let bytes):
            // gearmand ends the job with the exception: for the exit status it failed.
            if prefix { StandardStreams.write(label, to: StandardStreams.error) }
            StandardStreams.write(bytes, to: StandardStreams.error)
            anyJobFailed = true
        case .status(let numerator, let denominator):
            let percent = ResultPrinter.percent(numerator: numerator, denominator: denominator)
            StandardStreams.write("\(label)\(percent)% Complete\n", to: StandardStreams.output)
        case .failed:
            StandardStreams.write("\(label)Job failed\n", to: StandardStreams.error)
            anyJobFailed = true
        }
    }

    /// Percentage of a WORK_STATUS; 0 when the denominator is 0 (the C tool divides by it).
    static func percent(numerator: UInt32, denominator: UInt32) -> UInt64 {
        denominator == 0 ? 0 : UInt64(numerator) * 100 / UInt64(denominator)
    }
}
