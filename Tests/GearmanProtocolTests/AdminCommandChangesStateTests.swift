import GearmanProtocol
import XCTest

/// Which admin commands change the server's state (and so need `--admin-allow`) and which
/// only read it, as parsed from the lines gearadmin sends.
final class AdminCommandChangesStateTests: XCTestCase {
    func testCommandsThatChangeStateSaySo() {
        for line in ["shutdown", "shutdown graceful", "SHUTDOWN", "maxqueue f 3", "maxqueue f", "cancel job H:x:1",
                     "create function f", "drop function f", "verbose", "verbose 3"] {
            XCTAssertTrue(AdminCommand(line: line).changesState, "'\(line)' is \(AdminCommand(line: line))")
        }
    }

    func testCommandsThatOnlyReadSaySo() {
        for line in ["status", "workers", "version", "getpid", "show jobs", "show unique jobs", "show dead jobs", "show dead counts", "prioritystatus",
                     "PRIORITYSTATUS", "frobnicate", "", "show", "show everything", "cancel thing H:x:1", "maxqueue",
                     "create function", "drop"] {
            XCTAssertFalse(AdminCommand(line: line).changesState, "'\(line)' is \(AdminCommand(line: line))")
        }
    }
}
