/// A reply of gearmand's text admin protocol, as gearadmin reads it.
public enum AdminReply: Equatable, Sendable {
    /// `OK` alone (empty) or `OK value`.
    case ok(String)
    /// `ERR code message`, without the `ERR ` and the line ending.
    case error(String)
    /// The lines of a listing (status, workers, show jobs, ...), without the closing ".".
    case listing([String])

    /// Reads a whole reply; `listing` says whether the command answers with a listing.
    public init(text: String, listing: Bool) {
        let trimmed = String(text.drop { $0 == " " })
        if trimmed.hasPrefix("ERR ") {
            self = .error(Self.withoutLineEnd(trimmed.dropFirst(4)))
        } else if trimmed.hasPrefix("OK") && !listing {
            self = .ok(Self.withoutLineEnd(trimmed.dropFirst(2).drop { $0 == " " }))
        } else {
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            while let last = lines.last, last.isEmpty || last == "." { lines.removeLast() }
            self = .listing(lines)
        }
    }

    /// Whether `text` holds a whole reply yet.
    public static func isComplete(_ text: [UInt8], listing: Bool) -> Bool {
        guard text.last == UInt8(ascii: "\n") else { return false }
        if text.starts(with: Array("ERR".utf8)) { return true }
        if !listing { return true }
        return text == Array(".\n".utf8) || text.suffix(3).elementsEqual("\n.\n".utf8)
    }

    private static func withoutLineEnd(_ text: Substring) -> String {
        // Scalars, not Characters: "\r\n" is one Character.
        String(String.UnicodeScalarView(text.unicodeScalars.prefix { $0 != "\r" && $0 != "\n" }))
    }
}

/// One row of `status`: FUNCTION, total jobs, running jobs, capable workers.
public struct StatusRow: Equatable, Sendable {
    public let function: String
    public let total: Int
    public let running: Int
    public let workers: Int

    public init?(line: String) {
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard fields.count == 4, let total = Int(fields[1]), let running = Int(fields[2]), let workers = Int(fields[3])
        else { return nil }
        (function, self.total, self.running, self.workers) = (String(fields[0]), total, running, workers)
    }
}

/// One row of `prioritystatus`: FUNCTION, queued high, normal, low, capable workers.
public struct PriorityStatusRow: Equatable, Sendable {
    public let function: String
    public let high: Int
    public let normal: Int
    public let low: Int
    public let workers: Int

    public init?(line: String) {
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
        let numbers = fields.dropFirst().compactMap { Int($0) }
        guard fields.count == 5, numbers.count == 4 else { return nil }
        function = String(fields[0])
        (high, normal, low, workers) = (numbers[0], numbers[1], numbers[2], numbers[3])
    }
}

/// One row of `workers`: `FD ADDRESS CLIENT-ID : FUNCTION...`.
public struct WorkerRow: Equatable, Sendable {
    public let descriptor: Int
    public let address: String
    public let clientID: String
    public let functions: [String]

    public init?(line: String) {
        let words = line.split(separator: " ", omittingEmptySubsequences: false)
        guard words.count >= 4, words[3] == ":", let descriptor = Int(words[0]) else { return nil }
        self.descriptor = descriptor
        address = String(words[1])
        clientID = String(words[2])
        functions = words.dropFirst(4).filter { !$0.isEmpty }.map(String.init)
    }
}

/// One row of `show jobs`: HANDLE, retries, ignored (cancelled), queued (background).
public struct JobRow: Equatable, Sendable {
    public let handle: String
    public let retries: Int
    public let ignored: Bool
    public let queued: Bool

    public init?(line: String) {
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard fields.count == 4, let retries = Int(fields[1]) else { return nil }
        (handle, self.retries, ignored, queued) = (String(fields[0]), retries, fields[2] != "0", fields[3] != "0")
    }
}

/// One row of `show unique jobs`: the key, and (from our server) its function and job handle.
public struct UniqueJobRow: Equatable, Sendable {
    public let unique: String
    public let function: String?
    public let handle: String?

    public init(line: String) {
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        unique = fields[0]
        function = fields.count == 3 ? fields[1] : nil
        handle = fields.count == 3 ? fields[2] : nil
    }
}

/// One row of our server's `show dead jobs`: HANDLE, FUNCTION, UNIQUE, attempts, the last
/// failure, and the first submission and last failure in seconds since the epoch.
public struct DeadJobRow: Equatable, Sendable {
    public let handle: String
    public let function: String
    public let unique: String
    public let attempts: Int
    public let lastFailure: String
    public let firstSubmitted: Int
    public let lastFailed: Int

    public init(handle: String, function: String, unique: String, attempts: Int, lastFailure: String,
                firstSubmitted: Int, lastFailed: Int) {
        (self.handle, self.function, self.unique, self.attempts) = (handle, function, unique, attempts)
        (self.lastFailure, self.firstSubmitted, self.lastFailed) = (lastFailure, firstSubmitted, lastFailed)
    }

    /// The row as `show dead jobs` writes it: the fields in order, tab-separated.
    public var line: String {
        [handle, function, unique, "\(attempts)", lastFailure, "\(firstSubmitted)", "\(lastFailed)"].joined(separator: "\t")
    }

    /// Fields are read from both ends, so a unique key holding a tab stays whole (the
    /// server makes the failure text one line without control characters).
    public init?(line: String) {
        let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        guard fields.count >= 7, let attempts = Int(fields[fields.count - 4]),
              let firstSubmitted = Int(fields[fields.count - 2]), let lastFailed = Int(fields[fields.count - 1])
        else { return nil }
        (handle, function) = (fields[0], fields[1])
        unique = fields[2..<(fields.count - 4)].joined(separator: "\t")
        (self.attempts, lastFailure, self.firstSubmitted, self.lastFailed) = (attempts, fields[fields.count - 3], firstSubmitted, lastFailed)
    }
}
