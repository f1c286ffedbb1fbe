import GearmanTool
import NIOCore
import XCTest
@testable import GearmanBench

final class BenchServerTests: XCTestCase {
    func testLoopbackAddresses() throws {
        for address in ["127.0.0.1", "127.8.9.10", "127.255.255.254", "::1", "::ffff:127.0.0.1"] {
            XCTAssertTrue(BenchServer.isLoopback(try SocketAddress(ipAddress: address, port: 4730)), address)
        }
        for address in ["192.0.2.1", "10.0.0.1", "128.0.0.1", "0.0.0.0", "::", "::2", "2001:db8::1", "::ffff:10.0.0.1", "fe80::1"] {
            XCTAssertFalse(BenchServer.isLoopback(try SocketAddress(ipAddress: address, port: 4730)), address)
        }
    }

    func testARemoteHostNeedsAllowRemote() throws {
        XCTAssertThrowsError(try BenchServer.resolve(host: "192.0.2.1", port: 4730, allowRemote: false)) { error in
            let failure = error as? BenchFailure
            XCTAssertEqual(failure?.exitCode, .usage)
            XCTAssertEqual(failure?.message, "192.0.2.1 is not a loopback address; load another machine only with --allow-remote")
        }
        let remote = try BenchServer.resolve(host: "192.0.2.1", port: 4730, allowRemote: true)
        XCTAssertEqual(remote.name, "192.0.2.1:4730")
    }

    func testLoopbackHostsAndTheirNames() throws {
        XCTAssertEqual(try BenchServer.resolve(host: "127.0.0.1", port: 4731, allowRemote: false).name, "127.0.0.1:4731")
        XCTAssertEqual(try BenchServer.resolve(host: "::1", port: 4731, allowRemote: false).name, "[::1]:4731")
        XCTAssertTrue(BenchServer.isLoopback(try BenchServer.resolve(host: "localhost", port: 1, allowRemote: false).address))
    }

    func testAnUnresolvableHostIsUnreachable() {
        XCTAssertThrowsError(try BenchServer.resolve(host: "no-such-host.invalid", port: 4730, allowRemote: true)) { error in
            XCTAssertEqual(error as? BenchFailure, .unreachable("cannot resolve no-such-host.invalid"))
        }
    }
}
