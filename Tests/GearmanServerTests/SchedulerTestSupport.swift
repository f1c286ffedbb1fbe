import GearmanProtocol
import NIOCore
import XCTest
@testable import GearmanServer

/// A request packet with text arguments.
func request(_ type: PacketType, _ arguments: String...) -> Packet {
    Packet(.request, type, arguments: arguments.map { ByteBuffer(string: $0) })
}

extension XCTestCase {
    /// `receive`, then the invariant check the scheduler tests make after every event.
    func send(_ scheduler: inout Scheduler, _ packet: Packet, from connection: ConnectionID,
              file: StaticString = #filePath, line: UInt = #line) -> [SchedulerAction] {
        let actions = scheduler.receive(packet, from: connection)
        XCTAssertEqual(scheduler.invariantViolations(), [], "after \(packet.type)", file: file, line: line)
        return actions
    }
}
