import GearmanProtocol
import GearmanTool

/// `gearman admin --dead` for people: the dead-job list as aligned columns, times in UTC.
enum DeadJobTable {
    static let header = ["HANDLE", "FUNCTION", "UNIQUE", "ATTEMPTS", "SUBMITTED", "FAILED", "LAST FAILURE"]

    /// A header and one line per dead job, with a SERVER column first when `server` is given;
    /// nothing at all when the list is empty, so that cron mails only when there is something.
    /// Lines that are not rows follow the table as they came.
    static func lines(_ listing: [String], server: String?) -> [String] {
        let rows = listing.compactMap(DeadJobRow.init(line:))
        let unparsed = listing.filter { DeadJobRow(line: $0) == nil }
        guard !rows.isEmpty else { return unparsed }
        var table = [header] + rows.map { row in
            [row.handle, row.function, row.unique.isEmpty ? "-" : row.unique, String(row.attempts),
             time(row.firstSubmitted), time(row.lastFailed), row.lastFailure.isEmpty ? "-" : row.lastFailure]
        }
        if let server { table = table.enumerated().map { [$0.offset == 0 ? "SERVER" : server] + $0.element } }
        let widths = table[0].indices.map { column in table.map { $0[column].count }.max() ?? 0 }
        return table.map { fields in
            fields.enumerated().map { column, text in
                // The last column is free text: nothing pads it.
                column == fields.count - 1 ? text : text + String(repeating: " ", count: widths[column] - text.count)
            }.joined(separator: "  ")
        } + unparsed
    }

    /// Seconds since the epoch in UTC; 0, a time the server did not know, as "-".
    private static func time(_ seconds: Int) -> String {
        seconds > 0 ? UTCTimestamp.string(epochSeconds: seconds) : "-"
    }
}
