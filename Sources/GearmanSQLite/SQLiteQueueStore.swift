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
    /// The columns of `TABLE_failures`: a queued job's failure history (gearmand has none).
    static let failureColumns = ["unique_key", "function_name", "attempts", "last_failure", "first_submitted", "last_failed"]
    /// The columns of `TABLE_dead`: the dead-job list.
    static let deadColumns = ["unique_key", "function_name", "priority", "data", "attempts", "last_failure",
                              "first_submitted", "last_failed"]
    /// Rows per INSERT or DELETE statement.
    static let rowsPerStatement = 500

    private let connection: SQLiteConnection
    private let threadPool: NIOThreadPool
    /// The queue table's name, and the same quoted for SQL.
    private let tableName: String
    private let table: String

    private init(connection: SQLiteConnection, threadPool: NIOThreadPool, table: String) {
        self.connection = connection
        self.threadPool = threadPool
        tableName = table
        self.table = Self.quoted(table)
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
            let store = SQLiteQueueStore(connection: connection, threadPool: threadPool, table: table)
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
        _ = try connection.query("""
            CREATE TABLE IF NOT EXISTS \(Self.quoted(name + "_failures")) (unique_key TEXT, function_name TEXT,
            attempts INTEGER, last_failure TEXT, first_submitted INTEGER, last_failed INTEGER,
            PRIMARY KEY (unique_key, function_name))
            """).wait()
        _ = try connection.query("""
            CREATE TABLE IF NOT EXISTS \(Self.quoted(name + "_dead")) (unique_key TEXT, function_name TEXT, priority INTEGER,
            data BLOB, attempts INTEGER, last_failure TEXT, first_submitted INTEGER, last_failed INTEGER,
            PRIMARY KEY (unique_key, function_name))
            """).wait()
        _ = try connection.query("PRAGMA journal_mode=WAL").wait()
        _ = try connection.query("PRAGMA synchronous=FULL").wait()
    }

    public func load() -> EventLoopFuture<[StoredJob]> {
        let failures = Self.quoted(tableName + "_failures")
        return connection.query("""
            SELECT q.unique_key, q.function_name, q.priority, q.data, q.when_to_run, f.attempts, f.last_failure,
            f.first_submitted, f.last_failed FROM \(table) q LEFT JOIN \(failures) f
            ON f.unique_key = q.unique_key AND f.function_name = q.function_name ORDER BY q.rowid
            """).map { rows in rows.map(Self.storedJob) }
    }

    public func loadDead() -> EventLoopFuture<[StoredJob]> {
        connection.query("SELECT \(Self.deadColumns.joined(separator: ", ")) FROM \(Self.quoted(tableName + "_dead")) ORDER BY last_failed, rowid")
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
        var failures: FailureHistory?
        if let attempts = row.column("attempts")?.integer {
            failures = FailureHistory(attempts: attempts, lastFailure: row.column("last_failure")?.string ?? "",
                                      firstSubmitted: Int64(row.column("first_submitted")?.integer ?? 0),
                                      lastFailed: Int64(row.column("last_failed")?.integer ?? 0))
        }
        return StoredJob(function: row.column("function_name")?.string ?? "", unique: row.column("unique_key")?.string ?? "",
                         priority: priority, data: data, whenToRun: Int64(row.column("when_to_run")?.integer ?? 0),
                         failures: failures)
    }

    public func commit(_ changes: [QueueChange]) -> EventLoopFuture<Void> {
        var statements: [(String, [SQLiteData])] = [("BEGIN IMMEDIATE", [])]
        statements += Self.statements(for: changes, table: tableName)
        statements.append(("COMMIT", []))
        let connection = self.connection
        return run(statements[...]).flatMapError { error in
            connection.query("ROLLBACK").flatMapThrowing { _ in throw error }
                .flatMapErrorThrowing { _ in throw error }
        }
    }

    /// The changes as INSERT and DELETE statements of many rows each, in the changes' order.
    /// `table` is the queue table's name; its failure histories and dead jobs are in
    /// `table_failures` and `table_dead`.
    static func statements(for changes: [QueueChange], table: String) -> [(String, [SQLiteData])] {
        let queue = quoted(table), failures = quoted(table + "_failures"), dead = quoted(table + "_dead")
        var statements: [(String, [SQLiteData])] = []
        func rows(_ count: Int, of columns: Int) -> String {
            let row = "(" + Array(repeating: "?", count: columns).joined(separator: ",") + ")"
            return Array(repeating: row, count: count).joined(separator: ",")
        }
        func delete(_ keys: [StoreKey], from table: String) {
            statements.append(("DELETE FROM \(table) WHERE (unique_key, function_name) IN (VALUES \(rows(keys.count, of: 2)))",
                               keys.flatMap { [.text($0.unique), .text($0.function)] }))
        }
        func insertFailures(of jobs: [StoredJob]) {
            let failed = jobs.filter { $0.failures != nil }
            guard !failed.isEmpty else { return }
            statements.append(("INSERT OR REPLACE INTO \(failures) (\(failureColumns.joined(separator: ", "))) VALUES \(rows(failed.count, of: 6))",
                               failed.flatMap(failureRow)))
        }
        for run in ChangeRun.runs(of: changes, limit: rowsPerStatement) {
            switch run {
            case .add(let jobs):
                statements.append(("INSERT OR REPLACE INTO \(queue) (\(columns.joined(separator: ", "))) VALUES \(rows(jobs.count, of: 5))",
                                   jobs.flatMap(queueRow)))
                insertFailures(of: jobs)
            case .remove(let keys):
                delete(keys, from: queue)
                delete(keys, from: failures)
            case .bury(let jobs):
                let keys = jobs.map { StoreKey(function: $0.function, unique: $0.unique) }
                delete(keys, from: queue)
                delete(keys, from: failures)
                statements.append(("INSERT OR REPLACE INTO \(dead) (\(deadColumns.joined(separator: ", "))) VALUES \(rows(jobs.count, of: 8))",
                                   jobs.flatMap { queueRow($0).dropLast() + failureRow($0).dropFirst(2) }))
            case .unbury(let keys):
                delete(keys, from: dead)
            }
        }
        return statements
    }

    /// A job's values for gearmand's columns.
    private static func queueRow(_ job: StoredJob) -> [SQLiteData] {
        [.text(job.unique), .text(job.function), .integer(job.priority.rawValue), .blob(job.data), .integer(Int(job.whenToRun))]
    }

    /// A job's values for `failureColumns`.
    private static func failureRow(_ job: StoredJob) -> [SQLiteData] {
        let history = job.failures ?? FailureHistory(attempts: 0, lastFailure: "", firstSubmitted: 0, lastFailed: 0)
        return [.text(job.unique), .text(job.function), .integer(history.attempts), .text(history.lastFailure),
                .integer(Int(history.firstSubmitted)), .integer(Int(history.lastFailed))]
    }

    static func quoted(_ name: String) -> String { "\"\(name)\"" }

    private func run(_ statements: ArraySlice<(String, [SQLiteData])>) -> EventLoopFuture<Void> {
        guard let (sql, binds) = statements.first else { return connection.eventLoop.makeSucceededVoidFuture() }
        let rest = statements.dropFirst()
        return connection.query(sql, binds).flatMap { _ in self.run(rest) }
    }

    public func removeAll() -> EventLoopFuture<Void> {
        let connection = self.connection
        return connection.query("DELETE FROM \(table)").flatMap { _ in
            connection.query("DELETE FROM \(Self.quoted(self.tableName + "_failures"))")
        }.flatMap { _ in
            connection.query("DELETE FROM \(Self.quoted(self.tableName + "_dead"))")
        }.map { _ in }
    }

    public func close() -> EventLoopFuture<Void> {
        let threadPool = self.threadPool
        return connection.close().always { _ in threadPool.shutdownGracefully { _ in } }
    }
}

