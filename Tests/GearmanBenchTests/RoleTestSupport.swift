import GearmanProtocol
import NIOCore
@testable import GearmanBench

/// Packets as the server sends them, and the requests the roles are expected to send.
enum Wire {
    static func response(_ type: PacketType, _ arguments: String...) -> Packet {
        Packet(.response, type, arguments: arguments.map { ByteBuffer(string: $0) })
    }

    static func request(_ type: PacketType, _ arguments: String...) -> Packet {
        Packet(.request, type, arguments: arguments.map { ByteBuffer(string: $0) })
    }

    /// The jobs of connection `connection` in a run with id 0xabc: keys `abc-C-N`.
    static func source(_ type: PacketType = .submitJobBackground, functions: [String] = ["bench0"], payload: Int = 3,
                       distinct: Bool = true, connection: Int = 0, quota: Int?) -> JobSource {
        JobSource(type: type, functions: functions, payload: payload, distinctKeys: distinct, runID: 0xabc,
                  connection: connection, quota: quota)
    }
}
