import XCTest
import GearmanTool
@testable import GearmanServerCLI

final class ServerOptionsTests: XCTestCase {
    func testGearmandSpellingsAllMeanTheSame() throws {
        for arguments in [["-p", "4731"], ["-p4731"], ["--port", "4731"], ["--port=4731"]] {
            XCTAssertEqual(try ServerOptions(parsing: arguments).port, 4731, "\(arguments)")
        }
    }

    func testClusteredFlagsAndJoinedValues() throws {
        let options = try ServerOptions(parsing: ["-dR", "-j3", "-L", "127.0.0.1", "-L::1", "--verbose", "info"])
        XCTAssertTrue(options.daemon)
        XCTAssertEqual(options.jobRetries, 3)
        XCTAssertEqual(options.listen, ["127.0.0.1", "::1"])
        XCTAssertEqual(options.logLevel, .info)
        XCTAssertNil(options.validationProblem())
    }

    func testLaterValuesWin() throws {
        XCTAssertEqual(try ServerOptions(parsing: ["-p", "1", "--port=2"]).port, 2)
    }

    func testErrorsNameTheProblem() {
        let cases: [([String], String)] = [
            (["--prot=1"], "unrecognized option '--prot'"),
            (["--mysql-host=db"], "option '--mysql-host': the MySQL queue is not supported; use -q libsqlite3 (or --sqlite FILE) or -q postgres"),
            (["--libtokyocabinet-file", "q.tch"], "option '--libtokyocabinet-file': the Tokyo Cabinet queue is not supported; use -q libsqlite3 (or --sqlite FILE) or -q postgres"),
            (["--redis-prefix=x"], "option '--redis-prefix': the redis queue is not supported; use -q libsqlite3 (or --sqlite FILE) or -q postgres"),
            (["-p"], "the required argument for option '--port' is missing"),
            (["-p", "x"], "the argument ('x') for option '--port' is invalid"),
            (["--daemon=yes"], "option '--daemon' does not take any arguments"),
            (["--libmemcached-servers", "m"], "option '--libmemcached-servers': the libmemcached queue is not supported; use -q libsqlite3 (or --sqlite FILE) or -q postgres"),
            (["--syslog"], "option '--syslog': syslog is not supported; use --log-file"),
            (["stray"], "unexpected argument 'stray'"),
        ]
        for (arguments, message) in cases {
            XCTAssertThrowsError(try ServerOptions(parsing: arguments), "\(arguments)") { error in
                XCTAssertEqual((error as? LongOptions.Failure)?.message, message)
            }
        }
    }

    func testValidation() throws {
        XCTAssertNotNil(try ServerOptions(parsing: ["--verbose", "LOUD"]).validationProblem())
        XCTAssertNotNil(try ServerOptions(parsing: ["-j", "256"]).validationProblem())
        XCTAssertEqual(try ServerOptions(parsing: ["-q", "libsqlite3"]).validationProblem(), "-q libsqlite3 needs --libsqlite3-db FILE")
        XCTAssertNil(try ServerOptions(parsing: ["-q", "libsqlite3", "--libsqlite3-db", "/q.db", "--store-queue-on-shutdown"]).validationProblem())
        XCTAssertNotNil(try ServerOptions(parsing: ["--job-handle-prefix", String(repeating: "x", count: 53)]).validationProblem())
        XCTAssertNil(try ServerOptions(parsing: ["-q", "builtin", "-t", "0", "-w", "2"]).validationProblem())
    }

    func testRetryOptionsTakeFractionsOfSecondsAndAreChecked() throws {
        let policy = try ServerOptions(parsing: ["--retries", "3", "--retry-backoff", "0.25", "--retry-backoff-max=90",
                                                 "--dead-jobs", "50", "--dead-jobs-bytes", "4096"])
            .configuration(hostName: "h", version: "v").retryPolicy
        XCTAssertEqual([policy.retries, Int(policy.backoffMilliseconds), Int(policy.backoffMaxMilliseconds), policy.deadJobs, policy.deadJobBytes],
                       [3, 250, 90_000, 50, 4096])
        let defaults = ServerOptions().configuration(hostName: "h", version: "v").retryPolicy
        XCTAssertEqual([defaults.retries, Int(defaults.backoffMilliseconds), Int(defaults.backoffMaxMilliseconds)], [0, 10_000, 3_600_000])
        // A first delay over the default cap raises the cap with it, unless a cap is given.
        let long = try ServerOptions(parsing: ["--retry-backoff", "7200"])
        XCTAssertNil(long.validationProblem())
        XCTAssertEqual(long.configuration(hostName: "h", version: "v").retryPolicy.backoffMaxMilliseconds, 7_200_000)
        for bad in [["--retries", "-1"], ["--retry-backoff", "abc"], ["--retry-backoff", "nan"], ["--retry-backoff", "1e400"],
                    ["--retry-backoff", "5", "--retry-backoff-max", "1"], ["--dead-jobs", "-3"], ["--dead-jobs-bytes", "-1"]] {
            XCTAssertNotNil(try ServerOptions(parsing: bad).validationProblem(), "\(bad)")
        }
    }

    func testSqliteIsShortForTheGearmandSpelling() throws {
        let short = try ServerOptions(parsing: ["--sqlite", "/var/lib/q.db", "--libsqlite3-table", "jobs"])
        XCTAssertEqual(short.queueType, "libsqlite3")
        XCTAssertEqual(short.sqliteDatabase, "/var/lib/q.db")
        XCTAssertEqual(short.sqliteTable, "jobs")
        XCTAssertEqual(try ServerOptions(parsing: ["-qlibsqlite3", "--libsqlite3-db=/var/lib/q.db"]).sqliteTable, "gearman_queue")
        XCTAssertEqual(try ServerOptions(parsing: ["--sqlite", "/q.db", "--store-queue-on-shutdown"])
            .configuration(hostName: "h", version: "v").queuePersistence, .atShutdown)
    }

    func testPostgresTakesGearmandsSpellingsAndDefaults() throws {
        for spelling in ["postgres", "Postgres", "POSTGRES"] {
            let options = try ServerOptions(parsing: ["-q", spelling, "--libpq-conninfo", "host=db dbname=jobs"])
            XCTAssertEqual(options.queueType, "postgres")
            XCTAssertEqual(options.libpqConninfo, "host=db dbname=jobs")
            XCTAssertEqual(options.libpqTable, "queue")
            XCTAssertNil(options.validationProblem())
        }
        XCTAssertEqual(try ServerOptions(parsing: ["-qPostgres", "--libpq-table=jobs"]).libpqTable, "jobs")
        XCTAssertNil(try ServerOptions(parsing: ["-q", "postgres"]).validationProblem())  // libpq's defaults and PG* variables
        XCTAssertEqual(try ServerOptions(parsing: ["--libpq-conninfo", "host=db"]).validationProblem(), "--libpq-conninfo needs -q postgres")
        XCTAssertEqual(try ServerOptions(parsing: ["-q", "postgres", "--store-queue-on-shutdown"])
            .configuration(hostName: "h", version: "v").queuePersistence, .atShutdown)
    }

    func testHTTPListenerSpellings() throws {
        XCTAssertEqual(try ServerOptions(parsing: ["-r", "http"]).configuration(hostName: "h", version: "v").httpPort, 8080)
        XCTAssertEqual(try ServerOptions(parsing: ["-rhttp", "--http-port=9000"]).configuration(hostName: "h", version: "v").httpPort, 9000)
        XCTAssertEqual(try ServerOptions(parsing: ["--http-port", "9001"]).configuration(hostName: "h", version: "v").httpPort, 9001)
        XCTAssertNil(try ServerOptions(parsing: []).configuration(hostName: "h", version: "v").httpPort)
        XCTAssertEqual(try ServerOptions(parsing: ["-r", "redis"]).validationProblem(), "protocol module 'redis' is not supported (only http)")
        XCTAssertNotNil(try ServerOptions(parsing: ["--http-port", "70000"]).validationProblem())
    }

    func testConfigurationUsesGearmandsDefaultHandlePrefix() throws {
        let configuration = try ServerOptions(parsing: ["--exceptions", "-j2"]).configuration(hostName: "box", version: "v")
        XCTAssertEqual(configuration.handlePrefix, "H:box")
        XCTAssertEqual(configuration.jobRetries, 2)
        XCTAssertTrue(configuration.exceptionsByDefault)
        let custom = try ServerOptions(parsing: ["--job-handle-prefix=J"]).configuration(hostName: "box", version: "v")
        XCTAssertEqual(custom.handlePrefix, "J")
    }
}
