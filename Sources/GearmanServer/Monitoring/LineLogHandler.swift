import GearmanProtocol
import GearmanTool
import Glibc
import Logging

/// A swift-log handler that writes one line per message to a file descriptor (stderr or
/// a log file opened for appending), with a UTC timestamp, the level and the metadata.
public struct LineLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let descriptor: Int32

    public init(descriptor: Int32, level: Logger.Level) {
        self.descriptor = descriptor
        self.logLevel = level
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        let fields = all.sorted { $0.key < $1.key }.map { " \($0.key)=\($0.value)" }.joined()
        let line = "\(UTCTimestamp.now()) \(event.level.rawValue.uppercased()) \(event.message)\(fields)\n"
        var bytes = Array(line.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written <= 0 { return }
            offset += written
        }
    }
}
