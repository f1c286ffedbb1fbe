import GearmanServer
import NIOCore
import XCTest
@testable import GearmanPostgres

/// The reduction of a commit to one statement's rows, and the connection-string parser: no database.
final class NetChangesTests: XCTestCase {
    private func job(_ unique: String, failures: FailureHistory? = nil) -> StoredJob {
        StoredJob(function: "f", unique: unique, priority: .normal, data: ByteBuffer(string: unique), failures: failures)
    }

    private let history = FailureHistory(attempts: 1, lastFailure: "x", firstSubmitted: 1, lastFailed: 2)

    func testTheLastChangeToARowWinsAndWritesKeepTheirLastOrder() {
        let net = NetChanges([.add(job("a")), .add(job("b")), .remove(function: "f", unique: "a"), .add(job("c")), .add(job("a")),
                              .remove(function: "f", unique: "z")])
        XCTAssertEqual(net.queueWrites.map(\.unique), ["b", "c", "a"])
        XCTAssertEqual(net.queueDeletes, [StoreKey(function: "f", unique: "z")])
        XCTAssertEqual(net.failureDeletes, [StoreKey(function: "f", unique: "a"), StoreKey(function: "f", unique: "z")],
                       "a removal drops the history, and adding the job again without one does not bring it back")
        XCTAssertTrue(net.failureWrites.isEmpty)
    }

    func testOnlyFirstAddsWithoutHistoryCountAsNew() {
        XCTAssertTrue(NetChanges([.add(job("a")), .add(job("b")), .remove(function: "f", unique: "c")]).queueWritesAreNew)
        XCTAssertFalse(NetChanges([.add(job("a")), .add(job("b", failures: history))]).queueWritesAreNew, "a retry")
        XCTAssertFalse(NetChanges([.add(job("a")), .remove(function: "f", unique: "a"), .add(job("a"))]).queueWritesAreNew,
                       "the row may be there")
        XCTAssertTrue(NetChanges([.add(job("a"))]).parts(rows: 1, bytes: 1).allSatisfy(\.queueWritesAreNew))
    }

    func testBuryAndUnbury() {
        let net = NetChanges([.add(job("a", failures: history)), .bury(job("a", failures: history)), .unbury(function: "f", unique: "b")])
        XCTAssertEqual(net.queueDeletes, [StoreKey(function: "f", unique: "a")])
        XCTAssertEqual(net.failureDeletes, [StoreKey(function: "f", unique: "a")])
        XCTAssertEqual(net.deadWrites.map(\.unique), ["a"])
        XCTAssertEqual(net.deadDeletes, [StoreKey(function: "f", unique: "b")])
        XCTAssertTrue(net.queueWrites.isEmpty)
    }

    func testPartsKeepEveryRowOnceAndTheWriteOrder() {
        let net = NetChanges((0..<10).map { .add(job("u\($0)", failures: $0 % 2 == 0 ? history : nil)) }
                             + [.remove(function: "f", unique: "gone")])
        let parts = net.parts(rows: 4, bytes: 1 << 20)
        XCTAssertEqual(parts.count, 5, "10 jobs, 5 histories, a job and a history deleted: 17 rows")
        XCTAssertEqual(parts.flatMap(\.queueWrites).map(\.unique), (0..<10).map { "u\($0)" })
        XCTAssertEqual(parts.flatMap(\.failureWrites).count, 5)
        XCTAssertEqual(parts.flatMap(\.queueDeletes).count, 1)
        XCTAssertEqual(net.parts(rows: 100, bytes: 1 << 20), [net])
        XCTAssertEqual(net.parts(rows: 100, bytes: 4).count, 5, "about 4 bytes of data a part: two jobs of 2 bytes each")
    }

    func testStoreLinkLogsAnOutageOnceAndBacksOff() {
        var link = StoreLink()
        let start = NIODeadline.uptimeNanoseconds(1_000_000_000)
        XCTAssertEqual(link.lost(at: start).log, true)
        XCTAssertEqual(link.attemptFailed(), .milliseconds(200))
        XCTAssertEqual(link.attemptFailed(), .milliseconds(400))
        for _ in 0..<10 { _ = link.attemptFailed() }
        XCTAssertEqual(link.attemptFailed(), StoreLink.longestDelay)
        XCTAssertEqual(link.lost(at: start + .seconds(1)).log, false, "still the same outage")
        XCTAssertEqual(link.connected(at: start + .seconds(3)), .seconds(3))
        XCTAssertEqual(link.lost(at: start + .seconds(4)).log, true, "a new outage")
    }

    func testKeywordConnectionStrings() throws {
        let info = try ConnectionInfo(parsing: "host=db1 port=5433 dbname=jobs user=gm password='it\\'s secret' sslmode=disable")
        XCTAssertEqual(info.host, "db1")
        XCTAssertEqual(info.port, 5433)
        XCTAssertEqual(info.database, "jobs")
        XCTAssertEqual(info.user, "gm")
        XCTAssertEqual(info.password, "it's secret")
        XCTAssertEqual(info.sslMode, "disable")
        XCTAssertNil(info.unixSocketPath)
        XCTAssertFalse(info.summary.contains("secret"))
    }

    func testDefaultsComeFromTheEnvironmentThenLibpq() throws {
        let empty = try ConnectionInfo(parsing: "", osUser: "gearman")
        XCTAssertEqual(empty.unixSocketPath, "/var/run/postgresql/.s.PGSQL.5432")
        XCTAssertEqual(empty.user, "gearman")
        XCTAssertEqual(empty.database, "gearman")
        let environment = ["PGHOST": "10.0.0.5", "PGPORT": "6000", "PGUSER": "u", "PGPASSWORD": "p", "PGDATABASE": "d"]
        let fromEnvironment = try ConnectionInfo(parsing: "port=7000", environment: { environment[$0] })
        XCTAssertEqual(fromEnvironment.host, "10.0.0.5")
        XCTAssertEqual(fromEnvironment.port, 7000, "the string wins over the environment")
        XCTAssertEqual(fromEnvironment.password, "p")
        XCTAssertEqual(fromEnvironment.database, "d")
        XCTAssertEqual(fromEnvironment.sslMode, "prefer")
    }

    func testURIs() throws {
        let info = try ConnectionInfo(parsing: "postgresql://gm:p%40ss@db.example:6432/jobs?sslmode=require&connect_timeout=3")
        XCTAssertEqual([info.user, info.password, info.host, info.database, info.sslMode], ["gm", "p@ss", "db.example", "jobs", "require"])
        XCTAssertEqual(info.port, 6432)
        XCTAssertEqual(info.connectTimeout, 3)
        let ipv6 = try ConnectionInfo(parsing: "postgres://[::1]:5000/q")
        XCTAssertEqual(ipv6.host, "::1")
        XCTAssertEqual(ipv6.port, 5000)
    }

    func testBadStringsAreRefusedWithTheReason() {
        for (text, reason) in [("host", "missing '='"), ("hots=db", "unknown key 'hots'"), ("port=x", "invalid port 'x'"),
                               ("password='open", "unterminated"), ("sslmode=maybe", "invalid sslmode")] {
            XCTAssertThrowsError(try ConnectionInfo(parsing: text), text) { error in
                XCTAssertTrue("\(error)".contains(reason), "\(text): \(error)")
            }
        }
    }
}
