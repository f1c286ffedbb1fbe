import GearmanServer
import Glibc

/// What is checked before SQLite opens a queue file, so that a file that is not ours is
/// refused without a byte of it being written.
enum StoreFileCheck {
    /// The first 16 bytes of every SQLite 3 database file.
    static let header = Array("SQLite format 3".utf8) + [0]

    static func check(path: String, table: String) throws(QueueStoreError) {
        guard let first = table.unicodeScalars.first, first == "_" || first.properties.isAlphabetic && first.isASCII,
              table.unicodeScalars.allSatisfy({ $0.isASCII && ($0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0)) })
        else {
            throw QueueStoreError(message: "invalid table name '\(table)': use letters, digits and _")
        }
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        var info = stat()
        if stat(directory.isEmpty ? "/" : directory, &info) != 0 || (info.st_mode & S_IFMT) != S_IFDIR {
            throw QueueStoreError(message: "cannot create the queue file \(path): directory \(directory) does not exist")
        }
        guard stat(path, &info) == 0 else { return }  // a new file
        if (info.st_mode & S_IFMT) != S_IFREG {
            throw QueueStoreError(message: "\(path) is not a regular file")
        }
        if access(path, R_OK | W_OK) != 0 {
            throw QueueStoreError(message: "cannot read and write the queue file \(path): \(String(cString: strerror(errno)))")
        }
        guard info.st_size > 0 else { return }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw QueueStoreError(message: "cannot read the queue file \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var bytes = [UInt8](repeating: 0, count: header.count)
        let count = read(descriptor, &bytes, bytes.count)
        if count != header.count || bytes != header {
            throw QueueStoreError(message: "\(path) is not an SQLite database; refusing to use it as the queue (it was not changed)")
        }
    }
}
