import XCTest
import Glibc
@testable import GearmanCLI

final class CommandLookupTests: XCTestCase {
    /// A fresh directory for each test, removed afterwards.
    private var directory = ""
    private var created: [String] = []

    override func setUpWithError() throws {
        var template = Array("/tmp/gearman-command-lookup-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        let path = try XCTUnwrap(made.map { String(cString: $0) }, "mkdtemp failed")
        directory = path
        created = []
    }

    override func tearDown() {
        for path in created.reversed() {
            if unlink(path) != 0 { rmdir(path) }
        }
        rmdir(directory)
    }

    /// Creates a file in the test directory with permission bits `mode` (chmod, so the umask does not matter).
    private func makeFile(_ name: String, mode: mode_t) -> String {
        let path = directory + "/" + name
        let descriptor = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0o600)
        XCTAssertGreaterThanOrEqual(descriptor, 0, "open \(path)")
        if descriptor >= 0 { close(descriptor) }
        created.append(path)
        XCTAssertEqual(chmod(path, mode), 0, "chmod \(path)")
        return path
    }

    private func makeDirectory(_ name: String) -> String {
        let path = directory + "/" + name
        XCTAssertEqual(mkdir(path, 0o755), 0, "mkdir \(path)")
        created.append(path)
        return path
    }

    func testShellIsFoundOnPath() {
        XCTAssertNil(CommandLookup.problem(running: "sh", path: "/usr/bin:/bin"))
    }

    func testDefaultSearchPathWithoutPATH() {
        XCTAssertNil(CommandLookup.problem(running: "sh", path: nil))
    }

    func testNameNotOnPath() {
        XCTAssertEqual(CommandLookup.problem(running: "gearman-no-such-command-xyz", path: "/usr/bin:/bin"), "not found on PATH")
    }

    func testEmptyPathFindsNothingOutsideTheCurrentDirectory() {
        XCTAssertEqual(CommandLookup.problem(running: "gearman-no-such-command-xyz", path: ""), "not found on PATH")
    }

    func testEmptyCommandName() {
        XCTAssertEqual(CommandLookup.problem(running: "", path: "/usr/bin:/bin"), "the command name is empty")
    }

    func testPathToADirectory() {
        XCTAssertEqual(CommandLookup.problem(running: directory, path: "/usr/bin:/bin"), "is a directory")
    }

    func testNonexistentAbsolutePath() {
        XCTAssertEqual(CommandLookup.problem(running: directory + "/missing", path: "/usr/bin:/bin"), "No such file or directory")
    }

    func testPathThroughAFileIsNotADirectory() {
        let file = makeFile("plain", mode: 0o755)
        XCTAssertEqual(CommandLookup.problem(running: file + "/sub", path: "/usr/bin:/bin"), "Not a directory")
    }

    func testExecutableFileByPath() {
        let script = makeFile("job.sh", mode: 0o755)
        XCTAssertNil(CommandLookup.problem(running: script, path: "/nonexistent"), "a name with a slash ignores PATH")
    }

    func testFileWithoutExecuteBitIsPermissionDenied() {
        let script = makeFile("job.sh", mode: 0o644)
        XCTAssertEqual(CommandLookup.problem(running: script, path: "/usr/bin:/bin"), "Permission denied")
    }

    func testExecutableFileFoundInAPathDirectory() {
        _ = makeFile("gearman-job", mode: 0o700)
        XCTAssertNil(CommandLookup.problem(running: "gearman-job", path: "/nonexistent:" + directory))
    }

    func testNonExecutableOnPathReportsWhyRatherThanNotFound() {
        _ = makeFile("gearman-job", mode: 0o644)
        XCTAssertEqual(CommandLookup.problem(running: "gearman-job", path: "/nonexistent:" + directory + ":/usr/bin"),
                       "Permission denied")
    }

    func testDirectoryOnPathReportsIsADirectory() {
        _ = makeDirectory("gearman-job")
        XCTAssertEqual(CommandLookup.problem(running: "gearman-job", path: directory + ":/bin"), "is a directory")
    }

    func testLaterPathDirectoryWinsOverAnEarlierUnusableOne() {
        _ = makeFile("sh", mode: 0o644)
        XCTAssertNil(CommandLookup.problem(running: "sh", path: directory + ":/usr/bin:/bin"),
                     "like posix_spawnp, the search goes on past a file it cannot run")
    }
}
