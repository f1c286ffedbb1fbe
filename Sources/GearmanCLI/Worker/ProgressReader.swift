/// Reads the progress lines a worker's command writes, `NUMERATOR/DENOMINATOR` each, as
/// numbers for WORK_STATUS. Lines that are not two whole numbers are skipped.
struct ProgressReader {
    private var lines = LineSplitter()

    /// Adds `bytes` and returns the progress reports of the lines they complete.
    mutating func feed(_ bytes: UnsafeRawBufferPointer) -> [(numerator: UInt32, denominator: UInt32)] {
        lines.feed(bytes).compactMap(Self.parse)
    }

    /// The last line, if the command ended without a newline after it.
    mutating func finish() -> (numerator: UInt32, denominator: UInt32)? {
        lines.finish().flatMap(Self.parse)
    }

    /// "3/10", with spaces or a carriage return around it allowed.
    static func parse(_ line: [UInt8]) -> (numerator: UInt32, denominator: UInt32)? {
        let text = String(decoding: line, as: UTF8.self).trimmingWhitespace
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2,
              let numerator = UInt32(parts[0].trimmingWhitespace),
              let denominator = UInt32(parts[1].trimmingWhitespace) else { return nil }
        return (numerator, denominator)
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces, tabs, carriage returns and newlines.
    var trimmingWhitespace: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
