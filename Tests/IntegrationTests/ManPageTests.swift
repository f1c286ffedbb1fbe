import Foundation
import XCTest

/// Formats man/gearman.1 with man(1) and groff(1) and checks what comes out.
final class ManPageTests: XCTestCase {
    static var root: String { ShellRunner.repositoryRoot(from: #filePath) }
    static var page: String { root + "/man/gearman.1" }

    /// Every letter of the classic getopt string "bc:f:h:HILnNp:Pst:u:vwi:dSj:V".
    static let optionLetters = ["b", "c", "f", "h", "H", "I", "L", "n", "N", "p",
                                "P", "s", "t", "u", "v", "w", "i", "d", "S", "j", "V"]

    static let sections = ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "CLIENT MODE", "WORKER MODE",
                           "ENVIRONMENT", "EXIT STATUS", "EXAMPLES", "FILES", "DIFFERENCES FROM THE C GEARMAN",
                           "SEE ALSO"]

    static func requireTool(_ name: String) throws -> String {
        guard let path = ShellRunner.which(name) else {
            throw XCTSkip("\(name) is not installed")
        }
        return path
    }

    /// The page as man(1) shows it in an 80-column terminal, as plain text:
    /// no overstriking or escape sequences, and ASCII hyphens.
    static func renderedPage() throws -> String {
        let man = try requireTool("man")
        let environment = ShellRunner.environment([
            "MANPAGER": "cat",
            "PAGER": "cat",
            "MANWIDTH": "80",
        ])
        let result = try ShellRunner.run(man, ["-l", page], environment: environment, currentDirectory: root)
        XCTAssertEqual(result.status, 0, "man -l failed: \(result.stderr)")
        return plain(result.stdout)
    }

    static func plain(_ text: String) -> String {
        var output = ""
        var characters = Array(text)
        // Overstriking: "X\bX" is bold X, "_\bX" is underlined X.
        var index = 0
        var kept: [Character] = []
        while index < characters.count {
            if index + 1 < characters.count, characters[index + 1] == "\u{8}" {
                index += 2
                continue
            }
            kept.append(characters[index])
            index += 1
        }
        characters = kept
        // SGR escape sequences, ESC [ ... m.
        index = 0
        while index < characters.count {
            if characters[index] == "\u{1B}", index + 1 < characters.count, characters[index + 1] == "[" {
                index += 2
                while index < characters.count, !characters[index].isLetter { index += 1 }
                index += 1
                continue
            }
            switch characters[index] {
            case "\u{2212}", "\u{2010}", "\u{2011}": output.append("-")
            case "\u{00A0}": output.append(" ")
            default: output.append(characters[index])
            }
            index += 1
        }
        return output
    }

    static func lines(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    func testManRendersEverySection() throws {
        let text = try Self.renderedPage()
        let headings = Set(Self.lines(text).filter { !$0.hasPrefix(" ") && !$0.isEmpty })
        for section in Self.sections {
            XCTAssertTrue(headings.contains(section), "no \(section) heading in:\n\(text)")
        }
        XCTAssertTrue(text.contains("gearman [options] [data ...]"), "client synopsis")
        XCTAssertTrue(text.contains("gearman -w [options] [command [args ...]]"), "worker synopsis")
        XCTAssertTrue(text.contains("gearmand(8)"))
        XCTAssertTrue(text.contains("gearadmin(1)"))
    }

    func testManDescribesEveryOption() throws {
        let text = try Self.renderedPage()
        let trimmed = Self.lines(text).map { $0.trimmingCharacters(in: .whitespaces) }
        for letter in Self.optionLetters {
            let flag = "-" + letter
            let found = trimmed.contains { $0 == flag || $0.hasPrefix(flag + " ") }
            XCTAssertTrue(found, "no line for \(flag) in:\n\(text)")
        }
    }

    /// Every long option `gearman SUBCOMMAND --help` lists is in the man page's SECTION.
    private func assertSection(_ title: String, describesOptionsOf subcommand: String,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        try Binaries.require(Binaries.ours)
        let text = try Self.renderedPage()
        guard let start = text.range(of: "\n" + title), let end = text.range(of: "\nENVIRONMENT", range: start.upperBound..<text.endIndex)
        else { return XCTFail("no \(title) section in:\n\(text)", file: file, line: line) }
        let section = String(text[start.upperBound..<end.lowerBound])
        let help = try Command.run(Binaries.ours, [subcommand, "--help"]).stdoutText
        let names = help.split(separator: "\n").compactMap { helpLine in
            helpLine.range(of: #"--[a-z-]+"#, options: .regularExpression).map { String(helpLine[$0]) }
        }
        XCTAssertGreaterThan(names.count, 5, file: file, line: line)
        for name in names where !name.hasPrefix("--keepalive-") {
            XCTAssertTrue(section.contains(name), "\(name) from 'gearman \(subcommand) --help' is not in \(title)",
                          file: file, line: line)
        }
    }

    func testManDescribesEveryServerOption() throws {
        try assertSection("JOB SERVER", describesOptionsOf: "server")
    }

    func testManDescribesEveryAdminOption() throws {
        try assertSection("ADMIN", describesOptionsOf: "admin")
    }

    func testManDescribesEveryTopOption() throws {
        try assertSection("TOP", describesOptionsOf: "top")
    }

    func testManDescribesEveryBenchOption() throws {
        try assertSection("BENCH", describesOptionsOf: "bench")
    }

    /// What the issue found missing: the config file's format, the columns of --show-jobs,
    /// top's exit status and sort order.
    func testManDocumentsFormatsAndStatuses() throws {
        let text = try Self.renderedPage().split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for phrase in ["separated by spaces or newlines (gearmand's format)", "no comment syntax",
                       "four tab-separated columns", "the job handle; the retries", "the queued flag",
                       "The exit status is 0, or 3 when the last sample reached no server",
                       "a function whose backlog drains comes before an idle one"] {
            XCTAssertTrue(text.contains(phrase), "the man page does not say: \(phrase)")
        }
    }

    /// Issue 19: what happens to a failed background job, the formats, and the cron alert.
    func testManDocumentsFailureHandling() throws {
        let text = try Self.renderedPage().split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for phrase in ["FAILURE HANDLING", "--retry-backoff × 2^(k-1), capped at --retry-backoff-max",
                       "a uniformly random point in the upper half", "Foreground jobs are unchanged",
                       "seven tab-separated columns", "It prints nothing at all when the list is empty",
                       "*/15 * * * * gearman admin -h gm1 --dead", "TABLE_failures", "TABLE_dead"] {
            XCTAssertTrue(text.contains(phrase), "the man page does not say: \(phrase)")
        }
    }

    func testManListsExitStatuses() throws {
        let text = try Self.renderedPage()
        let all = Self.lines(text)
        guard let start = all.firstIndex(of: "EXIT STATUS") else {
            return XCTFail("no EXIT STATUS section in:\n\(text)")
        }
        let end = all[(start + 1)...].firstIndex { !$0.isEmpty && !$0.hasPrefix(" ") } ?? all.endIndex
        let section = all[(start + 1)..<end].map { $0.trimmingCharacters(in: .whitespaces) }
        for status in ["0", "1", "2", "3"] {
            XCTAssertTrue(section.contains { $0.hasPrefix(status + " ") }, "no status \(status) in \(section)")
        }
    }

    func testManShowsExamples() throws {
        let text = try Self.renderedPage()
        for example in ["gearman -w -f wc -- wc -l",
                        "gearman -f wc < /etc/passwd",
                        "gearman -b -f nightly -s",
                        "gearman -n -f upper < names.txt",
                        "gearman -w -n -f upper -- tr a-z A-Z",
                        "GEARMAN_SERVER=gm1:4730,gm2 gearman -f wc < file",
                        "gearman admin --status",
                        "gearman admin -h gm1 -h gm2 --status --json",
                        "gearman top -h gm1 -h gm2 -s change",
                        "curl -s localhost:8081/metrics",
                        "curl -s --data-binary @in.txt localhost:8081/wc",
                        "gearman status H:gm1:42"] {
            XCTAssertTrue(text.contains(example), "example missing: \(example)")
        }
    }

    func testGroffPrintsNoWarnings() throws {
        let groff = try Self.requireTool("groff")
        let result = try ShellRunner.run(groff, ["-man", "-Tutf8", "-ww", "-z", Self.page],
                                         currentDirectory: Self.root)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "", "groff warnings")
        XCTAssertEqual(result.stdout, "")
    }

    func testManPrintsNoWarnings() throws {
        let man = try Self.requireTool("man")
        let environment = ShellRunner.environment(["MANPAGER": "cat", "PAGER": "cat", "MANWIDTH": "80"])
        let result = try ShellRunner.run(man, ["-l", Self.page], environment: environment,
                                         currentDirectory: Self.root)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "", "man warnings")
    }
}
