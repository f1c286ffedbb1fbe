import GearmanProtocol
import NIOCore
import XCTest
@testable import GearmanServer

final class PendingWritesTests: XCTestCase {
    private func drained(_ pending: inout PendingWrites) -> [ByteBuffer] {
        var buffers: [ByteBuffer] = []
        var lastFlags: [Bool] = []
        pending.drain { buffer, isLast in
            buffers.append(buffer)
            lastFlags.append(isLast)
        }
        XCTAssertEqual(lastFlags, buffers.indices.map { $0 == buffers.count - 1 })
        XCTAssertTrue(pending.isEmpty)
        return buffers
    }

    private func encoded(_ packets: [Packet]) -> ByteBuffer {
        var bytes = ByteBuffer()
        for packet in packets { GearmanEncoder.write(packet, to: &bytes) }
        return bytes
    }

    func testTheNextPacketsReuseTheStorageOfAWrittenBuffer() {
        var pending = PendingWrites()
        pending.append(Packet(.response, .jobCreated, "H:h:" + String(repeating: "1", count: 1000)))
        var roomy = 0
        pending.drain { buffer, _ in roomy = buffer.capacity }  // written and let go, as a write that went out at once
        pending.append(Packet(.response, .jobCreated, "H:h:2"))
        let second = drained(&pending)
        XCTAssertEqual(second, [encoded([Packet(.response, .jobCreated, "H:h:2")])])
        XCTAssertGreaterThanOrEqual(roomy, 1012)
        XCTAssertEqual(second[0].capacity, roomy, "no new buffer for the next flush: the roomy one again")
        // A buffer the write still holds (not all of it went out) is left alone.
        pending.append(Packet(.response, .noop))
        var held: [ByteBuffer] = []
        pending.drain { buffer, _ in held.append(buffer) }
        pending.append(Packet(.response, .noJob))
        XCTAssertEqual(drained(&pending), [encoded([Packet(.response, .noJob)])])
        XCTAssertEqual(held, [encoded([Packet(.response, .noop)])], "what the write holds is unchanged")
    }

    func testSmallPacketsAndTextGoOutAsOneBufferInOrder() {
        var pending = PendingWrites()
        XCTAssertTrue(pending.isEmpty)
        let packets = [Packet(.response, .noop), Packet(.response, .jobCreated, "H:h:1")]
        packets.forEach { pending.append($0) }
        pending.append(text: "OK\r\n")
        var expected = encoded(packets)
        expected.writeString("OK\r\n")
        XCTAssertEqual(drained(&pending), [expected])
        XCTAssertEqual(drained(&pending), [], "nothing twice")
    }

    func testALargeArgumentGoesOutAsItsOwnBufferWithTheSameBytesOnTheWire() {
        var pending = PendingWrites()
        let workload = ByteBuffer(repeating: 7, count: PendingWrites.largeArgument)
        let packets = [Packet(.response, .jobAssign, arguments: [ByteBuffer(string: "H:h:1"), ByteBuffer(string: "f"), workload]),
                       Packet(.response, .noop)]
        packets.forEach { pending.append($0) }
        let buffers = drained(&pending)
        XCTAssertEqual(buffers.count, 3)
        XCTAssertEqual(buffers[1], workload)
        XCTAssertEqual(buffers[1].storageCapacity, workload.storageCapacity, "not copied")
        var joined = ByteBuffer()
        for var buffer in buffers { joined.writeBuffer(&buffer) }
        XCTAssertEqual(joined, encoded(packets))
    }
}
