import GearmanKit
import GearmanProtocol
import GearmanTool

/// One job as `--json` reports it, built from its events: a JSON object on one line.
struct JobRecord {
    enum Status: String {
        case complete, failed, exception
        /// A background job the server accepted.
        case queued
        /// No answer: the connection failed first.
        case error
    }

    let function: String
    let unique: String?
    let background: Bool
    private(set) var handle: String?
    private(set) var data: [UInt8] = []
    private(set) var warnings: [[UInt8]] = []
    private(set) var status: Status?
    private var problem: [UInt8]?

    init(_ request: JobRequest) {
        function = request.function
        unique = request.unique
        background = request.background
    }

    mutating func add(_ event: TaskEvent) {
        switch event {
        case .created(let jobHandle):
            handle = jobHandle
            if background { status = .queued }
        case .data(let bytes), .complete(let bytes):
            data += bytes
            if case .complete = event { status = .complete }
        case .warning(let bytes): warnings.append(Array(bytes))
        case .status: break
        case .exception(let bytes):
            status = .exception
            problem = Array(bytes)
        case .failed:
            status = .failed
            // Our worker's last warning says why; otherwise the C tool's words.
            problem = warnings.last ?? Array("Job failed".utf8)
        }
    }

    /// Marks a job that never settled because of `error`.
    mutating func fail(_ error: String) {
        status = .error
        problem = Array(error.utf8)
    }

    var failed: Bool { status != .complete && status != .queued }

    /// The object, without a newline.
    var json: String {
        var members: [(String, JSONValue)] = [
            ("function", .string(function)),
            ("unique", unique.map(JSONValue.string) ?? .null),
            ("handle", handle.map(JSONValue.string) ?? .null),
            ("status", .string((status ?? .error).rawValue)),
        ]
        if let text = String(validating: data, as: UTF8.self) {
            members.append(("data", .string(text)))
        } else {
            members.append(("data_base64", .string(Base64.encode(data))))
        }
        members.append(("warnings", .array(warnings.map { .string(Self.text($0)) })))
        if let problem { members.append(("error", .string(Self.text(problem)))) }
        return JSONValue.object(members).text
    }

    /// A message as text, without the newline that ends it.
    private static func text(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        return text.hasSuffix("\n") ? String(text.dropLast()) : text
    }
}

/// RFC 4648 base64 with padding.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let count = min(3, bytes.count - index)
            var group = UInt32(bytes[index]) << 16
            if count > 1 { group |= UInt32(bytes[index + 1]) << 8 }
            if count > 2 { group |= UInt32(bytes[index + 2]) }
            for position in 0..<4 {
                out.append(position <= count ? alphabet[Int((group >> (18 - 6 * UInt32(position))) & 63)] : UInt8(ascii: "="))
            }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
