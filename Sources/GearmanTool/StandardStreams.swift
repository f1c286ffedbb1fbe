import Glibc

/// Unbuffered writes and whole reads on file descriptors, so output keeps the order
/// in which packets arrive and binary data passes untouched.
package enum StandardStreams {
    package static let input: Int32 = 0
    package static let output: Int32 = 1
    package static let error: Int32 = 2

    /// Writes all of `bytes` to `fd`; false if the descriptor refused them.
    @discardableResult
    package static func write(_ bytes: UnsafeRawBufferPointer, to fd: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }

    @discardableResult
    package static func write(_ text: String, to fd: Int32) -> Bool {
        var text = text
        return text.withUTF8 { write(UnsafeRawBufferPointer($0), to: fd) }
    }

    /// Writes `gearman: <message>` and a newline to stderr.
    package static func complain(_ message: String) {
        write("gearman: \(message)\n", to: error)
    }

    /// A subcommand's usage error: the message, a pointer to --help, and exit status 2.
    package static func usageError(subcommand: String, _ message: String) -> Int32 {
        complain("\(subcommand): \(message)")
        write("Try 'gearman \(subcommand) --help' for the options.\n", to: error)
        return ExitCode.usage.rawValue
    }

    /// Reads `fd` to its end.
    package static func readAll(_ fd: Int32) -> [UInt8] {
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                data.append(contentsOf: chunk[0..<count])
            } else if count == 0 || errno != EINTR {
                return data
            }
        }
    }

    /// The text of `errno`-style error `code`.
    package static func describe(errno code: Int32) -> String {
        String(cString: strerror(code))
    }
}
