import GearmanProtocol
import NIOCore
import Glibc

/// A blocking connection to one job server's text admin protocol, over TCP or TLS.
package final class AdminConnection {
    package struct Failure: Error {
        package let message: String
        package init(message: String) { self.message = message }
    }

    private enum Transport {
        case socket(Int32)
        case tls(TLSTransport)
    }

    private let transport: Transport
    private let timeoutSeconds: Int

    /// Connects to `server`, trying each address its host resolves to; with `tls`, over TLS.
    package init(_ server: ServerAddress, timeoutSeconds: Int = 10, tls: ClientTLS? = nil) throws(Failure) {
        self.timeoutSeconds = timeoutSeconds
        if let tls {
            transport = .tls(try TLSTransport(server, tls: tls, timeoutSeconds: timeoutSeconds))
            return
        }
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
                    transport = .socket(fd)
                    return
                }
                lastError = errno
                close(fd)
            }
            candidate = address.pointee.ai_next
        }
        throw Failure(message: "cannot connect to \(server): \(StandardStreams.describe(errno: lastError))")
    }

    /// For `gearman bench`, which names a server by host and port.
    package convenience init(host: String, port: Int, tls: ClientTLS?) throws(Failure) {
        try self.init(ServerAddress(host: host, port: UInt16(clamping: port)), tls: tls)
    }

    deinit {
        if case .socket(let fd) = transport { close(fd) }
    }

    /// Writes all of `bytes`; the error text if it could not.
    private func sendAll(_ bytes: [UInt8]) -> String? {
        switch transport {
        case .tls(let connection):
            return connection.send(bytes) ? nil : "the TLS connection failed"
        case .socket(let fd):
            var sent = 0
            while sent < bytes.count {
                let count = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if count <= 0 { return StandardStreams.describe(errno: errno) }
                sent += count
            }
            return nil
        }
    }

    /// The next bytes from the server: empty when it closed the connection; the error text
    /// when nothing came in time or the connection failed.
    private func receiveSome() -> Result<[UInt8], Failure> {
        switch transport {
        case .tls(let connection):
            guard let bytes = connection.receive(timeoutSeconds: timeoutSeconds) else {
                return .failure(Failure(message: "no answer within \(timeoutSeconds) s, or the TLS connection failed"))
            }
            return .success(bytes)
        case .socket(let fd):
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = recv(fd, &chunk, chunk.count, 0)
            if count < 0 { return .failure(Failure(message: StandardStreams.describe(errno: errno))) }
            return .success(Array(chunk[0..<count]))
        }
    }

    /// Sends a binary request packet and reads the one packet that answers it.
    package func request(_ packet: Packet) throws(Failure) -> Packet {
        var out = ByteBuffer()
        GearmanEncoder.write(packet, to: &out)
        if let problem = sendAll(Array(out.readableBytesView)) { throw Failure(message: "cannot send \(packet.type): \(problem)") }
        var reply = ByteBuffer()
        let decoder = GearmanDecoder()
        while true {
            var view = reply
            do throws(GearmanProtocolError) {
                if case .packet(let answer)? = try decoder.decodeMessage(&view) { return answer }
            } catch {
                throw Failure(message: "the server's answer to \(packet.type) is not Gearman: \(error)")
            }
            switch receiveSome() {
            case .failure(let failure): throw Failure(message: "no answer to \(packet.type): \(failure.message)")
            case .success(let bytes) where bytes.isEmpty: throw Failure(message: "the server closed the connection after \(packet.type)")
            case .success(let bytes): reply.writeBytes(bytes)
            }
        }
    }

    /// Sends `command` and reads its whole reply.
    package func run(_ command: String, listing: Bool) throws(Failure) -> String {
        if let problem = sendAll(Array((command + "\r\n").utf8)) { throw Failure(message: "cannot send '\(command)': \(problem)") }
        var reply: [UInt8] = []
        while !AdminReply.isComplete(reply, listing: listing) {
            switch receiveSome() {
            case .failure(let failure): throw Failure(message: "no reply to '\(command)': \(failure.message)")
            case .success(let bytes) where bytes.isEmpty: throw Failure(message: "the server closed the connection during '\(command)'")
            case .success(let bytes): reply += bytes
            }
        }
        return String(decoding: reply, as: UTF8.self)
    }
}
