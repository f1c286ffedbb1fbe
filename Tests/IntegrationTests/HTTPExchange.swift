import Foundation
import XCTest

/// An HTTP/1.1 connection written by hand, so that tests control every byte (keep-alive,
/// malformed requests) and see the raw answer.
final class HTTPExchange {
    struct Response {
        let status: Int
        let headers: [String: String]
        let body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    private let connection: RawConnection

    init(port: UInt16) throws {
        connection = try RawConnection(port: port)
    }

    /// Sends `method path` with `headers` and `body`, and reads the answer.
    func request(_ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8] = []) -> Response? {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if !body.isEmpty || method == "POST" || method == "PUT" { head += "Content-Length: \(body.count)\r\n" }
        connection.send(bytes: Array((head + "\r\n").utf8) + body)
        return readResponse()
    }

    /// Sends raw bytes and reads one answer.
    func raw(_ bytes: String) -> Response? {
        connection.send(bytes: Array(bytes.utf8))
        return readResponse()
    }

    /// Sends bytes without waiting for an answer.
    func sendOnly(_ bytes: String) {
        connection.send(bytes: Array(bytes.utf8))
    }

    /// Hangs up.
    func close() {
        shutdown(connection.fd, Int32(SHUT_RDWR))
    }

    private func readResponse(timeout: TimeInterval = 20) -> Response? {
        let deadline = Date().addingTimeInterval(timeout)
        var data: [UInt8] = []
        while true {
            if let end = data.firstRange(of: Array("\r\n\r\n".utf8)) {
                let head = String(decoding: data[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
                var headers: [String: String] = [:]
                for line in head.dropFirst() {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                let length = Int(headers["content-length"] ?? "0") ?? 0
                if data.count - end.upperBound >= length {
                    let status = Int(head.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
                    let body = Array(data[end.upperBound..<(end.upperBound + length)])
                    connection.keep(Array(data[(end.upperBound + length)...]))
                    return Response(status: status, headers: headers, body: body)
                }
            }
            guard let more = connection.receiveBytes(until: deadline) else { return nil }
            data += more
        }
    }
}
