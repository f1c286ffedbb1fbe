import XCTest
@testable import GearmanCLI

final class ProgressReaderTests: XCTestCase {
    /// Feeds `text` and returns the reports as "N/D" strings (tuples are not Equatable).
    private func feed(_ reader: inout ProgressReader, _ text: String) -> [String] {
        Array(text.utf8).withUnsafeBytes { reader.feed($0) }.map { "\($0.numerator)/\($0.denominator)" }
    }

    private func parse(_ line: String) -> String? {
        ProgressReader.parse(Array(line.utf8)).map { "\($0.numerator)/\($0.denominator)" }
    }

    func testOneProgressLine() {
        var reader = ProgressReader()
        XCTAssertEqual(feed(&reader, "3/10\n"), ["3/10"])
    }

    func testSeveralLinesInOneChunk() {
        var reader = ProgressReader()
        XCTAssertEqual(feed(&reader, "1/4\n2/4\n0/0\n"), ["1/4", "2/4", "0/0"])
    }

    func testLineSplitAcrossChunks() {
        var reader = ProgressReader()
        XCTAssertEqual(feed(&reader, "1"), [])
        XCTAssertEqual(feed(&reader, "2/1"), [])
        XCTAssertEqual(feed(&reader, "00\n5/"), ["12/100"])
        XCTAssertEqual(feed(&reader, "6\n"), ["5/6"])
    }

    func testUnterminatedLineWaitsForItsNewline() {
        var reader = ProgressReader()
        XCTAssertEqual(feed(&reader, "7/9"), [], "the command may still be writing the denominator")
        XCTAssertEqual(feed(&reader, "\n"), ["7/9"])
    }

    func testCarriageReturnLineFeed() {
        var reader = ProgressReader()
        XCTAssertEqual(feed(&reader, "7/8\r\n1/2\r"), ["7/8"])
        XCTAssertEqual(feed(&reader, "\n"), ["1/2"], "CR and LF arriving in different chunks")
    }

    func testSpacesAroundTheNumbers() {
        var reader = ProgressReader()
        XCTAssertEqual(feed(&reader, "  3 / 4 \t\n\t5/6\n"), ["3/4", "5/6"])
    }

    func testJunkLinesAreSkipped() {
        var reader = ProgressReader()
        let junk = "hello\n1/2/3\n/5\n5/\n/\n-1/5\n1.5/2\n3 4\n0x1/2\n1 2/3\n\n"
        XCTAssertEqual(feed(&reader, junk + "9/10\n"), ["9/10"])
    }

    func testNumbersOutsideUInt32AreSkipped() {
        var reader = ProgressReader()
        XCTAssertEqual(feed(&reader, "4294967296/1\n1/4294967296\n99999999999999999999/1\n4294967295/4294967295\n"),
                       ["4294967295/4294967295"])
    }

    func testParseTakesOneLineWithOrWithoutNewline() {
        XCTAssertEqual(parse("42/100"), "42/100")
        XCTAssertEqual(parse("42/100\n"), "42/100")
        XCTAssertEqual(parse(" 0 / 1 \r\n"), "0/1")
        XCTAssertNil(parse(""))
        XCTAssertNil(parse("\n"))
        XCTAssertNil(parse("half/done"))
        XCTAssertNil(parse("10"))
    }

    func testInvalidUTF8LineIsSkipped() {
        XCTAssertNil(ProgressReader.parse([0xff, UInt8(ascii: "/"), UInt8(ascii: "2"), UInt8(ascii: "\n")]))
    }

    // MARK: trimmingWhitespace

    func testTrimmingRemovesSpacesTabsAndLineEndsAtBothEnds() {
        XCTAssertEqual(" \t\r\nhello \t\r\n".trimmingWhitespace, "hello")
        XCTAssertEqual("hello\r\n".trimmingWhitespace, "hello", "CRLF is one Character in Swift")
        XCTAssertEqual("\r\n\r\nhello".trimmingWhitespace, "hello")
    }

    func testTrimmingKeepsInnerWhitespace() {
        XCTAssertEqual("  a b\tc  ".trimmingWhitespace, "a b\tc")
    }

    func testTrimmingOnlyWhitespaceGivesEmpty() {
        XCTAssertEqual("".trimmingWhitespace, "")
        XCTAssertEqual(" \t \r\n ".trimmingWhitespace, "")
    }

    func testTrimmingLeavesOtherCharactersAlone() {
        XCTAssertEqual("x".trimmingWhitespace, "x")
        XCTAssertEqual("\u{00A0}x\u{00A0}".trimmingWhitespace, "\u{00A0}x\u{00A0}", "only ASCII blanks are trimmed")
        XCTAssertEqual("\u{0B}x".trimmingWhitespace, "\u{0B}x", "a vertical tab is not trimmed")
    }

    func testTrimmingASubstring() {
        let line = "[  job 7  ]"
        let inner = line.dropFirst().dropLast()
        XCTAssertEqual(inner.trimmingWhitespace, "job 7")
    }
}
