import GearmanTool
import XCTest
@testable import GearmanBench

final class BenchOptionsTests: XCTestCase {
    func testEachScenarioHasItsDefaults() throws {
        let submit = try BenchOptions(parsing: ["submit"])
        XCTAssertEqual(submit.scenario, .submit)
        XCTAssertEqual(submit.host, "127.0.0.1")
        XCTAssertEqual(submit.port, 4730)
        XCTAssertEqual([submit.connections, submit.depth, submit.workers, submit.workerDepth], [4, 16, 0, 0])
        XCTAssertEqual(submit.jobs, 100_000)
        XCTAssertNil(submit.seconds)
        XCTAssertEqual(submit.payload, 100)
        XCTAssertEqual(submit.unique, .distinct)
        XCTAssertEqual([submit.functions, submit.threads], [1, 1])
        XCTAssertFalse(submit.json || submit.allowRemote || submit.help)

        for scenario in ["drain", "e2e"] {
            let options = try BenchOptions(parsing: [scenario])
            XCTAssertEqual([options.connections, options.depth, options.workers, options.workerDepth], [4, 16, 4, 1], scenario)
            XCTAssertEqual(options.jobs, 100_000)
        }
        let rtt = try BenchOptions(parsing: ["rtt"])
        XCTAssertEqual([rtt.connections, rtt.depth, rtt.workers, rtt.workerDepth], [1, 1, 1, 1])
        XCTAssertEqual(rtt.jobs, 20_000)
    }

    func testEveryOptionInShortAndLongSpellings() throws {
        let options = try BenchOptions(parsing: [
            "-h", "localhost", "-p4731", "--connections=8", "-d", "32", "-w", "2", "--worker-depth", "4",
            "-n", "500", "--seconds", "2.5", "--payload", "0", "--unique", "none", "--functions", "3",
            "--threads", "2", "--json", "--allow-remote", "e2e",
        ])
        XCTAssertEqual(options.scenario, .e2e)
        XCTAssertEqual(options.host, "localhost")
        XCTAssertEqual(options.port, 4731)
        XCTAssertEqual([options.connections, options.depth, options.workers, options.workerDepth], [8, 32, 2, 4])
        XCTAssertEqual(options.jobs, 500)
        XCTAssertEqual(options.seconds, 2.5)
        XCTAssertEqual(options.payload, 0)
        XCTAssertEqual(options.unique, BenchOptions.UniqueKeys.none)
        XCTAssertEqual([options.functions, options.threads], [3, 2])
        XCTAssertTrue(options.json && options.allowRemote)
    }

    func testSecondsAloneLiftsTheJobLimitExceptForTheDrainsQueue() throws {
        XCTAssertNil(try BenchOptions(parsing: ["e2e", "--seconds", "1"]).jobs)
        XCTAssertNil(try BenchOptions(parsing: ["rtt", "--seconds", "1"]).jobs)
        XCTAssertEqual(try BenchOptions(parsing: ["rtt", "--seconds", "1", "-n", "7"]).jobs, 7)
        XCTAssertEqual(try BenchOptions(parsing: ["drain", "--seconds", "1"]).jobs, 100_000)
    }

    func testHelpNeedsNoScenario() throws {
        XCTAssertTrue(try BenchOptions(parsing: ["--help"]).help)
        XCTAssertTrue(try BenchOptions(parsing: ["-H"]).help)
        XCTAssertTrue(try BenchOptions(parsing: ["-V"]).version)
    }

    /// GEARMAN_SERVER names the server when -h and -p do not; one server only.
    func testGearmanServerNamesTheServerUnlessHostOrPortIsGiven() throws {
        let environment = { (name: String) in name == "GEARMAN_SERVER" ? "127.0.0.2:4999" : nil }
        let fromEnvironment = try BenchOptions(parsing: ["rtt"], environment: environment)
        XCTAssertEqual([fromEnvironment.host, "\(fromEnvironment.port)"], ["127.0.0.2", "4999"])
        let explicitHost = try BenchOptions(parsing: ["rtt", "-h", "::1"], environment: environment)
        XCTAssertEqual([explicitHost.host, "\(explicitHost.port)"], ["::1", "4730"])
        let explicitPort = try BenchOptions(parsing: ["rtt", "-p", "5000"], environment: environment)
        XCTAssertEqual([explicitPort.host, "\(explicitPort.port)"], ["127.0.0.1", "5000"])
        XCTAssertThrowsError(try BenchOptions(parsing: ["rtt"], environment: { _ in "a:1,b:2" })) { error in
            XCTAssertEqual((error as? LongOptions.Failure)?.message, "GEARMAN_SERVER names 2 job servers; give the one to load with -h")
        }
    }

    func testFunctionPrefixAndKeepJobs() throws {
        let options = try BenchOptions(parsing: ["e2e", "--function-prefix", "ci-42-", "--functions", "2", "--keep-jobs"])
        XCTAssertEqual(options.functionPrefix, "ci-42-")
        XCTAssertTrue(options.keepJobs)
        XCTAssertEqual(BenchRunner(options: options, server: try BenchServer.resolve(host: "127.0.0.1", port: 1, allowRemote: false)).functions,
                       ["ci-42-0", "ci-42-1"])
        let defaults = try BenchOptions(parsing: ["e2e"])
        XCTAssertEqual(defaults.functionPrefix, "bench")
        XCTAssertFalse(defaults.keepJobs)
    }

    func testBadValuesNameTheOption() {
        let cases: [([String], String)] = [
            ([], "give a scenario: submit, drain, e2e or rtt"),
            (["load"], "unknown scenario 'load': use submit, drain, e2e or rtt"),
            (["submit", "extra"], "unexpected argument 'extra'"),
            (["submit", "-c", "0"], "invalid value '0' for --connections: give a whole number from 1 to 10000"),
            (["submit", "-d", "x"], "invalid value 'x' for --depth: give a whole number from 1 to 100000"),
            (["e2e", "-w", "-1"], "invalid value '-1' for --workers: give a whole number from 1 to 10000"),
            (["e2e", "--worker-depth", "0"], "invalid value '0' for --worker-depth: give a whole number from 1 to 10000"),
            (["submit", "-n", "0"], "invalid value '0' for --jobs: give a whole number from 1 to 2147483647"),
            (["submit", "-p", "65536"], "invalid value '65536' for --port: give a whole number from 1 to 65535"),
            (["submit", "--payload", "-1"], "invalid value '-1' for --payload: give a whole number from 0 to 67108864"),
            (["submit", "--functions", "0"], "invalid value '0' for --functions: give a whole number from 1 to 10000"),
            (["submit", "--threads", "0"], "invalid value '0' for --threads: give a whole number from 1 to 256"),
            (["submit", "--seconds", "0"], "invalid value '0' for --seconds: give a number of seconds above 0"),
            (["submit", "--seconds", "nan"], "invalid value 'nan' for --seconds: give a number of seconds above 0"),
            (["submit", "--unique", "some"], "invalid value 'some' for --unique: use none or distinct"),
            (["submit", "-h", ""], "invalid value '' for --host: give a host name or address"),
            (["submit", "-w", "2"], "--workers: submit starts no workers"),
            (["submit", "--worker-depth", "2"], "--worker-depth: submit starts no workers"),
            (["rtt", "-d", "2"], "--depth: rtt keeps one job in flight per client"),
            (["rtt", "--worker-depth", "2"], "--worker-depth: rtt workers grab one job at a time"),
            (["submit", "--jobs"], "the required argument for option '--jobs' is missing"),
            (["submit", "--fast"], "unrecognized option '--fast'"),
            (["submit", "--function-prefix", ""], "invalid value '' for --function-prefix: give 1 to 500 bytes"),
        ]
        for (arguments, message) in cases {
            XCTAssertThrowsError(try BenchOptions(parsing: arguments), "\(arguments)") { error in
                XCTAssertEqual((error as? LongOptions.Failure)?.message, message, "\(arguments)")
            }
        }
    }
}
