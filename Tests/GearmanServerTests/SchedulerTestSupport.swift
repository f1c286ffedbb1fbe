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

extension Array where Element == SchedulerAction {
    /// The queue-store changes among the actions, in order.
    var persisted: [QueueChange] {
        compactMap { if case .persist(let change, _) = $0 { change } else { nil } }
    }

    /// The jobs whose JOB_CREATED waits for the commit of these actions' changes.
    var acknowledging: [JobID] {
        compactMap { if case .persist(_, let id?) = $0 { id } else { nil } }
    }

    /// The actions without the wake-ups they announce.
    var withoutWakeUps: [SchedulerAction] {
        filter { if case .wakeUp = $0 { false } else { true } }
    }
}
