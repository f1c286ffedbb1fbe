import XCTest
@testable import GearmanCLI

/// -j/--concurrency, --shutdown-timeout, --exceptions, --window and --json.
/// (--id and --job-timeout are in ClassicOptionsTests.)
final class ClassicLongOptionsTests: XCTestCase {
    private func usageError(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) -> ClassicOptions.UsageError? {
        do {
            let options = try ClassicOptions.parse(arguments)
            XCTFail("\(arguments) parsed as \(options)", file: file, line: line)
            return nil
        } catch {
            return error
        }
    }

    private func assertRefused(_ arguments: [String], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(usageError(arguments, file: file, line: line)?.message, message, "\(arguments)", file: file, line: line)
    }

    // MARK: -j / --concurrency

    func testConcurrencyLetterAndLongForms() throws {
        XCTAssertEqual(try ClassicOptions.parse(["-w", "-j", "8", "-f", "t"]).concurrency, 8)
        XCTAssertEqual(try ClassicOptions.parse(["-w", "-j4", "-f", "t"]).concurrency, 4)
        XCTAssertEqual(try ClassicOptions.parse(["-wj3", "-f", "t"]).concurrency, 3)
        XCTAssertEqual(try ClassicOptions.parse(["-w", "--concurrency", "16", "-f", "t"]).concurrency, 16)
        XCTAssertEqual(try ClassicOptions.parse(["-w", "--concurrency=1024", "-f", "t"]).concurrency, 1024)
        XCTAssertEqual(try ClassicOptions.parse(["-w", "-j", "1", "-f", "t"]).concurrency, 1)
    }

    func testLastConcurrencyWins() throws {
        XCTAssertEqual(try ClassicOptions.parse(["-w", "-j", "2", "--concurrency", "5", "-f", "t"]).concurrency, 5)
        XCTAssertEqual(try ClassicOptions.parse(["-w", "--concurrency", "5", "-j", "2", "-f", "t"]).concurrency, 2)
    }

    func testConcurrencyOutOfRangeIsRefusedNamingTheOption() {
        assertRefused(["-w", "-f", "t", "-j", "0"], "invalid job count '0' for -j (1 to 1024 jobs at once)")
        assertRefused(["-w", "-f", "t", "--concurrency", "1025"], "invalid job count '1025' for --concurrency (1 to 1024 jobs at once)")
        for value in ["0", "-1", "abc", "1025", "", "2.5", " 4"] {
            for option in ["-j", "--concurrency"] {
                let message = usageError(["-w", "-f", "t", option, value])?.message ?? ""
                XCTAssertTrue(message.contains("'\(value)' for \(option) "), "\(option) \(value): \(message)")
            }
        }
    }

    func testConcurrencyNeedsAValue() {
        assertRefused(["-w", "-f", "t", "--concurrency"], "option '--concurrency' requires an argument")
        assertRefused(["-w", "-f", "t", "-j"], "option requires an argument -- 'j'")
    }

    func testConcurrencyInClientModeIsRefused() {
        assertRefused(["-f", "t", "--concurrency", "4"], "--concurrency applies to worker mode (-w)")
        let message = usageError(["-f", "t", "-j", "4"])?.message ?? ""
        XCTAssertTrue(message.contains("worker mode (-w)"), message)
    }

    func testUsageErrorKeepsWhatWasParsedBeforeTheBadValue() {
        let error = usageError(["-w", "-f", "t", "-j", "0"])
        XCTAssertEqual(error?.partial.worker, true)
        XCTAssertEqual(error?.partial.functions, ["t"])
    }

    // MARK: --shutdown-timeout

    func testShutdownTimeoutAcceptsZeroAndFractions() throws {
        XCTAssertEqual(try ClassicOptions.parse(["-w", "-f", "t", "--shutdown-timeout", "0"]).shutdownTimeoutSeconds, 0)
        XCTAssertEqual(try ClassicOptions.parse(["-w", "-f", "t", "--shutdown-timeout=2.5"]).shutdownTimeoutSeconds, 2.5)
        XCTAssertEqual(try ClassicOptions.parse(["-w", "-f", "t", "--shutdown-timeout", "600"]).shutdownTimeoutSeconds, 600)
    }

    func testShutdownTimeoutMustBeANumberOfSecondsNotBelowZero() {
        assertRefused(["-w", "-f", "t", "--shutdown-timeout", "-1"],
                      "invalid timeout '-1' for --shutdown-timeout (seconds, 0 or more)")
        for value in ["-0.5", "soon", "", "nan", "inf", "5s"] {
            let message = usageError(["-w", "-f", "t", "--shutdown-timeout", value])?.message ?? ""
            XCTAssertTrue(message.contains("'\(value)' for --shutdown-timeout"), "\(value): \(message)")
        }
    }

    func testShutdownTimeoutInClientModeIsRefused() {
        assertRefused(["-f", "t", "--shutdown-timeout", "5"], "--shutdown-timeout applies to worker mode (-w)")
    }

    // MARK: --exceptions

    func testExceptionsForAWorkerThatRunsACommand() throws {
        let options = try ClassicOptions.parse(["-w", "-f", "t", "--exceptions", "--", "convert", "-"])
        XCTAssertTrue(options.sendsExceptions)
        XCTAssertEqual(options.operands, ["convert", "-"])
        XCTAssertFalse(try ClassicOptions.parse(["-w", "-f", "t", "--", "convert"]).sendsExceptions)
    }

    func testExceptionsWithoutACommandIsRefused() {
        assertRefused(["-w", "-f", "t", "--exceptions"], "--exceptions applies to a worker that runs a command (-w ... -- COMMAND)")
    }

    func testExceptionsInClientModeIsRefused() {
        assertRefused(["-f", "t", "--exceptions", "data"], "--exceptions applies to worker mode (-w)")
    }

    func testExceptionsTakesNoValue() {
        assertRefused(["-w", "-f", "t", "--exceptions=yes", "--", "convert"], "option '--exceptions' doesn't allow an argument")
    }

    // MARK: --window

    func testWindowInClientMode() throws {
        XCTAssertEqual(try ClassicOptions.parse(["-f", "t", "-n", "--window", "1"]).window, 1)
        XCTAssertEqual(try ClassicOptions.parse(["-f", "t", "-N", "--window=100000"]).window, 100_000)
        XCTAssertEqual(try ClassicOptions.parse(["-f", "t", "-n", "--window", "250"]).window, 250)
    }

    func testWindowOutOfRangeIsRefused() {
        assertRefused(["-f", "t", "--window", "0"], "invalid window '0' for --window (1 to 100000 jobs)")
        assertRefused(["-f", "t", "--window", "100001"], "invalid window '100001' for --window (1 to 100000 jobs)")
        for value in ["-5", "many", "", "1e3"] {
            let message = usageError(["-f", "t", "--window", value])?.message ?? ""
            XCTAssertTrue(message.contains("'\(value)' for --window"), "\(value): \(message)")
        }
    }

    func testWindowInWorkerModeIsRefused() {
        assertRefused(["-w", "-f", "t", "--window", "5"], "--window applies to client mode (without -w)")
    }

    // MARK: --json

    func testJSONInClientMode() throws {
        XCTAssertTrue(try ClassicOptions.parse(["-f", "t", "--json", "data"]).json)
        XCTAssertFalse(try ClassicOptions.parse(["-f", "t", "data"]).json)
    }

    func testJSONInWorkerModeIsRefused() {
        assertRefused(["-w", "-f", "t", "--json"], "--json applies to client mode (without -w)")
    }

    func testJSONTakesNoValue() {
        assertRefused(["-f", "t", "--json=1"], "option '--json' doesn't allow an argument")
    }

    // MARK: Together

    func testWorkerOptionsTogether() throws {
        let options = try ClassicOptions.parse(
            ["-w", "-f", "resize", "-j", "4", "-c", "100", "--shutdown-timeout", "10", "--exceptions", "--", "convert", "in.png"])
        XCTAssertTrue(options.worker)
        XCTAssertEqual(options.concurrency, 4)
        XCTAssertEqual(options.count, 100)
        XCTAssertEqual(options.shutdownTimeoutSeconds, 10)
        XCTAssertTrue(options.sendsExceptions)
        XCTAssertEqual(options.operands, ["convert", "in.png"])
    }

    func testClientOptionsTogether() throws {
        let options = try ClassicOptions.parse(["-n", "-f", "reverse", "--window", "8", "--json", "-b"])
        XCTAssertFalse(options.worker)
        XCTAssertTrue(options.jobPerLine)
        XCTAssertEqual(options.window, 8)
        XCTAssertTrue(options.json)
        XCTAssertTrue(options.background)
    }

    func testLongOptionsAfterOperandsArePermuted() throws {
        let options = try ClassicOptions.parse(["-f", "reverse", "hello", "--json", "world"])
        XCTAssertTrue(options.json)
        XCTAssertEqual(options.operands, ["hello", "world"])
    }
}
