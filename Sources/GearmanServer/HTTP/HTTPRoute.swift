import NIOHTTP1

/// What an HTTP request asks of the server, read from its head alone (no I/O).
enum HTTPRoute: Equatable {
    /// GET /metrics: Prometheus text format.
    case metrics
    /// GET /status: functions, workers and jobs as JSON.
    case status
    /// gearmand's HTTP job submission: any of GET, PUT, POST /FUNCTION, the body is the workload.
    case submit(function: String, unique: String, priority: Priority, background: Bool)
    /// A request the server does not serve, with the status to answer.
    case refuse(HTTPResponseStatus, reason: String)

    /// Routes a request head the way gearmand's HTTP module does, with /metrics and /status
    /// kept for this server (POST still submits to functions of those names).
    init(_ head: HTTPRequestHead) {
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let function = String(path.drop { $0 == "/" })
        switch head.method {
        case .GET where function == "metrics": self = .metrics
        case .GET where function == "status": self = .status
        case .GET, .PUT, .POST:
            guard !function.isEmpty else {
                self = .refuse(.notFound, reason: "give the function name as the path: POST /FUNCTION")
                return
            }
            guard let decoded = Self.percentDecoded(function), !decoded.contains("\0") else {
                self = .refuse(.badRequest, reason: "the function name in the path is not valid")
                return
            }
            let priority: Priority
            switch head.headers.first(name: "X-Gearman-Priority")?.lowercased() {
            case nil, "normal": priority = .normal
            case "high": priority = .high
            case "low": priority = .low
            case let other?:
                self = .refuse(.badRequest, reason: "X-Gearman-Priority must be high, normal or low, not '\(other)'")
                return
            }
            // gearmand's default unique key is "-": the workload is the key.
            let unique = head.headers.first(name: "X-Gearman-Unique") ?? "-"
            let background = head.headers.first(name: "X-Gearman-Background")?.lowercased() == "true"
            self = .submit(function: decoded, unique: unique, priority: priority, background: background)
        default:
            self = .refuse(.methodNotAllowed, reason: "use GET /metrics, GET /status, or POST /FUNCTION")
        }
    }

    /// The `X-Gearman-Timeout` of a submission in milliseconds: nil without the header,
    /// `.invalid` when it is not a number from 1 to about 24.8 days.
    static func jobTimeout(_ head: HTTPRequestHead) -> JobTimeout {
        guard let text = head.headers.first(name: "X-Gearman-Timeout") else { return .none }
        guard let value = Int64(text), (1...Int64(Int32.max)).contains(value) else {
            return .invalid
        }
        return .milliseconds(value)
    }

    enum JobTimeout: Equatable {
        case none, invalid, milliseconds(Int64)
    }

    /// `%XX` escapes decoded; nil if one is malformed or the result is not UTF-8.
    static func percentDecoded(_ text: String) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(Self.hexValue), let low = iterator.next().flatMap(Self.hexValue) else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
