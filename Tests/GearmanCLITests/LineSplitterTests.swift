import XCTest
@testable import GearmanCLI

final class LineSplitterTests: XCTestCase {
    private func feed(_ splitter: inout LineSplitter, _ text: String) -> [String] {
        Array(text.utf8).withUnsafeBytes { splitter.feed($0) }.map { String(decoding: $0, as: UTF8.self) }
    }

    func testLinesKeepTheirNewline() {
        var splitter = LineSplitter()
        XCTAssertEqual(feed(&splitter, "a\nbc\n"), ["a\n", "bc\n"])
        XCTAssertNil(splitter.finish())
    }

    func testLineSplitAcrossChunks() {
        var splitter = LineSplitter()
        XCTAssertEqual(feed(&splitter, "ab"), [])
        XCTAssertEqual(feed(&splitter, "c\nd"), ["abc\n"])
        XCTAssertEqual(splitter.finish().map { String(decoding: $0, as: UTF8.self) }, "d")
    }

    func testVeryLongLineIsOneLine() {
        var splitter = LineSplitter()
        let long = String(repeating: "x", count: 100_000)
        XCTAssertEqual(feed(&splitter, long + "\n"), [long + "\n"])
    }

    func testEmptyLines() {
        var splitter = LineSplitter()
        XCTAssertEqual(feed(&splitter, "\n\n"), ["\n", "\n"])
    }

    func testStripRemovesOnlyANewline() {
        XCTAssertEqual(Array(LineSplitter.stripNewline(Array("abc\n".utf8))), Array("abc".utf8))
        XCTAssertEqual(Array(LineSplitter.stripNewline(Array("def".utf8))), Array("def".utf8))
        XCTAssertEqual(Array(LineSplitter.stripNewline([])), [])
    }
}
