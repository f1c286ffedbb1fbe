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
    /// Four connections submit 5,000 background jobs each to `server`, which gets SIGKILL once
    /// 2,000 are acknowledged; returns the payloads acknowledged before it died.
    static func acknowledgedBeforeKill(_ server: JobServerProcess, function: String,
                                       file: StaticString = #filePath, line: UInt = #line) -> [String] {
        let tally = LoadTally()
        let port = server.port
        let submitters = inParallel(4) { index in
            submit(port: port, function: function, tag: "c\(index)", count: 5_000, payloadBytes: 100, into: tally)
        }
        XCTAssertTrue(eventually(timeout: 30) { tally.acknowledgedPayloads.count >= 2_000 }, "the load did not get going",
                      file: file, line: line)
        kill(server.process.pid, SIGKILL)
        XCTAssertEqual(submitters.wait(timeout: .now() + 30), .success, "the load did not end", file: file, line: line)
        let acknowledged = tally.acknowledgedPayloads
        XCTAssertLessThan(acknowledged.count, 20_000, "the kill came after every submission; the test proves nothing",
                          file: file, line: line)
        return acknowledged
    }

    /// 3,000 background jobs submitted to `server`, then a worker drains them and the server
    /// gets SIGKILL once 1,000 are done; `restart` starts a server on the same queue, which is
    /// drained. Checks that no job is lost and that few ran twice (at least once: only jobs
    /// whose end was not committed yet); returns how many ran before, after, and twice.
    static func killWhileDraining(_ server: JobServerProcess, restart: () throws -> JobServerProcess,
                                  file: StaticString = #filePath, line: UInt = #line) throws -> (before: Int, after: Int, twice: Int) {
        let queued = LoadTally()
        submit(port: server.port, function: "drain", tag: "j", count: 3_000, into: queued)
        XCTAssertEqual(queued.acknowledgedPayloads.count, 3_000, file: file, line: line)
        let ranFirst = LoadTally()
        let port = server.port
        let worker = inParallel(1) { _ in drain(port: port, function: "drain", into: ranFirst) }
        XCTAssertTrue(eventually(timeout: 30) { ranFirst.completedPayloads.count >= 1_000 }, "the drain did not get going",
                      file: file, line: line)
        kill(server.process.pid, SIGKILL)
        XCTAssertEqual(worker.wait(timeout: .now() + 30), .success, "the worker did not end", file: file, line: line)
        let done = ranFirst.completedPayloads
        XCTAssertLessThan(done.count, 3_000, "the kill came after the drain; the test proves nothing", file: file, line: line)

        let ranAgain = LoadTally()
        drain(port: try restart().port, function: "drain", into: ranAgain)
        let again = ranAgain.completedPayloads
        let missing = Set(queued.acknowledgedPayloads).subtracting(done).subtracting(again)
        XCTAssertTrue(missing.isEmpty, "\(missing.count) jobs lost, e.g. \(missing.prefix(5))", file: file, line: line)
        let twice = Set(done).intersection(again)
        XCTAssertLessThan(twice.count, 200, "\(twice.count) completed jobs came back", file: file, line: line)
        return (done.count, again.count, twice.count)
    }

    /// Drains `function` from the restarted server on `port` and checks that every payload in
    /// `acknowledged` came back, and none twice; returns the payloads drained.
    @discardableResult
    static func assertRestored(_ acknowledged: [String], port: UInt16, function: String,
                               file: StaticString = #filePath, line: UInt = #line) -> [String] {
        let drained = LoadTally()
        drain(port: port, function: function, into: drained)
        let payloads = drained.completedPayloads
        XCTAssertEqual(Set(payloads).count, payloads.count, "a job came back twice though no worker ran it", file: file, line: line)
        let missing = Set(acknowledged).subtracting(payloads)
        XCTAssertTrue(missing.isEmpty, "\(missing.count) acknowledged jobs lost, e.g. \(missing.prefix(5))", file: file, line: line)
        return payloads
    }

    static func inParallel(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) -> DispatchGroup {
        let group = DispatchGroup()
        for index in 0..<count {
            DispatchQueue.global().async(group: group) { body(index) }
        }
        return group
    }
}
