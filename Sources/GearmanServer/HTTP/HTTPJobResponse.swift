import GearmanProtocol
import NIOCore
import NIOHTTP1

/// The answer to an HTTP job submission, built from the packets the scheduler sends to the
/// submitting client (no I/O): the job handle, then the result as the body.
struct HTTPJobResponse {
    /// A complete answer.
    struct Finished: Equatable {
        var status: HTTPResponseStatus
        /// The packet that ended the job, as gearmand's `X-Gearman-Command` header names it.
        var command: String
        var handle: String?
        var body: ByteBuffer
    }

    let background: Bool
    private(set) var handle: String?
    private var body = ByteBuffer()

    init(background: Bool) {
        self.background = background
    }

    /// Takes one packet; returns the answer once the job's outcome is known.
    mutating func receive(_ packet: Packet) -> Finished? {
        let data = packet.arguments.count > 1 ? packet.arguments[packet.arguments.count - 1] : ByteBuffer()
        switch packet.type {
        case .jobCreated:
            handle = packet.string(at: 0)
            return background ? finish(.ok, "JOB_CREATED") : nil
        case .workData:
            var data = data
            body.writeBuffer(&data)
            return nil
        case .workComplete:
            var data = data
            body.writeBuffer(&data)
            return finish(.ok, "WORK_COMPLETE")
        case .workFail:
            return finish(.internalServerError, "WORK_FAIL")
        case .workException:
            body = data
            return finish(.internalServerError, "WORK_EXCEPTION")
        case .error:
            body = ByteBuffer(string: "\(packet.string(at: 0) ?? ""): \(packet.string(at: 1) ?? "")\n")
            return finish(.serviceUnavailable, "ERROR")
        default:
            // WORK_STATUS and WORK_WARNING have no place in a single HTTP answer.
            return nil
        }
    }

    private func finish(_ status: HTTPResponseStatus, _ command: String) -> Finished {
        Finished(status: status, command: command, handle: handle, body: body)
    }
}
