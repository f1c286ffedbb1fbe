import GearmanProtocol
import NIOCore
import XCTest
@testable import GearmanServer

final class PartialMessageTests: XCTestCase {
    private func packet(_ data: String) -> ByteBuffer {
        var bytes = ByteBuffer()
        GearmanEncoder.write(Packet(.request, .submitJobBackground, "f", "u", data), to: &bytes)
        return bytes
    }

    private func strings(_ buffers: [ByteBuffer]) -> [String] {
        buffers.map { String(buffer: $0) }
    }

    /// What `add` returned, as a list.
    private func ready(_ bytes: (first: ByteBuffer?, second: ByteBuffer?)) -> [ByteBuffer] {
        [bytes.first, bytes.second].compactMap { $0 }
    }

    func testAReadWithNothingWaitingIsDecodedAsItCame() {
        var partial = PartialMessage()
        var roomy = ByteBufferAllocator().buffer(capacity: 4096)
        roomy.writeImmutableBuffer(packet("x"))
        let decoded = ready(partial.add(roomy))
        XCTAssertEqual(strings(decoded), [String(buffer: packet("x"))])
        XCTAssertEqual(decoded[0].capacity, decoded[0].readableBytes, "a mostly empty read buffer is not kept whole")
        XCTAssertTrue(partial.isEmpty)
    }

    func testAReadWithoutABackgroundJobIsNotCopied() {
        var partial = PartialMessage()
        var roomy = ByteBufferAllocator().buffer(capacity: 4096)
        GearmanEncoder.write(Packet(.request, .submitJob, "f", "u", "x"), to: &roomy)
        GearmanEncoder.write(Packet(.request, .grabJob), to: &roomy)
        let decoded = ready(partial.add(roomy))
        XCTAssertEqual(decoded.map(\.readableBytes), [roomy.readableBytes])
        XCTAssertEqual(decoded[0].capacity, 4096, "no job stays queued holding it: copying it would be wasted")
        XCTAssertTrue(PartialMessage.submitsBackgroundJob(packet("y")))
        XCTAssertFalse(PartialMessage.submitsBackgroundJob(ByteBuffer(string: "status\n")))
    }

    func testAPacketInPiecesComesOutWholeOnceAndTheRestApart() {
        var partial = PartialMessage()
        let first = packet(String(repeating: "a", count: 100)), second = packet("b")
        var stream = first
        stream.writeImmutableBuffer(second)
        var pieces: [ByteBuffer] = []
        for (start, length) in [(0, 10), (10, 40), (50, first.readableBytes - 50 + 3)] {  // the last one: the rest and 3 bytes more
            pieces.append(stream.getSlice(at: start, length: length)!)
        }
        // As the connection handler does: what decodes to nothing whole is kept for the next read.
        var decoded = ready(partial.add(pieces[0]))
        XCTAssertEqual(strings(decoded), [String(buffer: pieces[0])])
        partial.keep(decoded[0])
        decoded = ready(partial.add(pieces[1]))
        XCTAssertEqual(decoded.map(\.readableBytes), [50], "the header was incomplete: tried again")
        partial.keep(decoded[0])
        XCTAssertEqual(ready(partial.add(pieces[2].getSlice(at: 0, length: 5)!)), [], "the header says more is coming")
        decoded = ready(partial.add(pieces[2].getSlice(at: 5, length: pieces[2].readableBytes - 5)!))
        XCTAssertEqual(strings(decoded), [String(buffer: first), String(buffer: second.getSlice(at: 0, length: 3)!)])
        XCTAssertEqual(decoded[0].capacity, first.readableBytes, "exactly the packet")
        XCTAssertTrue(partial.isEmpty)
    }

    func testAnAdminLineInPiecesIsTriedOnEveryRead() {
        var partial = PartialMessage()
        partial.keep(ByteBuffer(string: "sta"))
        XCTAssertEqual(strings(ready(partial.add(ByteBuffer(string: "tu")))), ["statu"])
        partial.keep(ByteBuffer(string: "statu"))
        XCTAssertEqual(strings(ready(partial.add(ByteBuffer(string: "s\n")))), ["status\n"])
    }
}
