@_spi(CustomByteBufferAllocator) import NIOCore
import GearmanProtocol
import Glibc

/// What a connection read and could not decode yet: the pieces of a message that has not
/// fully arrived. They are put together once, when the message is complete, in storage of
/// exactly its size.
///
/// Queued jobs keep slices of what was read, so the storage they point into is what a queued
/// job costs. NIO rounds every read buffer up to a power of two, and growing a buffer by each
/// read copies it whole every time (a 64 KiB packet in 4 KiB reads was copied sixteen times).
struct PartialMessage {
    private var pieces: [ByteBuffer] = []
    private var count = 0
    /// The size of the message waiting to complete, when its header says it (0: not known).
    private var needed = 0

    /// Nothing is waiting.
    var isEmpty: Bool { pieces.isEmpty }

    /// Adds what was read; returns the bytes to decode next: none while the message waiting
    /// is still incomplete, else the first, then (if it is not nil) the second.
    mutating func add(_ bytes: ByteBuffer) -> (first: ByteBuffer?, second: ByteBuffer?) {
        guard !pieces.isEmpty else { return (Self.compacted(bytes), nil) }
        pieces.append(bytes)
        count += bytes.readableBytes
        if count < needed { return (nil, nil) }
        guard needed > 0 else { return (take(pieces), nil) }
        // Exactly the message, then what follows it in the last piece.
        var last = pieces.removeLast()
        let rest = count - needed
        pieces.append(last.readSlice(length: last.readableBytes - rest)!)
        let message = take(pieces)
        return (message, rest > 0 ? Self.compacted(last) : nil)
    }

    /// Keeps the start of a message that has not fully arrived, for the next read.
    mutating func keep(_ start: ByteBuffer) {
        pieces = [start.slice()]
        count = start.readableBytes
        needed = Self.declaredSize(of: start) ?? 0
    }

    private mutating func take(_ parts: [ByteBuffer]) -> ByteBuffer {
        pieces = []
        count = 0
        needed = 0
        return Self.joined(parts)
    }

    /// A binary packet's whole size from its header, if the header has arrived.
    private static func declaredSize(of start: ByteBuffer) -> Int? {
        guard start.getInteger(at: start.readerIndex, as: UInt8.self) == 0,
              let size = start.getInteger(at: start.readerIndex + 8, as: UInt32.self) else { return nil }
        return 12 + Int(size)
    }

    /// The bytes themselves, or a copy of exactly their size when their buffer is much larger
    /// and a background job will hold on to them. Other packets are done with when decoded.
    static func compacted(_ bytes: ByteBuffer) -> ByteBuffer {
        let sparse = bytes.capacity > bytes.readableBytes + bytes.readableBytes / 4
        return sparse && submitsBackgroundJob(bytes) ? joined([bytes]) : bytes
    }

    /// Whether a binary packet in `bytes` (whole or begun) submits a background job.
    static func submitsBackgroundJob(_ bytes: ByteBuffer) -> Bool {
        var offset = bytes.readerIndex
        while bytes.getInteger(at: offset, as: UInt8.self) == 0,
              let type = bytes.getInteger(at: offset + 4, as: UInt32.self) {
            switch PacketType(rawValue: type) {
            case .submitJobBackground?, .submitJobHighBackground?, .submitJobLowBackground?, .submitJobScheduled?,
                 .submitJobEpoch?, .submitReduceJobBackground?:
                return true
            default:
                break
            }
            guard let size = bytes.getInteger(at: offset + 8, as: UInt32.self) else { return false }
            offset += Packet.headerSize + Int(size)
        }
        return false
    }

    /// The parts, one after the other, in storage of exactly their size.
    static func joined(_ parts: [ByteBuffer]) -> ByteBuffer {
        let size = parts.reduce(0) { $0 + $1.readableBytes }
        guard size > 0, let start = malloc(size) else { return ByteBuffer() }
        var offset = 0
        for part in parts where part.readableBytes > 0 {
            part.withUnsafeReadableBytes { start.advanced(by: offset).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            offset += part.readableBytes
        }
        return ByteBuffer(takingOwnershipOf: UnsafeMutableRawBufferPointer(start: start, count: size),
                          allocator: ByteBufferAllocator())
    }
}
