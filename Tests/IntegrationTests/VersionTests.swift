import Foundation
import XCTest

/// One version number everywhere: `--version` and `-V` of `gearman` and of every subcommand,
/// the executables `gearman server` and `gearman bench` run, the server's admin `version` and
/// start-up line, and the man page's footer.
final class VersionTests: XCTestCase {
    /// The version on man/gearman.1's `.TH` line (`"gearman 0.4.0"`), which `man` shows in the footer.
    static func manPageVersion() throws -> String {
        let page = try String(contentsOfFile: ManPageTests.page, encoding: .utf8)
        let header = try XCTUnwrap(page.split(separator: "\n").first { $0.hasPrefix(".TH ") })
        let range = try XCTUnwrap(header.range(of: #""gearman [0-9]+\.[0-9]+\.[0-9]+""#, options: .regularExpression), String(header))
        return String(header[range].dropFirst("\"gearman ".count).dropLast())
    }

    func testTheManPageCarriesThisReleasesVersion() throws {
        XCTAssertEqual(try Self.manPageVersion(), "0.4.0")
    }

    func testEveryCommandPrintsTheSameVersion() throws {
        try Binaries.require(Binaries.ours)
        let version = try Self.manPageVersion()
        for subcommand in [nil, "server", "admin", "status", "top", "bench"] {
            for flag in ["-V", "--version"] {
                let arguments = (subcommand.map { [$0] } ?? []) + [flag]
                let result = try Command.run(Binaries.ours, arguments, environment: Command.cleanEnvironment)
                XCTAssertEqual(result.status, 0, "\(arguments): \(result.stderr)")
                XCTAssertEqual(result.stdoutText, "gearman\(subcommand.map { " \($0)" } ?? "") \(version)\n", "\(arguments)")
                XCTAssertEqual(result.stderr, "", "\(arguments)")
            }
        }
        let directory = URL(fileURLWithPath: Binaries.ours).deletingLastPathComponent()
        for (executable, name) in [("gearman-server", "server"), ("gearman-bench", "bench")] {
            let result = try Command.run(directory.appendingPathComponent(executable).path, ["--version"])
            XCTAssertEqual(result.stdoutText, "gearman \(name) \(version)\n", executable)
        }
    }

    /// Admin `version` (through our admin tool and gearadmin) and the start-up line say the same.
    func testTheServerReportsTheSameVersion() throws {
        let version = try Self.manPageVersion()
        let server = try JobServerProcess(.bundled, extraArguments: ["--verbose=ERROR"])
        defer { server.stop() }
        let admin = try Command.run(Binaries.ours, ["admin"] + server.address + ["--server-version"])
        XCTAssertEqual(admin.stdoutText, "\(version)\n", admin.stderr)
        try Binaries.require(Binaries.gearadmin)
        let gearadmin = try Command.run(Binaries.gearadmin, ["-h", "127.0.0.1", "-p", "\(server.port)", "--server-version"])
        XCTAssertEqual(gearadmin.stdoutText, "\(version)\n")
        XCTAssertTrue(server.process.stderr.contains("gearman server \(version) listening on 127.0.0.1:\(server.port)"),
                      server.process.stderr)
    }

    /// `-H` (as in classic mode) and `--help` on every subcommand; `gearman server` keeps gearmand's `-h`.
    func testEverySubcommandTakesHelp() throws {
        try Binaries.require(Binaries.ours)
        for (subcommand, flags) in [("admin", ["-H", "--help"]), ("status", ["-H", "--help"]), ("top", ["-H", "--help"]),
                                    ("bench", ["-H", "--help"]), ("server", ["-h", "--help"])] {
            for flag in flags {
                let result = try Command.run(Binaries.ours, [subcommand, flag], environment: Command.cleanEnvironment)
                XCTAssertEqual(result.status, 0, "\(subcommand) \(flag): \(result.stderr)")
                XCTAssertTrue(result.stdoutText.hasPrefix("Usage: gearman \(subcommand) "), "\(subcommand) \(flag): \(result.stdoutText)")
                XCTAssertTrue(result.stdoutText.contains("--version"), "\(subcommand) \(flag)")
            }
        }
    }
}
