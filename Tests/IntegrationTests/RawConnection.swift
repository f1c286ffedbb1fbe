import Foundation
import XCTest

/// A blocking TCP connection to a job server that speaks the binary protocol byte by byte,
/// written here independently of the server's codec, so tests see exactly what goes over the wire.
final class RawConnection {
    /// A packet read from the server.
    struct Reply: Equatable, CustomStringConvertible {
        let type: UInt32
        let arguments: [String]
        var description: String { "\(type) \(arguments)" }
    }

    /// Packet type numbers from gearmand's PROTOCOL file.
    enum Kind: UInt32 {
        case canDo = 1, cantDo = 2, preSleep = 4, noop = 6, submitJob = 7, jobCreated = 8, grabJob = 9, noJob = 10
        case jobAssign = 11, workStatus = 12, workComplete = 13, workFail = 14, getStatus = 15, echoRequest = 16
        case echoResponse = 17, submitJobBackground = 18, error = 19, statusResponse = 20, submitJobHigh = 21
        case setClientID = 22, canDoTimeout = 23, workException = 25, optionRequest = 26, optionResponse = 27
        case workData = 28, workWarning = 29, grabJobUnique = 30, jobAssignUnique = 31, submitJobLow = 33
        case submitJobHighBackground = 32, submitJobLowBackground = 34, submitJobEpoch = 36, grabJobAll = 39, jobAssignAll = 40
        case getStatusUnique = 41, statusResponseUnique = 42
    }

    let fd: Int32
    private var buffer: [UInt8] = []

    /// Connects to 127.0.0.1:`port`, from the loopback address `source` if given (127.0.0.2
    /// is another host as far as the server's address checks go).
    init(port: UInt16, from source: String? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else {
                close(fd)
                throw XCTSkip("cannot bind to \(source)")
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw XCTSkip("cannot connect to 127.0.0.1:\(port)")
        }
        // Without this, a request written right after another waits for the delayed ACK (40 ms).
        var noDelay: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close(fd) }

    /// Sends raw bytes as they are.
    func send(bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written <= 0 { return }
            offset += written
        }
    }

    /// Sends `bytes` again and again without reading anything, until `limit` bytes went out or
    /// `seconds` passed; a send that would block is retried until then. Returns the bytes sent.
    func sendWithoutBlocking(repeating bytes: [UInt8], upTo limit: Int, for seconds: TimeInterval) -> Int {
        let deadline = Date().addingTimeInterval(seconds)
        var sent = 0
        var offset = 0
        while sent < limit && Date() < deadline {
            let count = bytes[offset...].withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if count > 0 {
                sent += count
                offset = (offset + count) % bytes.count
            } else if errno == EAGAIN || errno == EWOULDBLOCK {
                usleep(1_000)
            } else {
                break
            }
        }
        return sent
    }

    /// Closes the connection now (the object stays, unusable).
    func closeNow() {
        shutdown(fd, Int32(SHUT_RDWR))
    }

    /// Sends a request packet: `\0REQ`, the type, the length, the arguments joined by NULs.
    func send(_ kind: Kind, _ arguments: [String] = []) {
        send(bytes: Self.packet(kind.rawValue, arguments.map { Array($0.utf8) }))
    }

    static func packet(_ type: UInt32, _ arguments: [[UInt8]]) -> [UInt8] {
        let body = Array(arguments.joined(separator: [0]))
        return [0, 0x52, 0x45, 0x51] + bigEndian(type) + bigEndian(UInt32(body.count)) + body
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }

    /// The next packet, or nil if none arrives before the deadline or the server closed.
    func receive(timeout: TimeInterval = 5) -> Reply? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if buffer.count >= 12 {
                let size = Int(buffer[8..<12].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
                if buffer.count >= 12 + size {
                    let type = buffer[4..<8].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
                    let body = Array(buffer[12..<(12 + size)])
                    buffer.removeFirst(12 + size)
                    let arguments = body.isEmpty ? [] : body.split(separator: 0, omittingEmptySubsequences: false)
                        .map { String(decoding: $0, as: UTF8.self) }
                    return Reply(type: type, arguments: arguments)
                }
            }
            guard readMore(until: deadline) else { return nil }
        }
    }

    /// The next packet's type, skipping none; fails the test if it is not `kind`.
    @discardableResult
    func expect(_ kind: Kind, timeout: TimeInterval = 5, file: StaticString = #filePath, line: UInt = #line) -> Reply? {
        let reply = receive(timeout: timeout)
        XCTAssertEqual(reply?.type, kind.rawValue, "expected \(kind), got \(String(describing: reply))", file: file, line: line)
        return reply
    }

    /// A text admin reply: everything up to the closing ".\n" (listings) or the first line.
    func adminReply(_ command: String, timeout: TimeInterval = 5) -> String {
        send(bytes: Array((command + "\r\n").utf8))
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            // Bytes, not Characters: Swift reads "\r\n" as one Character.
            let endsLine = buffer.last == UInt8(ascii: "\n")
            let isStatusLine = buffer.starts(with: Array("OK".utf8)) || buffer.starts(with: Array("ERR".utf8))
            let endsListing = buffer == Array(".\n".utf8) || buffer.suffix(3) == Array("\n.\n".utf8)[...]
            if (endsLine && isStatusLine) || endsListing || !readMore(until: deadline) {
                defer { buffer = [] }
                return String(decoding: buffer, as: UTF8.self)
            }
        }
    }

    /// Whatever bytes arrive next (after any kept ones), or nil at the deadline or when the server closed.
    func receiveBytes(until deadline: Date) -> [UInt8]? {
        if buffer.isEmpty && !readMore(until: deadline) { return nil }
        defer { buffer = [] }
        return buffer
    }

    /// Puts bytes read too far back in front of the next read.
    func keep(_ bytes: [UInt8]) {
        buffer = bytes + buffer
    }

    /// Whether the server closed the connection before the deadline.
    func isClosedByServer(timeout: TimeInterval = 5) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while readMore(until: deadline) {}
        return Date() < deadline
    }

    private func readMore(until deadline: Date) -> Bool {
        let remaining = deadline.timeIntervalSinceNow
        guard remaining > 0 else { return false }
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(remaining * 1000)) > 0 else { return false }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = recv(fd, &chunk, chunk.count, 0)
        guard count > 0 else { return false }
        buffer += chunk[0..<count]
        return true
    }
}
