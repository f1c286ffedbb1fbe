import Foundation
import XCTest

/// `gearman server --http-port`: /metrics read by prometheus_client's parser, /status as
/// JSON, gearmand's HTTP job submission, and malformed HTTP answered with 4xx.
final class HTTPListenerTests: JobServerTestCase {
    override class var serverKind: ServerKind { .bundled }
    private var http: UInt16 = 0

    override func setUpWithError() throws {
        try Binaries.require(Binaries.ours)
        http = try Network.freePort()
        server = try JobServerProcess(.bundled, extraArguments: ["--http-port", "\(http)"])
        XCTAssertTrue(eventually { Network.accepts(port: http) }, "the HTTP port is not open")
    }

    /// The /metrics samples as prometheus_client parses them: "name{labels}" to value.
    private func metrics(port: UInt16? = nil) throws -> [String: Double] {
        let text = try XCTUnwrap(HTTPExchange(port: port ?? http).request("GET", "/metrics"))
        XCTAssertEqual(text.status, 200)
        XCTAssertTrue(text.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        let parsed = try Command.run(Binaries.python, [Binaries.fixtures.appendingPathComponent("parse_metrics.py").path],
                                     stdin: text.body)
        if parsed.stderr.contains("No module named 'prometheus_client'") { throw XCTSkip("prometheus_client is not installed") }
        XCTAssertEqual(parsed.status, 0, "prometheus_client could not parse /metrics: \(parsed.stderr)")
        var samples: [String: Double] = [:]
        for line in parsed.stdoutText.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            samples["\(fields[0]){\(fields[1])}"] = Double(fields[2])
        }
        return samples
    }

    func testMetricsCountQueuedRunningWorkersAndOutcomesPerFunction() throws {
        try startWorker("upper", ["--", "tr", "a-z", "A-Z"])
        XCTAssertEqual(try ours(["-f", "upper", "x"]).stdoutText, "X")
        XCTAssertEqual(try ours(["-f", "upper", "-b", "-I", "a"]).status, 0)
        for _ in 0..<2 { XCTAssertEqual(try ours(["-f", "nobody", "-b", "-L", "b"]).status, 0) }
        XCTAssertEqual(try ours(["-f", "nobody", "-b", "-I", "c"]).status, 0)
        XCTAssertTrue(try eventually { try metrics()["gearman_jobs_completed_total{function=upper}"] == 2 })
        let samples = try metrics()
        XCTAssertEqual(samples["gearman_jobs_queued{function=nobody,priority=low}"], 2)
        XCTAssertEqual(samples["gearman_jobs_queued{function=nobody,priority=high}"], 1)
        XCTAssertEqual(samples["gearman_jobs_queued{function=nobody,priority=normal}"], 0)
        XCTAssertEqual(samples["gearman_jobs_submitted_total{function=nobody}"], 3)
        XCTAssertEqual(samples["gearman_jobs_failed_total{function=upper}"], 0)
        XCTAssertEqual(samples["gearman_jobs_running{function=upper}"], 0)
        XCTAssertEqual(samples["gearman_workers{function=upper}"], 1)
        XCTAssertEqual(samples["gearman_workers{function=nobody}"], 0)
        XCTAssertEqual(samples["gearman_connections{role=worker}"], 1)
        XCTAssertNil(samples["gearman_queue_store_commit_duration_seconds_count{}"], "a commit histogram without a queue store")
    }

    func testTheQueueStoreCommitLatencyIsAHistogram() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("gearman-http-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let port = try Network.freePort()
        let durable = try startServer(.bundled, ["--sqlite", "\(directory)/q.db", "--http-port", "\(port)"])
        XCTAssertTrue(eventually { Network.accepts(port: port) })
        for index in 0..<3 {
            XCTAssertEqual(try Command.run(Binaries.ours, durable.address + ["-b", "-f", "later", "job \(index)"]).status, 0)
        }
        let samples = try metrics(port: port)
        XCTAssertGreaterThanOrEqual(samples["gearman_queue_store_commit_duration_seconds_count{}"] ?? 0, 1)
        XCTAssertEqual(samples["gearman_queue_store_commit_duration_seconds_bucket{le=+Inf}"],
                       samples["gearman_queue_store_commit_duration_seconds_count{}"])
    }

    func testStatusIsJSONWithFunctionsWorkersAndJobs() throws {
        try startWorker("echo")
        XCTAssertEqual(try ours(["-f", "later", "-b", "-u", "key-1", "payload"]).status, 0)
        let response = try XCTUnwrap(HTTPExchange(port: http).request("GET", "/status"))
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.headers["content-type"], "application/json")
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        let functions = try XCTUnwrap(json["functions"] as? [[String: Any]])
        let later = try XCTUnwrap(functions.first { $0["function"] as? String == "later" })
        XCTAssertEqual((later["queued"] as? [String: Int])?["normal"], 1)
        let workers = try XCTUnwrap(json["workers"] as? [[String: Any]])
        XCTAssertEqual(workers.first?["functions"] as? [String], ["echo"])
        let jobs = try XCTUnwrap(json["jobs"] as? [[String: Any]])
        XCTAssertEqual(jobs.first?["unique"] as? String, "key-1")
        XCTAssertEqual(jobs.first?["background"] as? Bool, true)
    }

    func testPostRunsAJobAndAnswersWithItsResultOverKeepAlive() throws {
        try startWorker("rev", ["--", "rev"])
        let exchange = try HTTPExchange(port: http)
        let first = try XCTUnwrap(exchange.request("POST", "/rev", body: Array("hello\n".utf8)))
        XCTAssertEqual(first.status, 200)
        XCTAssertEqual(first.text, "olleh\n")
        XCTAssertEqual(first.headers["x-gearman-command"], "WORK_COMPLETE")
        XCTAssertTrue(first.headers["x-gearman-job-handle"]?.hasPrefix("H:") == true)
        // The same connection serves the next request.
        let second = try XCTUnwrap(exchange.request("POST", "/rev", headers: ["X-Gearman-Priority": "high"], body: Array("abc\n".utf8)))
        XCTAssertEqual(second.text, "cba\n")
        let background = try XCTUnwrap(exchange.request("POST", "/queued", headers: ["X-Gearman-Background": "true",
                                                                                      "X-Gearman-Unique": "u-1"], body: Array("x".utf8)))
        XCTAssertEqual(background.status, 200)
        XCTAssertEqual(background.headers["x-gearman-command"], "JOB_CREATED")
        XCTAssertEqual(background.body, [])
        XCTAssertEqual(try server.status(of: "queued")?.queued, 1)
    }

    func testAFailedJobIsAServerError() throws {
        try startWorker("false", ["--", "false"])
        let response = try XCTUnwrap(HTTPExchange(port: http).request("POST", "/false", body: Array("x".utf8)))
        XCTAssertEqual(response.status, 500)
        XCTAssertEqual(response.headers["x-gearman-command"], "WORK_FAIL")
        XCTAssertEqual(try metrics()["gearman_jobs_failed_total{function=false}"], 1)
    }

    func testAClientThatHangsUpDropsItsQueuedJob() throws {
        let exchange = try HTTPExchange(port: http)
        exchange.sendOnly("POST /nobody HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx")
        XCTAssertTrue(try eventually { try server.status(of: "nobody")?.queued == 1 })
        exchange.close()
        XCTAssertTrue(try eventually { try server.status(of: "nobody")?.queued == 0 }, "the job outlived its HTTP client")
    }

    func testMalformedRequestsGet4xxAndTheServerGoesOn() throws {
        XCTAssertEqual(try HTTPExchange(port: http).raw("NOT HTTP AT ALL\r\n\r\n")?.status, 400)
        XCTAssertEqual(try HTTPExchange(port: http).request("DELETE", "/f")?.status, 405)
        XCTAssertEqual(try HTTPExchange(port: http).request("POST", "/")?.status, 404)
        XCTAssertEqual(try HTTPExchange(port: http).request("POST", "/f", headers: ["X-Gearman-Priority": "urgent"])?.status, 400)
        XCTAssertEqual(try HTTPExchange(port: http).request("POST", "/bad%zz")?.status, 400)
        let huge = try HTTPExchange(port: http).raw("POST /f HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n")
        XCTAssertTrue(huge == nil || (400..<500).contains(huge!.status), "\(String(describing: huge?.status))")
        // Both protocols still work.
        XCTAssertEqual(try HTTPExchange(port: http).request("GET", "/status")?.status, 200)
        try startWorker("echo")
        XCTAssertEqual(try ours(["-f", "echo", "still here"]).status, 0)
    }

    func testAWorkloadOverTheMaximumIsPayloadTooLarge() throws {
        let port = try Network.freePort()
        _ = try startServer(.bundled, ["--http-port", "\(port)", "--max-packet-size", "1000"])
        XCTAssertTrue(eventually { Network.accepts(port: port) })
        let response = try HTTPExchange(port: port).request("POST", "/f", body: Array(repeating: UInt8(ascii: "x"), count: 5_000))
        XCTAssertEqual(response?.status, 413)
    }

    func testGearmandsProtocolSpellingAndUnknownModules() throws {
        let port = try Network.freePort()
        _ = try startServer(.bundled, ["-r", "http", "--http-port=\(port)"])
        XCTAssertTrue(eventually { Network.accepts(port: port) }, "-r http --http-port did not open the port")
        let result = try Command.run(Binaries.ours, ["server", "-r", "memcache"])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("protocol module 'memcache' is not supported"), result.stderr)
    }
}
