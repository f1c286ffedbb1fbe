import GearmanKit
import GearmanProtocol

/// One function on one server, as a `gearman top` sample sees it.
struct FunctionSample: Equatable {
    let server: String
    let function: String
    /// Queued jobs: high, normal, low.
    let queued: [Int]
    let running: Int
    let workers: Int
    /// Queued and running jobs together (`status`'s total).
    let total: Int
    /// Jobs in the dead-job list; nil from a server that has none (gearmand).
    var dead: Int? = nil
}

/// A row of `gearman top`: a sample and how fast the function's job count changes.
struct TopRow: Equatable {
    let sample: FunctionSample
    /// Jobs per second by which the total grew (negative: the backlog shrinks); nil on the first sample.
    let change: Double?
}

/// What `gearman top` shows, computed from samples without any I/O.
enum TopView {
    enum SortKey: String, CaseIterable {
        case name, queued, running, workers, change, dead
    }

    /// Rows for `current`, with rates against `previous` taken `elapsed` seconds earlier. Each
    /// key puts the busiest first; `change` by size, so a draining function (negative) comes
    /// before an idle one.
    static func rows(previous: [FunctionSample], current: [FunctionSample], elapsed: Double, sort: SortKey) -> [TopRow] {
        var before: [String: Int] = [:]
        for sample in previous { before[sample.server + "\t" + sample.function] = sample.total }
        let rows = current.map { sample in
            TopRow(sample: sample, change: before[sample.server + "\t" + sample.function].flatMap { old in
                elapsed > 0 ? Double(sample.total - old) / elapsed : nil
            })
        }
        return rows.sorted { left, right in
            let (a, b) = (left.sample, right.sample)
            switch sort {
            case .name: return (a.function, a.server) < (b.function, b.server)
            case .queued: return (a.queued.reduce(0, +), b.function) > (b.queued.reduce(0, +), a.function)
            case .running: return (a.running, b.function) > (b.running, a.function)
            case .workers: return (a.workers, b.function) > (b.workers, a.function)
            case .change: return (abs(left.change ?? 0), b.function) > (abs(right.change ?? 0), a.function)
            case .dead: return (a.dead ?? 0, b.function) > (b.dead ?? 0, a.function)
            }
        }
    }

    /// Merges a server's `prioritystatus`, `status` and `show dead counts` replies into samples
    /// (`deadCounts` nil: the server has no dead-job list). A function with dead jobs only gets
    /// a row of its own.
    static func samples(server: String, priorityStatus: [String], status: [String], deadCounts: [String]? = nil) -> [FunctionSample] {
        var totals: [String: StatusRow] = [:]
        for line in status { if let row = StatusRow(line: line) { totals[row.function] = row } }
        var dead: [String: Int] = [:]
        for line in deadCounts ?? [] {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            if fields.count == 2, let count = Int(fields[1]), count >= 0 { dead[String(fields[0]), default: 0] += count }
        }
        let rows = priorityStatus.compactMap(PriorityStatusRow.init(line:))
        let listed = Set(rows.map(\.function))
        return rows.map { row in
            let total = totals[row.function]
            return FunctionSample(server: server, function: row.function, queued: [row.high, row.normal, row.low],
                                  running: total?.running ?? 0, workers: row.workers,
                                  total: total?.total ?? (row.high + row.normal + row.low),
                                  dead: deadCounts == nil ? nil : dead[row.function] ?? 0)
        } + dead.filter { !listed.contains($0.key) }.sorted { $0.key < $1.key }.map { function, count in
            FunctionSample(server: server, function: function, queued: [0, 0, 0], running: 0, workers: 0, total: 0, dead: count)
        }
    }

    static let header = ["SERVER", "FUNCTION", "HIGH", "NORMAL", "LOW", "RUNNING", "WORKERS", "CHANGE/S", "DEAD"]

    /// The table for a terminal: a header, one line per row, one per unreachable server.
    static func table(_ rows: [TopRow], unreachable: [(server: String, reason: String)]) -> [String] {
        let cells = rows.map { row -> [String] in
            let sample = row.sample
            return [sample.server, sample.function] + sample.queued.map(String.init)
                + [String(sample.running), String(sample.workers), row.change.map(format) ?? "-", sample.dead.map(String.init) ?? "-"]
        }
        let widths = header.indices.map { column in
            ([header] + cells).map { $0[column].count }.max() ?? 0
        }
        func line(_ fields: [String]) -> String {
            fields.enumerated().map { column, text in
                let pad = String(repeating: " ", count: widths[column] - text.count)
                return column < 2 ? text + pad : pad + text
            }.joined(separator: "  ")
        }
        return [line(header)] + cells.map(line) + unreachable.map { "\($0.server)  unreachable: \($0.reason)" }
    }

    /// `lines` cut to fit a terminal of `rows` by `columns`: long lines are cut short, and the
    /// last line that fits says how many more there are, so that nothing wraps or scrolls.
    static func clip(_ lines: [String], rows: Int, columns: Int) -> [String] {
        func cut(_ line: String) -> String { line.count > columns ? String(line.prefix(max(columns, 0))) : line }
        guard lines.count > rows else { return lines.map(cut) }
        guard rows > 0 else { return [] }
        let shown = lines.prefix(rows - 1).map(cut)
        return shown + [cut("... \(lines.count - shown.count) more lines (a larger window shows them)")]
    }

    /// One plain line per row (when stdout is not a terminal), each with its timestamp.
    static func plainLines(_ rows: [TopRow], unreachable: [(server: String, reason: String)], timestamp: String) -> [String] {
        rows.map { row in
            let sample = row.sample
            return "\(timestamp) \(sample.server) \(sample.function) high=\(sample.queued[0]) normal=\(sample.queued[1])"
                + " low=\(sample.queued[2]) running=\(sample.running) workers=\(sample.workers)"
                + " change/s=\(row.change.map(format) ?? "-") dead=\(sample.dead.map(String.init) ?? "-")"
        } + unreachable.map { "\(timestamp) \($0.server) unreachable: \($0.reason)" }
    }

    /// A rate with one decimal, as `-3.0` or `12.5`.
    static func format(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        return "\(sign)\(abs(tenths) / 10).\(abs(tenths) % 10)"
    }
}
