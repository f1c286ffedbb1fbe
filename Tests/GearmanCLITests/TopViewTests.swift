import XCTest
@testable import GearmanCLI

final class TopViewTests: XCTestCase {
    private func sample(_ function: String, queued: [Int] = [0, 0, 0], running: Int = 0, workers: Int = 0,
                        total: Int? = nil, server: String = "s:1", dead: Int? = nil) -> FunctionSample {
        FunctionSample(server: server, function: function, queued: queued, running: running, workers: workers,
                       total: total ?? queued.reduce(0, +) + running, dead: dead)
    }

    func testSamplesMergePriorityStatusAndStatus() {
        let samples = TopView.samples(server: "s:1", priorityStatus: ["wc\t1\t2\t3\t4", "bad line"],
                                      status: ["wc\t8\t2\t4"])
        XCTAssertEqual(samples, [sample("wc", queued: [1, 2, 3], running: 2, workers: 4, total: 8)])
    }

    /// Dead jobs are counted per function; a function with dead jobs only gets its own row,
    /// and a server without a dead-job list (gearmand) shows none.
    func testSamplesCountDeadJobsPerFunction() {
        let dead = ["wc\t2", "gone\t1", "bad line", "neg\t-1"]
        let samples = TopView.samples(server: "s:1", priorityStatus: ["wc\t0\t1\t0\t1", "idle\t0\t0\t0\t0"],
                                      status: ["wc\t1\t0\t1", "idle\t0\t0\t0"], deadCounts: dead)
        XCTAssertEqual(samples, [sample("wc", queued: [0, 1, 0], workers: 1, dead: 2), sample("idle", dead: 0),
                                 sample("gone", dead: 1)])
        XCTAssertEqual(TopView.samples(server: "s:1", priorityStatus: ["wc\t0\t1\t0\t1"], status: []).map(\.dead), [nil])
        let rows = TopView.rows(previous: [], current: samples, elapsed: 1, sort: .dead)
        XCTAssertEqual(rows.map(\.sample.function), ["wc", "gone", "idle"])
    }

    func testRatesComeFromSuccessiveSamples() {
        let first = [sample("a", queued: [0, 10, 0]), sample("b", queued: [0, 1, 0])]
        let second = [sample("a", queued: [0, 4, 0]), sample("b", queued: [0, 3, 0]), sample("c")]
        let rows = TopView.rows(previous: first, current: second, elapsed: 2, sort: .name)
        XCTAssertEqual(rows.map(\.change), [-3, 1, nil])
        XCTAssertEqual(TopView.rows(previous: [], current: second, elapsed: 2, sort: .name).map(\.change), [nil, nil, nil])
    }

    func testSortKeys() {
        let samples = [sample("a", queued: [0, 1, 0], running: 5), sample("b", queued: [3, 0, 0], workers: 2), sample("c")]
        func order(_ key: TopView.SortKey) -> [String] {
            TopView.rows(previous: [], current: samples, elapsed: 1, sort: key).map(\.sample.function)
        }
        XCTAssertEqual(order(.name), ["a", "b", "c"])
        XCTAssertEqual(order(.queued), ["b", "a", "c"])
        XCTAssertEqual(order(.running), ["a", "b", "c"])
        XCTAssertEqual(order(.workers), ["b", "a", "c"])
    }

    /// The busiest first: a draining function (negative change) before an idle one.
    func testChangeSortsBySize() {
        let before = [sample("grows", queued: [0, 1, 0]), sample("drains", queued: [0, 50, 0]), sample("idle", queued: [0, 3, 0])]
        let after = [sample("grows", queued: [0, 3, 0]), sample("drains", queued: [0, 40, 0]), sample("idle", queued: [0, 3, 0])]
        let rows = TopView.rows(previous: before, current: after, elapsed: 1, sort: .change)
        XCTAssertEqual(rows.map(\.sample.function), ["drains", "grows", "idle"])
        XCTAssertEqual(rows.map(\.change), [-10, 2, 0])
    }

    /// Nothing wraps or scrolls: lines are cut to the width, and the last row that fits counts the rest.
    func testClipFitsTheTerminal() {
        let lines = ["title", "", "SERVER  FUNCTION", "a", "b", "c", "d", "a line much longer than the terminal is wide"]
        XCTAssertEqual(TopView.clip(lines, rows: 24, columns: 80), lines)
        XCTAssertEqual(TopView.clip(lines, rows: 5, columns: 12),
                       ["title", "", "SERVER  FUNC", "a", "... 4 more l"])
        XCTAssertEqual(TopView.clip(lines, rows: 8, columns: 20).last, "a line much longer t")
        XCTAssertEqual(TopView.clip(lines, rows: 0, columns: 20), [])
    }

    func testTableAlignsColumnsAndNamesUnreachableServers() {
        let rows = [TopRow(sample: sample("wc", queued: [0, 12, 0], running: 1, workers: 1), change: -2.5)]
        let table = TopView.table(rows, unreachable: [("down:4730", "cannot connect")])
        XCTAssertEqual(table, [
            "SERVER  FUNCTION  HIGH  NORMAL  LOW  RUNNING  WORKERS  CHANGE/S  DEAD",
            "s:1     wc           0      12    0        1        1      -2.5     -",
            "down:4730  unreachable: cannot connect",
        ])
        XCTAssertEqual(TopView.plainLines(rows, unreachable: [], timestamp: "T"),
                       ["T s:1 wc high=0 normal=12 low=0 running=1 workers=1 change/s=-2.5 dead=-"])
        let dead = [TopRow(sample: sample("wc", dead: 3), change: nil)]
        XCTAssertEqual(TopView.table(dead, unreachable: []).last, "s:1     wc           0       0    0        0        0         -     3")
        XCTAssertEqual(TopView.plainLines(dead, unreachable: [], timestamp: "T").last?.hasSuffix(" change/s=- dead=3"), true)
        XCTAssertEqual(TopView.format(0.04), "0.0")
        XCTAssertEqual(TopView.format(-0.26), "-0.3")
    }
}
