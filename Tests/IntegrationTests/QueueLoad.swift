import Foundation
import XCTest

/// Counts shared between load threads and the test (which reads them to pick a moment).
final class LoadTally: @unchecked Sendable {
    private let lock = NSLock()
    private var acknowledged: [String] = []
    private var completed: [String] = []

    func acknowledge(_ payload: String) { lock.withLock { acknowledged.append(payload) } }
    func complete(_ payload: String) { lock.withLock { completed.append(payload) } }
    var acknowledgedPayloads: [String] { lock.withLock { acknowledged } }
    var completedPayloads: [String] { lock.withLock { completed } }
}

/// Pipelined background submissions and a draining worker over `RawConnection`, as a load
/// in which the server can be killed at any moment.
enum QueueLoad {
    /// Sends `count` SUBMIT_JOB_BG packets at once on one connection (payload and unique key
    /// `<tag>-<n>`), then records each payload whose JOB_CREATED arrives (answers come in
    /// submission order). Returns when the answers stop: all came, or the server died.
    static func submit(port: UInt16, function: String, tag: String, count: Int, payloadBytes: Int = 0,
                       into tally: LoadTally) {
        guard let connection = try? RawConnection(port: port) else { return }
        let padding = String(repeating: "x", count: payloadBytes)
        let payloads = (0..<count).map { "\(tag)-\($0)" }
        var bytes: [UInt8] = []
        for payload in payloads {
            bytes += RawConnection.packet(RawConnection.Kind.submitJobBackground.rawValue,
                                          [Array(function.utf8), Array(payload.utf8), Array((payload + padding).utf8)])
        }
        connection.send(bytes: bytes)
        var index = 0
        while index < count, let reply = connection.receive(timeout: 20) {
            if reply.type == RawConnection.Kind.jobCreated.rawValue { tally.acknowledge(payloads[index]) }
            index += 1
        }
    }

    /// A worker that takes jobs of `function` one at a time and completes them, recording
    /// each payload (up to its first "x") before its WORK_COMPLETE is sent, until NO_JOB or the server dies.
    static func drain(port: UInt16, function: String, into tally: LoadTally) {
        guard let connection = try? RawConnection(port: port) else { return }
        connection.send(.canDo, [function])
        connection.send(.grabJob)
        while true {
            guard let reply = connection.receive(timeout: 20) else { return }
            if reply.type == RawConnection.Kind.noJob.rawValue { return }
            guard reply.type == RawConnection.Kind.jobAssign.rawValue, reply.arguments.count == 3 else { return }
            tally.complete(String(reply.arguments[2].prefix { $0 != "x" }))
            // The result and the next request in one write.
            connection.send(bytes: RawConnection.packet(RawConnection.Kind.workComplete.rawValue, [Array(reply.arguments[0].utf8), []])
                            + RawConnection.packet(RawConnection.Kind.grabJob.rawValue, []))
        }
    }

    /// Runs `body` for 0..<count on separate threads and waits for all.
    static func inParallel(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) -> DispatchGroup {
        let group = DispatchGroup()
        for index in 0..<count {
            DispatchQueue.global().async(group: group) { body(index) }
        }
        return group
    }
}
