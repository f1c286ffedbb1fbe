import GearmanProtocol
import NIOCore

/// The jobs one connection submits, up to its share of the run: functions in turn, one shared
/// workload, and unique keys that differ between connections and runs (or are all empty).
struct JobSource: Sendable {
    private let type: PacketType
    private let functions: [ByteBuffer]
    private let workload: ByteBuffer
    /// The start of every unique key, or nil for empty keys.
    private let keyPrefix: String?
    private let empty = ByteBuffer()
    /// Jobs still to submit; nil: no limit.
    private(set) var remaining: Int?
    private var made = 0
    private let firstFunction: Int

    /// - Parameters:
    ///   - type: SUBMIT_JOB or SUBMIT_JOB_BG.
    ///   - functions: the function names, taken in turn from `connection`'s position on.
    ///   - runID: tells this run's unique keys from another run's, so that a server still
    ///     holding jobs of an earlier run does not coalesce them with this one's.
    init(type: PacketType, functions: [String], payload: Int, distinctKeys: Bool, runID: UInt64,
         connection: Int, quota: Int?) {
        self.type = type
        self.functions = functions.map { ByteBuffer(string: $0) }
        workload = ByteBuffer(repeating: UInt8(ascii: "x"), count: payload)
        keyPrefix = distinctKeys ? String(runID, radix: 16) + "-\(connection)-" : nil
        remaining = quota
        firstFunction = connection
    }

    /// The next job's SUBMIT packet, or nil when the connection's share is submitted.
    mutating func next() -> Packet? {
        if let remaining {
            guard remaining > 0 else { return nil }
            self.remaining = remaining - 1
        }
        defer { made += 1 }
        let key = keyPrefix.map { ByteBuffer(string: $0 + String(made)) } ?? empty
        return Packet(.request, type, arguments: [functions[(firstFunction + made) % functions.count], key, workload])
    }

    /// Splits `jobs` over `connections` as evenly as can be: the first ones take one more.
    static func quotas(jobs: Int?, connections: Int) -> [Int?] {
        guard let jobs else { return Array(repeating: nil, count: connections) }
        return (0..<connections).map { jobs / connections + ($0 < jobs % connections ? 1 : 0) }
    }
}
