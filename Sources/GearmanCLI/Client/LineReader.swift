import Glibc

/// Reads lines from a file descriptor as they arrive, for `-n` and `-N`.
struct LineReader {
    private let fd: Int32
    private var splitter = LineSplitter()
    private var ready: [[UInt8]] = []
    private var readyIndex = 0
    private var atEnd = false
    private var chunk = [UInt8](repeating: 0, count: 1 << 16)

    init(fd: Int32) { self.fd = fd }

    /// Whether `next()` would return at once: a line is buffered, the input ended, or more is readable.
    var hasLineWithoutWaiting: Bool {
        if readyIndex < ready.count || atEnd { return true }
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) > 0
    }

    /// The next line with its newline (the last may lack one), or nil at the end.
    mutating func next() -> [UInt8]? {
        while readyIndex == ready.count {
            if atEnd { return nil }
            ready = []
            readyIndex = 0
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                ready = chunk.withUnsafeBytes { splitter.feed(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            } else if count == 0 || errno != EINTR {
                atEnd = true
                if let last = splitter.finish() { ready = [last] }
            }
        }
        defer { readyIndex += 1 }
        return ready[readyIndex]
    }
}
