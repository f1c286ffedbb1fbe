import XCTest
@testable import GearmanCLI

final class SubcommandTests: XCTestCase {
    func testSubcommandWords() {
        for word in ["server", "bench", "admin", "top", "status"] {
            XCTAssertNotNil(GearmanCommand.subcommand(named: word), word)
        }
        XCTAssertNil(GearmanCommand.subcommand(named: "-w"))
        XCTAssertNil(GearmanCommand.subcommand(named: "benchmark"))
    }

    func testASiblingIsFoundOnPathAndAMissingOneIsNot() {
        XCTAssertEqual(SiblingExecutable(name: "sh", subcommand: "sh").locate()?.hasSuffix("/sh"), true)
        XCTAssertNil(SiblingExecutable(name: "gearman-no-such-sibling", subcommand: "none").locate())
    }
}
