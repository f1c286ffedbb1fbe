#if canImport(Glibc)
import Glibc
#endif

/// Times as ISO 8601 UTC timestamps, `2026-11-22T15:40:00Z`, for logs and plain output.
public enum UTCTimestamp {
    /// The current time.
    public static func now() -> String {
        string(epochSeconds: Int(time(nil)))
    }

    /// A time given in seconds since the epoch (as admin `show dead jobs` gives them).
    public static func string(epochSeconds: Int) -> String {
        var seconds = time_t(epochSeconds)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let length = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%SZ", &parts)
        return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
