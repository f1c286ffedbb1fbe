import GearmanKit
import GearmanProtocol
import NIOCore
import Glibc

/// A blocking connection to one job server's text admin protocol.
final class AdminConnection {
    struct Failure: Error {
        let message: String
    }

    private let fd: Int32

    /// Connects to `server`, trying each address its host resolves to.
    init(_ server: ServerAddress, timeoutSeconds: Int = 10) throws(Failure) {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(server.host, String(server.port), &hints, &list) == 0, let first = list else {
            throw Failure(message: "cannot resolve \(server.host)")
        }
        defer { freeaddrinfo(list) }
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        var lastError: Int32 = 0
        while let address = candidate {
            let fd = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
            if fd >= 0 {
                var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                if connect(fd, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 {
                    self.fd = fd
                    return
                }
                lastError = errno
                close(fd)
            }
            candidate = address.pointee.ai_next
        }
        throw Failure(message: "cannot connect to \(server): \(StandardStreams.describe(errno: lastError))")
    }

    deinit { close(fd) }

    /// Sends a binary request packet and reads the one packet that answers it.
    func request(_ packet: Packet) throws(Failure) -> Packet {
        var out = ByteBuffer()
        GearmanEncoder.write(packet, to: &out)
        let bytes = Array(out.readableBytesView)
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count <= 0 { throw Failure(message: "cannot send \(packet.type): \(StandardStreams.describe(errno: errno))") }
            sent += count
        }
        var reply = ByteBuffer()
        var chunk = [UInt8](repeating: 0, count: 65536)
        let decoder = GearmanDecoder()
        while true {
            var view = reply
            do throws(GearmanProtocolError) {
                if case .packet(let answer)? = try decoder.decodeMessage(&view) { return answer }
            } catch {
                throw Failure(message: "the server's answer to \(packet.type) is not Gearman: \(error)")
            }
            let count = recv(fd, &chunk, chunk.count, 0)
            if count == 0 { throw Failure(message: "the server closed the connection after \(packet.type)") }
            if count < 0 { throw Failure(message: "no answer to \(packet.type): \(StandardStreams.describe(errno: errno))") }
            reply.writeBytes(chunk[0..<count])
        }
    }

    /// Sends `command` and reads its whole reply.
    func run(_ command: String, listing: Bool) throws(Failure) -> String {
        let line = Array((command + "\r\n").utf8)
        var sent = 0
        while sent < line.count {
            let count = line[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count <= 0 { throw Failure(message: "cannot send '\(command)': \(StandardStreams.describe(errno: errno))") }
            sent += count
        }
        var reply: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while !AdminReply.isComplete(reply, listing: listing) {
            let count = recv(fd, &chunk, chunk.count, 0)
            if count == 0 { throw Failure(message: "the server closed the connection during '\(command)'") }
            if count < 0 { throw Failure(message: "no reply to '\(command)': \(StandardStreams.describe(errno: errno))") }
            reply += chunk[0..<count]
        }
        return String(decoding: reply, as: UTF8.self)
    }
}
