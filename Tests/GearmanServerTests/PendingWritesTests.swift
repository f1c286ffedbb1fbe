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
