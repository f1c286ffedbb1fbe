/// Cuts a byte stream into lines at `\n`, however long they are and however the bytes
/// arrive. Each line keeps its newline; the last one may have none.
struct LineSplitter {
    private var pending: [UInt8] = []

    /// Adds `bytes` and returns every line they complete.
    mutating func feed(_ bytes: UnsafeRawBufferPointer) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        var start = 0
        for index in 0..<bytes.count where bytes[index] == UInt8(ascii: "\n") {
            pending.append(contentsOf: bytes[start...index])
            lines.append(pending)
            pending.removeAll(keepingCapacity: true)
            start = index + 1
        }
        if start < bytes.count {
            pending.append(contentsOf: bytes[start...])
        }
        return lines
    }

    /// The unterminated last line, if any bytes are left.
    mutating func finish() -> [UInt8]? {
        defer { pending = [] }
        return pending.isEmpty ? nil : pending
    }

    /// `line` without its trailing newline (only a newline is removed, never data).
    static func stripNewline(_ line: [UInt8]) -> ArraySlice<UInt8> {
        line.last == UInt8(ascii: "\n") ? line.dropLast() : line[...]
    }
}
