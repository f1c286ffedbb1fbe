import NIOCore

/// A job's unique key as the coalescing index holds it: the bytes, and their hash worked out
/// once. A million-key index then grows without reading every key's bytes again, and a
/// lookup compares bytes only when the hashes match.
struct UniqueKey: Hashable {
    let bytes: ByteBuffer
    private let hash: Int

    init(_ bytes: ByteBuffer) {
        self.bytes = bytes
        var hasher = Hasher()  // seeded per process, so keys cannot be chosen to collide
        bytes.withUnsafeReadableBytes { hasher.combine(bytes: $0) }
        hash = hasher.finalize()
    }

    static func == (lhs: UniqueKey, rhs: UniqueKey) -> Bool {
        lhs.hash == rhs.hash && lhs.bytes == rhs.bytes
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(hash)
    }
}
