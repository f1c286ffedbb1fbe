#if canImport(Glibc)
import Glibc
#endif

/// The current time as an ISO 8601 UTC timestamp, `2026-11-22T15:40:00Z`, for logs and plain output.
public enum UTCTimestamp {
    public static func now() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let length = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%SZ", &parts)
        return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
