import GearmanServer

/// A commit's changes reduced to what each row ends as, so that the whole commit can be one
/// SQL statement: per table, a key is either written or deleted, never both, so the
/// statement's parts cannot meet on a row. Applying the changes one by one leaves the same
/// rows (the last change to a row wins), and rows written keep the order of their last write.
struct NetChanges: Equatable {
    /// Jobs to write into the queue table, in the order of their last `add`.
    var queueWrites: [StoredJob] = []
    /// No written job has a failure history or another change in this commit: they are new
    /// submissions, which a plain INSERT can write (cheaper than an upsert).
    var queueWritesAreNew = true
    var queueDeletes: [StoreKey] = []
    /// Failure histories to write (jobs whose last `add` carried one).
    var failureWrites: [StoredJob] = []
    var failureDeletes: [StoreKey] = []
    /// Buried jobs, in the order they were buried.
    var deadWrites: [StoredJob] = []
    var deadDeletes: [StoreKey] = []

    private enum Row {
        case write(StoredJob, order: Int)
        case delete
    }

    init(_ changes: [QueueChange]) {
        var queue: [StoreKey: Row] = [:], failures: [StoreKey: Row] = [:], dead: [StoreKey: Row] = [:]
        for (order, change) in changes.enumerated() {
            switch change {
            case .add(let job):
                let key = StoreKey(function: job.function, unique: job.unique)
                if job.failures != nil || queue[key] != nil { queueWritesAreNew = false }
                queue[key] = .write(job, order: order)
                if job.failures != nil { failures[key] = .write(job, order: order) }
            case .remove(let function, let unique):
                let key = StoreKey(function: function, unique: unique)
                queue[key] = .delete
                failures[key] = .delete
            case .bury(let job):
                let key = StoreKey(function: job.function, unique: job.unique)
                queue[key] = .delete
                failures[key] = .delete
                dead[key] = .write(job, order: order)
            case .unbury(let function, let unique):
                dead[StoreKey(function: function, unique: unique)] = .delete
            }
        }
        (queueWrites, queueDeletes) = Self.split(queue)
        (failureWrites, failureDeletes) = Self.split(failures)
        (deadWrites, deadDeletes) = Self.split(dead)
    }

    /// The rows to write, in change order, and the keys to delete (sorted, for stable statements).
    private static func split(_ rows: [StoreKey: Row]) -> ([StoredJob], [StoreKey]) {
        var writes: [(Int, StoredJob)] = [], deletes: [StoreKey] = []
        for (key, row) in rows {
            switch row {
            case .write(let job, let order): writes.append((order, job))
            case .delete: deletes.append(key)
            }
        }
        return (writes.sorted { $0.0 < $1.0 }.map(\.1),
                deletes.sorted { ($0.function, $0.unique) < ($1.function, $1.unique) })
    }

    var isEmpty: Bool {
        queueWrites.isEmpty && queueDeletes.isEmpty && failureWrites.isEmpty && failureDeletes.isEmpty
            && deadWrites.isEmpty && deadDeletes.isEmpty
    }

    /// The same changes cut into parts of at most `rows` rows and about `bytes` bytes of job
    /// data each, for a commit too large for one statement. Every part keeps the write order.
    func parts(rows: Int, bytes: Int) -> [NetChanges] {
        var parts: [NetChanges] = []
        var current = NetChanges([]), count = 0, size = 0
        current.queueWritesAreNew = queueWritesAreNew
        func room(_ jobBytes: Int) {
            if count > 0 && (count + 1 > rows || size + jobBytes > bytes) {
                parts.append(current)
                current = NetChanges([])
                current.queueWritesAreNew = queueWritesAreNew
                count = 0
                size = 0
            }
            count += 1
            size += jobBytes
        }
        for key in queueDeletes { room(0); current.queueDeletes.append(key) }
        for key in failureDeletes { room(0); current.failureDeletes.append(key) }
        for key in deadDeletes { room(0); current.deadDeletes.append(key) }
        for job in queueWrites { room(job.data.readableBytes); current.queueWrites.append(job) }
        for job in failureWrites { room(0); current.failureWrites.append(job) }
        for job in deadWrites { room(job.data.readableBytes); current.deadWrites.append(job) }
        if count > 0 { parts.append(current) }
        return parts
    }
}
