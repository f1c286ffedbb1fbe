import GearmanServer
import Glibc
import Logging
import NIOCore
import NIOPosix
import SQLiteNIO

/// Background jobs in one table of an SQLite file, with gearmand's schema (so a gearmand
/// queue file can be used as is): WAL journal, every commit synced to disk.
public final class SQLiteQueueStore: QueueStore {
    /// gearmand's queue columns, in its order.
    static let columns = ["unique_key", "function_name", "priority", "data", "when_to_run"]
    /// Rows per INSERT or DELETE statement.
    static let rowsPerStatement = 500

    private let connection: SQLiteConnection
    private let threadPool: NIOThreadPool
    /// The table name, quoted for SQL.
    private let table: String

    private init(connection: SQLiteConnection, threadPool: NIOThreadPool, table: String) {
        self.connection = connection
        self.threadPool = threadPool
        self.table = table
    }

    /// Opens (or creates) the queue in `table` of the file at `path`. A file that is not an
    /// SQLite database, is corrupt, or has `table` with other columns is refused untouched.
    public static func open(path: String, table: String, on eventLoop: any EventLoop, logger: Logger) throws -> SQLiteQueueStore {
        try StoreFileCheck.check(path: path, table: table)
        let threadPool = NIOThreadPool(numberOfThreads: 1)
        threadPool.start()
        do {
            let connection = try SQLiteConnection.open(storage: .file(path: path), threadPool: threadPool,
                                                       logger: logger, on: eventLoop).wait()
            let store = SQLiteQueueStore(connection: connection, threadPool: threadPool, table: "\"\(table)\"")
            do {
                try store.prepareTable(path: path, name: table)
            } catch {
                try? connection.close().wait()
                throw error
            }
            return store
        } catch {
            try? threadPool.syncShutdownGracefully()
            if let failure = error as? QueueStoreError { throw failure }
            throw QueueStoreError(message: "cannot use \(path) as a queue: \(error)")
        }
    }

    /// Checks the file's integrity and the table's columns (creating the table if it is
    /// missing), then turns on the WAL journal and synchronous commits.
    private func prepareTable(path: String, name: String) throws {
        let check = try connection.query("PRAGMA quick_check").wait()
        let verdict = check.first?.columns.first?.data.string ?? "no answer"
        guard verdict == "ok" else { throw QueueStoreError(message: "\(path) is a damaged SQLite database: \(verdict)") }
        let existing = try connection.query("PRAGMA table_info(\(table))").wait().compactMap { $0.column("name")?.string }
        if existing.isEmpty {
            _ = try connection.query("""
                CREATE TABLE \(table) (unique_key TEXT, function_name TEXT, priority INTEGER, data BLOB,
                when_to_run INTEGER, PRIMARY KEY (unique_key, function_name))
                """).wait()
        } else if Set(existing) != Set(Self.columns) {
            throw QueueStoreError(message: """
                table \(name) in \(path) has the columns \(existing.joined(separator: ", ")); a queue table has \
                gearmand's columns \(Self.columns.joined(separator: ", ")) (choose another table with --libsqlite3-table)
                """)
        }
        _ = try connection.query("PRAGMA journal_mode=WAL").wait()
        _ = try connection.query("PRAGMA synchronous=FULL").wait()
    }

    public func load() -> EventLoopFuture<[StoredJob]> {
        connection.query("SELECT unique_key, function_name, priority, data, when_to_run FROM \(table) ORDER BY rowid")
            .map { rows in rows.map(Self.storedJob) }
    }

    private static func storedJob(_ row: SQLiteRow) -> StoredJob {
        let data: ByteBuffer
        switch row.column("data") {
        case .blob(let buffer): data = buffer
        case .text(let text): data = ByteBuffer(string: text)
        default: data = ByteBuffer()
        }
        let priority = Priority(rawValue: row.column("priority")?.integer.map { Int(clamping: $0) } ?? 1) ?? .normal
        return StoredJob(function: row.column("function_name")?.string ?? "", unique: row.column("unique_key")?.string ?? "",
                         priority: priority, data: data, whenToRun: Int64(row.column("when_to_run")?.integer ?? 0))
    }

    public func commit(_ changes: [QueueChange]) -> EventLoopFuture<Void> {
        var statements: [(String, [SQLiteData])] = [("BEGIN IMMEDIATE", [])]
        statements += Self.statements(for: changes, table: table)
        statements.append(("COMMIT", []))
        let connection = self.connection
        return run(statements[...]).flatMapError { error in
            connection.query("ROLLBACK").flatMapThrowing { _ in throw error }
                .flatMapErrorThrowing { _ in throw error }
        }
    }

    /// The changes as INSERT and DELETE statements of many rows each, in the changes' order.
    static func statements(for changes: [QueueChange], table: String) -> [(String, [SQLiteData])] {
        var statements: [(String, [SQLiteData])] = []
        var inserts: [SQLiteData] = []
        var deletes: [SQLiteData] = []
        func flushInserts() {
            guard !inserts.isEmpty else { return }
            let rows = Array(repeating: "(?,?,?,?,?)", count: inserts.count / 5).joined(separator: ",")
            statements.append(("INSERT OR REPLACE INTO \(table) (unique_key, function_name, priority, data, when_to_run) VALUES \(rows)", inserts))
            inserts.removeAll()
        }
        func flushDeletes() {
            guard !deletes.isEmpty else { return }
            let rows = Array(repeating: "(?,?)", count: deletes.count / 2).joined(separator: ",")
            statements.append(("DELETE FROM \(table) WHERE (unique_key, function_name) IN (VALUES \(rows))", deletes))
            deletes.removeAll()
        }
        for change in changes {
            switch change {
            case .add(let job):
                flushDeletes()
                inserts += [.text(job.unique), .text(job.function), .integer(job.priority.rawValue), .blob(job.data),
                            .integer(Int(job.whenToRun))]
                if inserts.count >= rowsPerStatement * 5 { flushInserts() }
            case .remove(let function, let unique):
                flushInserts()
                deletes += [.text(unique), .text(function)]
                if deletes.count >= rowsPerStatement * 2 { flushDeletes() }
            }
        }
        flushInserts()
        flushDeletes()
        return statements
    }

    private func run(_ statements: ArraySlice<(String, [SQLiteData])>) -> EventLoopFuture<Void> {
        guard let (sql, binds) = statements.first else { return connection.eventLoop.makeSucceededVoidFuture() }
        let rest = statements.dropFirst()
        return connection.query(sql, binds).flatMap { _ in self.run(rest) }
    }

    public func removeAll() -> EventLoopFuture<Void> {
        connection.query("DELETE FROM \(table)").map { _ in }
    }

    public func close() -> EventLoopFuture<Void> {
        let threadPool = self.threadPool
        return connection.close().always { _ in threadPool.shutdownGracefully { _ in } }
    }
}

/// Why a queue store cannot be used; the message names the file and the problem.
public struct QueueStoreError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
