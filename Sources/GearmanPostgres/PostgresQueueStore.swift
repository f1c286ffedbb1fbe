import Dispatch
import GearmanServer
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// Background jobs in one table of a PostgreSQL database, with gearmand's columns (so that a
/// gearmand queue table can be used as is, and gearmand can use ours) plus `ordinal`, a
/// serial column that keeps submission order: gearmand's table has no order of its own.
/// gearmand names its columns in every statement, so the extra column does not disturb it.
///
/// A commit is one SQL statement (one round trip, one transaction, one WAL sync) however many
/// jobs it carries. When the database goes away, commits fail at once (their jobs get
/// ERROR QUEUE_ERROR) while the store reconnects in the background with backoff.
public final class PostgresQueueStore: QueueStore, @unchecked Sendable {
    /// gearmand's queue columns, and ours that keeps their order.
    static let columns = ["unique_key", "function_name", "priority", "data", "when_to_run"]
    static let orderColumn = "ordinal"
    static let failureColumns = ["unique_key", "function_name", "attempts", "last_failure", "first_submitted", "last_failed"]
    static let deadColumns = ["unique_key", "function_name", "priority", "data", "attempts", "last_failure",
                              "first_submitted", "last_failed"]
    /// gearmand's default `--libpq-table`.
    public static let defaultTable = "queue"
    /// A commit larger than this is written as several statements in one transaction.
    static let rowsPerStatement = 20_000
    static let bytesPerStatement = 32 << 20

    private let eventLoop: any EventLoop
    /// The store's own thread, unless it was given a loop: encoding a commit's arrays and
    /// reading PostgreSQL's answers then costs the server's event loop nothing.
    private let ownThread: MultiThreadedEventLoopGroup?
    private let configuration: PostgresConnection.Configuration
    private let info: ConnectionInfo
    private let logger: Logger
    /// A statement with no answer by then closes the connection (a network cut sends no reset).
    private let answerTimeout: TimeAmount
    /// The quoted names of the queue table and its side tables.
    private let queue: String, failures: String, dead: String
    /// Whether commits can be written now; read by /metrics from any thread.
    private let available = Atomic<Bool>(true)

    // State below is touched on `eventLoop` only.
    private var link: StoreLink
    private var connection: PostgresConnection?
    private var reconnect: Scheduled<Void>?
    /// The ID of the connection attempt under way, if one is.
    private var attemptUnderWay: Int?
    private var nextConnectionID = 1
    private var closed = false

    private init(eventLoop: any EventLoop, ownThread: MultiThreadedEventLoopGroup?, configuration: PostgresConnection.Configuration, info: ConnectionInfo,
                 table: String, logger: Logger, connection: PostgresConnection, answerTimeout: TimeAmount) {
        self.eventLoop = eventLoop
        self.ownThread = ownThread
        self.answerTimeout = answerTimeout
        self.configuration = configuration
        self.info = info
        self.logger = logger
        queue = Self.quoted(table)
        failures = Self.quoted(table + "_failures")
        dead = Self.quoted(table + "_dead")
        self.connection = connection
        link = StoreLink()
    }

    /// Connects with the libpq connection string `conninfo` and prepares `table` (created if
    /// missing; refused if it has other columns). Blocks: call it before the port opens. The
    /// connection runs on `eventLoop`, or on a thread of the store's own.
    public static func open(conninfo: String, table: String, on givenLoop: (any EventLoop)? = nil, logger: Logger,
                            environment: (String) -> String? = { _ in nil }, osUser: String = "root",
                            answerTimeout: TimeAmount = .seconds(15)) throws -> PostgresQueueStore {
        let name = table.lowercased()  // gearmand does not quote the name, so PostgreSQL folds it
        guard let first = name.unicodeScalars.first, first == "_" || ("a"..."z").contains(first),
              name.unicodeScalars.allSatisfy({ $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) }),
              name.utf8.count <= 50
        else {
            throw QueueStoreError(message: "invalid table name '\(table)': use letters, digits and _ (at most 50)")
        }
        let info = try ConnectionInfo(parsing: conninfo, environment: environment, osUser: osUser)
        let configuration = try makeConfiguration(info)
        let ownThread = givenLoop == nil ? MultiThreadedEventLoopGroup(numberOfThreads: 1) : nil
        let eventLoop = givenLoop ?? ownThread!.next()
        let connection: PostgresConnection
        do {
            connection = try PostgresConnection.connect(on: eventLoop, configuration: configuration, id: 0, logger: quiet(logger)).wait()
        } catch {
            try? ownThread?.syncShutdownGracefully()
            throw QueueStoreError(message: "cannot connect to PostgreSQL at \(info.summary): \(describe(error))")
        }
        let store = PostgresQueueStore(eventLoop: eventLoop, ownThread: ownThread, configuration: configuration, info: info, table: name,
                                       logger: logger, connection: connection, answerTimeout: answerTimeout)
        do {
            try store.prepareTables(name: name)
        } catch {
            try? connection.close().wait()
            try? ownThread?.syncShutdownGracefully()
            if let failure = error as? QueueStoreError { throw failure }
            throw QueueStoreError(message: "cannot use table \(name) at \(info.summary) as a queue: \(describe(error))")
        }
        try eventLoop.submit { store.watch(connection) }.wait()
        return store
    }

    /// postgres-nio's own logging stays below ours: a lost connection is reported once, by the store.
    private static func quiet(_ logger: Logger) -> Logger {
        var quiet = logger
        quiet.logLevel = max(logger.logLevel, .critical)
        return quiet
    }

    private static func makeConfiguration(_ info: ConnectionInfo) throws -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if let socket = info.unixSocketPath {
            configuration = .init(unixSocketPath: socket, username: info.user, password: info.password, database: info.database)
        } else {
            let tls: PostgresConnection.Configuration.TLS
            switch info.sslMode {
            case "disable", "allow": tls = .disable
            default:
                var settings = TLSConfiguration.makeClientConfiguration()
                if info.sslMode != "verify-full" { settings.certificateVerification = info.sslMode == "verify-ca" ? .noHostnameVerification : .none }
                let context = try NIOSSLContext(configuration: settings)
                tls = info.sslMode == "prefer" ? .prefer(context) : .require(context)
            }
            configuration = .init(host: info.host, port: info.port, username: info.user, password: info.password,
                                  database: info.database, tls: tls)
        }
        if let seconds = info.connectTimeout, seconds > 0 { configuration.options.connectTimeout = .seconds(Int64(seconds)) }
        configuration.options.additionalStartupParameters = [("application_name", "gearman-server")]
        return configuration
    }

    /// Checks the queue table's columns (creating it with gearmand's layout if it is missing,
    /// and adding `ordinal` to a gearmand table), then creates the side tables.
    private func prepareTables(name: String) throws {
        let rows = try run("""
            SELECT column_name::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '\(name)'
            ORDER BY ordinal_position
            """).wait()
        let existing = try rows.map { try $0.decode(String.self) }
        if existing.isEmpty {
            _ = try run("""
                CREATE TABLE IF NOT EXISTS \(queue) (unique_key VARCHAR(64), function_name VARCHAR(255), priority INTEGER,
                data BYTEA, when_to_run INTEGER, \(Self.orderColumn) BIGSERIAL, UNIQUE (unique_key, function_name))
                """).wait()
        } else if Set(existing) == Set(Self.columns) {
            logger.notice("adding the column \(Self.orderColumn) to gearmand's queue table to keep submission order",
                          metadata: ["table": "\(name)"])
            _ = try run("ALTER TABLE \(queue) ADD COLUMN IF NOT EXISTS \(Self.orderColumn) BIGSERIAL").wait()
        } else if Set(existing) != Set(Self.columns + [Self.orderColumn]) {
            throw QueueStoreError(message: """
                table \(name) at \(info.summary) has the columns \(existing.joined(separator: ", ")); a queue table has \
                gearmand's columns \(Self.columns.joined(separator: ", ")) (and \(Self.orderColumn), which this server adds) \
                (choose another table with --libpq-table)
                """)
        }
        _ = try run("""
            CREATE TABLE IF NOT EXISTS \(failures) (unique_key TEXT, function_name TEXT, attempts INTEGER, last_failure TEXT,
            first_submitted BIGINT, last_failed BIGINT, PRIMARY KEY (unique_key, function_name))
            """).wait()
        _ = try run("""
            CREATE TABLE IF NOT EXISTS \(dead) (unique_key TEXT, function_name TEXT, priority INTEGER, data BYTEA,
            attempts INTEGER, last_failure TEXT, first_submitted BIGINT, last_failed BIGINT, PRIMARY KEY (unique_key, function_name))
            """).wait()
    }

    // MARK: Reading

    public func load() -> EventLoopFuture<[StoredJob]> {
        onLoop {
            self.run("""
                SELECT q.unique_key::text, q.function_name::text, coalesce(q.priority, 1)::int4, coalesce(q.data, ''::bytea),
                coalesce(q.when_to_run, 0)::int8, f.attempts::int4, f.last_failure, f.first_submitted::int8, f.last_failed::int8
                FROM \(self.queue) q LEFT JOIN \(self.failures) f ON f.unique_key = q.unique_key AND f.function_name = q.function_name
                ORDER BY q.\(Self.orderColumn)
                """).flatMapThrowing { rows in try rows.map(Self.storedJob) }
        }
    }

    public func loadDead() -> EventLoopFuture<[StoredJob]> {
        onLoop {
            self.run("""
                SELECT unique_key, function_name, coalesce(priority, 1)::int4, coalesce(data, ''::bytea), 0::int8,
                attempts::int4, last_failure, first_submitted::int8, last_failed::int8
                FROM \(self.dead) ORDER BY last_failed, function_name, unique_key
                """).flatMapThrowing { rows in try rows.map(Self.storedJob) }
        }
    }

    private static func storedJob(_ row: PostgresRow) throws -> StoredJob {
        let (unique, function, priority, data, when, attempts, lastFailure, firstSubmitted, lastFailed) =
            try row.decode((String, String, Int32, ByteBuffer, Int64, Int32?, String?, Int64?, Int64?).self)
        let history = attempts.map {
            FailureHistory(attempts: Int($0), lastFailure: lastFailure ?? "", firstSubmitted: firstSubmitted ?? 0,
                           lastFailed: lastFailed ?? 0)
        }
        return StoredJob(function: function, unique: unique, priority: Priority(rawValue: Int(priority)) ?? .normal,
                         data: data, whenToRun: when, failures: history)
    }

    // MARK: Writing

    public func commit(_ changes: [QueueChange]) -> EventLoopFuture<Void> {
        onLoop {
            let net = NetChanges(changes)
            guard !net.isEmpty else { return self.eventLoop.makeSucceededVoidFuture() }
            // New submissions go in with a plain INSERT; if a row of one was there after all (a
            // commit that failed on the way back but was written), the commit is done again as upserts.
            return self.apply(net, upsert: !net.queueWritesAreNew).flatMapError { error in
                guard net.queueWritesAreNew, (error as? StatementFailure)?.sqlState == "23505" else {
                    return self.eventLoop.makeFailedFuture(error)
                }
                return self.apply(net, upsert: true)
            }
        }
    }

    private func apply(_ net: NetChanges, upsert: Bool) -> EventLoopFuture<Void> {
        let parts = net.parts(rows: Self.rowsPerStatement, bytes: Self.bytesPerStatement)
        let statements = parts.map { Self.statement(for: $0, upsert: upsert, queue: queue, failures: failures, dead: dead) }
        if statements.count == 1 { return write(statements[0]) }
        // Too large for one statement: several, in one transaction.
        return writeAll(([PostgresQuery(unsafeSQL: "BEGIN")] + statements + [PostgresQuery(unsafeSQL: "COMMIT")])[...])
            .flatMapError { error in
                guard let connection = self.connection, !connection.isClosed else { return self.eventLoop.makeFailedFuture(error) }
                return self.answered(connection.query("ROLLBACK", logger: self.logger), on: connection).flatMapThrowing { _ in throw error }
                    .flatMapErrorThrowing { _ in throw error }
            }
    }

    private func writeAll(_ statements: ArraySlice<PostgresQuery>) -> EventLoopFuture<Void> {
        guard let first = statements.first else { return eventLoop.makeSucceededVoidFuture() }
        return write(first).flatMap { self.writeAll(statements.dropFirst()) }
    }

    /// One statement that applies `net`: data-modifying WITH clauses on disjoint rows, the
    /// values bound as arrays and unnested (in array order, which makes the ordinals).
    /// `upsert: false` writes the queue's rows with a plain INSERT.
    static func statement(for net: NetChanges, upsert: Bool = true, queue: String, failures: String, dead: String) -> PostgresQuery {
        var binds = PostgresBindings()
        var clauses: [String] = []
        func array<Value: PostgresArrayEncodable & PostgresNonThrowingEncodable>(_ values: [Value], _ type: String) -> String {
            binds.append(values)
            return "$\(binds.count)::\(type)[]"
        }
        func delete(_ keys: [StoreKey], from table: String) {
            guard !keys.isEmpty else { return }
            clauses.append("""
                DELETE FROM \(table) WHERE (unique_key, function_name) IN \
                (SELECT * FROM unnest(\(array(keys.map(\.unique), "text")), \(array(keys.map(\.function), "text"))))
                """)
        }
        func insert(into table: String, columns: [String], values: [String], ordered: Bool, upsert: Bool = true) {
            let updates = columns.dropFirst(2).map { "\($0) = EXCLUDED.\($0)" } + (ordered ? ["\(orderColumn) = EXCLUDED.\(orderColumn)"] : [])
            clauses.append("INSERT INTO \(table) (\(columns.joined(separator: ", "))) SELECT * FROM unnest(\(values.joined(separator: ", ")))"
                + (upsert ? " ON CONFLICT (unique_key, function_name) DO UPDATE SET \(updates.joined(separator: ", "))" : ""))
        }
        delete(net.queueDeletes, from: queue)
        delete(net.failureDeletes, from: failures)
        delete(net.deadDeletes, from: dead)
        func keys(_ jobs: [StoredJob]) -> [String] {
            [array(jobs.map(\.unique), "text"), array(jobs.map(\.function), "text")]
        }
        func payloads(_ jobs: [StoredJob]) -> [String] {
            [array(jobs.map { Int32($0.priority.rawValue) }, "int4"), array(jobs.map(\.data), "bytea")]
        }
        func histories(_ jobs: [StoredJob]) -> [String] {
            let histories = jobs.map { $0.failures ?? FailureHistory(attempts: 0, lastFailure: "", firstSubmitted: 0, lastFailed: 0) }
            return [array(histories.map { Int32(clamping: $0.attempts) }, "int4"), array(histories.map(\.lastFailure), "text"),
                    array(histories.map(\.firstSubmitted), "int8"), array(histories.map(\.lastFailed), "int8")]
        }
        if !net.queueWrites.isEmpty {
            let jobs = net.queueWrites
            insert(into: queue, columns: columns, values: keys(jobs) + payloads(jobs)
                   + [array(jobs.map { Int32(clamping: $0.whenToRun) }, "int4")], ordered: true, upsert: upsert)
        }
        if !net.failureWrites.isEmpty {
            insert(into: failures, columns: failureColumns, values: keys(net.failureWrites) + histories(net.failureWrites), ordered: false)
        }
        if !net.deadWrites.isEmpty {
            let jobs = net.deadWrites
            insert(into: dead, columns: deadColumns, values: keys(jobs) + payloads(jobs) + histories(jobs), ordered: false)
        }
        let sql = clauses.count == 1 ? clauses[0]
            : "WITH " + clauses.enumerated().map { "w\($0.offset) AS (\($0.element))" }.joined(separator: ", ") + " SELECT 1"
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }

    public func removeAll() -> EventLoopFuture<Void> {
        onLoop { self.write(PostgresQuery(unsafeSQL: "TRUNCATE \(self.queue), \(self.failures), \(self.dead)")) }
    }

    public func close() -> EventLoopFuture<Void> {
        onLoop {
            self.closed = true
            self.reconnect?.cancel()
            self.reconnect = nil
            let closed = self.connection?.close() ?? self.eventLoop.makeSucceededVoidFuture()
            self.connection = nil
            // The thread stops after the callers' callbacks on this future have run.
            if let thread = self.ownThread { closed.whenComplete { _ in DispatchQueue.global().async { thread.shutdownGracefully { _ in } } } }
            return closed
        }
    }

    public var isAvailable: Bool { available.load(ordering: .relaxed) }

    // MARK: The connection

    /// Runs `body` on the store's event loop.
    private func onLoop<Value: Sendable>(_ body: @escaping @Sendable () -> EventLoopFuture<Value>) -> EventLoopFuture<Value> {
        eventLoop.inEventLoop ? body() : eventLoop.flatSubmit(body)
    }

    /// A query that returns rows, on the current connection (used at start-up and for loading).
    private func run(_ sql: String) -> EventLoopFuture<[PostgresRow]> {
        guard let connection, !connection.isClosed else { return eventLoop.makeFailedFuture(unreachable()) }
        return answered(connection.query(PostgresQuery(unsafeSQL: sql), logger: Self.quiet(logger)), on: connection).map(\.rows)
            .flatMapErrorThrowing { throw QueueStoreError(message: "PostgreSQL: \(Self.describe($0))") }
    }

    /// A change, on the current connection; fails at once while the database is away.
    private func write(_ query: PostgresQuery) -> EventLoopFuture<Void> {
        guard let connection, !connection.isClosed else { return eventLoop.makeFailedFuture(unreachable()) }
        return answered(connection.query(query, logger: Self.quiet(logger)), on: connection).map { _ in }.flatMapErrorThrowing { error in
            throw StatementFailure(sqlState: (error as? PSQLError)?.serverInfo?[.sqlState],
                                   message: "PostgreSQL at \(self.info.summary): \(Self.describe(error))")
        }
    }

    /// `statement`, bounded: with no answer within `answerTimeout` the connection is closed,
    /// which fails the statement, and the store reconnects.
    private func answered<Value>(_ statement: EventLoopFuture<Value>, on connection: PostgresConnection) -> EventLoopFuture<Value> {
        let timeout = eventLoop.scheduleTask(in: answerTimeout) { connection.close().whenComplete { _ in } }
        return statement.always { _ in timeout.cancel() }
    }

    private func unreachable() -> QueueStoreError {
        QueueStoreError(message: "PostgreSQL at \(info.summary) is unreachable (reconnecting)")
    }

    /// Notices when `connection` closes, whoever closed it.
    private func watch(_ connection: PostgresConnection) {
        connection.closeFuture.whenComplete { _ in
            self.eventLoop.execute { self.lost(connection) }
        }
    }

    private func lost(_ lostConnection: PostgresConnection) {
        guard !closed, lostConnection === connection else { return }
        connection = nil
        available.store(false, ordering: .relaxed)
        let action = link.lost(at: .now())
        if action.log { logger.error("lost the connection to PostgreSQL; commits fail until it is back (reconnecting)",
                                     metadata: ["postgres": "\(info.summary)"]) }
        scheduleReconnect(in: action.retryIn)
    }

    private func scheduleReconnect(in delay: TimeAmount) {
        reconnect = eventLoop.scheduleTask(in: delay) { self.attemptReconnect() }
    }

    private func attemptReconnect() {
        reconnect = nil
        guard !closed else { return }
        nextConnectionID += 1
        let attempt = nextConnectionID
        attemptUnderWay = attempt
        // postgres-nio bounds the attempt by its connect timeout; this bounds it should that ever not answer.
        // (Added without overflow: connect_timeout may be any number of seconds.)
        let (limit, overflow) = configuration.options.connectTimeout.nanoseconds.addingReportingOverflow(answerTimeout.nanoseconds)
        let bound = eventLoop.scheduleTask(in: .nanoseconds(overflow ? .max : limit)) {
            self.attemptEnded(attempt, with: .failure(QueueStoreError(message: "connecting took too long")))
        }
        PostgresConnection.connect(on: eventLoop, configuration: configuration, id: attempt, logger: Self.quiet(logger))
            .whenComplete { result in
                self.eventLoop.execute {
                    bound.cancel()
                    self.attemptEnded(attempt, with: result)
                }
            }
    }

    /// A connection attempt ended: the store uses the connection, or tries again after the
    /// link's delay. A connection that comes after its attempt was given up is closed.
    private func attemptEnded(_ attempt: Int, with result: Result<PostgresConnection, any Error>) {
        guard !closed, attemptUnderWay == attempt else {
            if case .success(let late) = result { late.close().whenComplete { _ in } }
            return
        }
        attemptUnderWay = nil
        switch result {
        case .success(let fresh):
            connection = fresh
            watch(fresh)
            available.store(true, ordering: .relaxed)
            let downFor = link.connected(at: .now())
            logger.notice("reconnected to PostgreSQL", metadata: [
                "postgres": "\(info.summary)", "down_seconds": "\(downFor.nanoseconds / 1_000_000_000)"])
        case .failure:
            scheduleReconnect(in: link.attemptFailed())
        }
    }

    static func quoted(_ name: String) -> String { "\"\(name)\"" }

    /// What went wrong, without postgres-nio's deliberately vague text: the server's message, or the cause.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let message = error.serverInfo?[.message] {
            return message + (error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
        }
        if let underlying = error.underlying { return "\(error.code): \(underlying)" }
        return "\(error.code)"
    }
}

/// A statement PostgreSQL refused or could not finish; `sqlState` is its error code, if it answered.
struct StatementFailure: Error, CustomStringConvertible {
    let sqlState: String?
    let message: String
    var description: String { message }
}
