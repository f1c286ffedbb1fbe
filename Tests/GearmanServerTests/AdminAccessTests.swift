import XCTest
@testable import GearmanServer

/// `--admin-allow`: CIDR networks (IPv4, IPv6, a bare address for one host), IPv4 clients that
/// arrive as IPv4-mapped IPv6 addresses, and the loopback default.
final class AdminAccessTests: XCTestCase {
    func testIPv4NetworksParseAndMatchTheirPrefix() throws {
        let range = try XCTUnwrap(AddressRange("10.0.0.0/8"))
        XCTAssertEqual(range.prefixLength, 8)
        XCTAssertEqual(range.network, [10, 0, 0, 0])
        XCTAssertTrue(range.contains("10.255.1.2"))
        XCTAssertFalse(range.contains("11.0.0.1"))
        let odd = try XCTUnwrap(AddressRange("192.168.4.0/22"))
        XCTAssertTrue(odd.contains("192.168.7.255"))
        XCTAssertFalse(odd.contains("192.168.8.0"))
        XCTAssertFalse(odd.contains("192.168.3.255"))
        XCTAssertTrue(try XCTUnwrap(AddressRange("0.0.0.0/0")).contains("203.0.113.9"))
        XCTAssertEqual(range.description, "10.0.0.0/8")
    }

    func testIPv6NetworksParseAndMatchTheirPrefix() throws {
        let range = try XCTUnwrap(AddressRange("2001:db8::/32"))
        XCTAssertEqual(range.prefixLength, 32)
        XCTAssertEqual(range.network.count, 16)
        XCTAssertTrue(range.contains("2001:db8:ffff::1"))
        XCTAssertFalse(range.contains("2001:db9::1"))
        XCTAssertFalse(range.contains("10.0.0.1"), "an IPv4 address is not in an IPv6 network")
        XCTAssertEqual(range.description, "2001:db8::/32")
    }

    func testABareAddressIsOneHost() throws {
        let v4 = try XCTUnwrap(AddressRange("192.0.2.7"))
        XCTAssertEqual(v4.prefixLength, 32)
        XCTAssertTrue(v4.contains("192.0.2.7"))
        XCTAssertFalse(v4.contains("192.0.2.8"))
        let v6 = try XCTUnwrap(AddressRange("::1"))
        XCTAssertEqual(v6.prefixLength, 128)
        XCTAssertTrue(v6.contains("::1"))
        XCTAssertFalse(v6.contains("::2"))
    }

    func testBadPrefixesAndGarbageAreRejected() {
        for text in ["10.0.0.0/33", "::1/129", "10.0.0.0/-1", "10.0.0.0/", "10.0.0.0/8/8", "10.0.0.0/x", "10.0.0.0/٣",
                     "", "garbage", "10.0.0", "10.0.0.256", "/8", "::g", "localhost", " 10.0.0.1"] {
            XCTAssertNil(AddressRange(text), "'\(text)'")
        }
    }

    func testAnIPv4MappedIPv6ClientMatchesItsIPv4Network() throws {
        let loopback = try XCTUnwrap(AddressRange("127.0.0.0/8"))
        XCTAssertTrue(loopback.contains("::ffff:127.0.0.1"))
        XCTAssertTrue(loopback.contains("::ffff:127.200.0.1"))
        XCTAssertFalse(loopback.contains("::ffff:10.0.0.1"))
        XCTAssertFalse(loopback.contains("::127.0.0.1"), "only the ::ffff: form is an IPv4 client")
    }

    func testAnAddressThatIsNoAddressIsNeverContained() throws {
        let everything = try XCTUnwrap(AddressRange("0.0.0.0/0"))
        XCTAssertFalse(everything.contains("-"))
        XCTAssertFalse(everything.contains(""))
        XCTAssertFalse(everything.contains("unix socket"))
    }

    func testAnyAllowsEveryAddress() throws {
        XCTAssertEqual(try AdminAccess(parsing: "any"), .anyone)
        XCTAssertEqual(try AdminAccess(parsing: "ANY"), .anyone)
        XCTAssertTrue(AdminAccess.anyone.allows("192.0.2.1"))
        XCTAssertTrue(AdminAccess.anyone.allows("-"))
    }

    func testAListOfNetworksWithSpacesParses() throws {
        let access = try AdminAccess(parsing: " 10.0.0.0/8 , 2001:db8::/32,192.0.2.7 ")
        XCTAssertEqual(access, .networks([AddressRange("10.0.0.0/8")!, AddressRange("2001:db8::/32")!, AddressRange("192.0.2.7")!]))
        XCTAssertTrue(access.allows("10.9.8.7"))
        XCTAssertTrue(access.allows("2001:db8::5"))
        XCTAssertTrue(access.allows("::ffff:192.0.2.7"))
        XCTAssertFalse(access.allows("192.0.2.8"))
        XCTAssertFalse(access.allows("127.0.0.1"), "a list replaces the loopback default")
    }

    func testAnInvalidEntryThrowsNamingIt() {
        XCTAssertThrowsError(try AdminAccess(parsing: "127.0.0.1, 10.0.0.0/33 ,::1")) { error in
            XCTAssertEqual(error as? AdminAccessError, AdminAccessError(entry: "10.0.0.0/33"))
        }
        XCTAssertThrowsError(try AdminAccess(parsing: "127.0.0.1,,::1")) { error in
            XCTAssertEqual(error as? AdminAccessError, AdminAccessError(entry: ""))
        }
        XCTAssertThrowsError(try AdminAccess(parsing: "everyone")) { error in
            XCTAssertEqual(error as? AdminAccessError, AdminAccessError(entry: "everyone"))
        }
    }

    func testLoopbackOnlyAllowsLoopbackAddressesAlone() {
        for address in ["127.0.0.1", "::1", "::ffff:127.0.0.5", "127.255.255.254"] {
            XCTAssertTrue(AdminAccess.loopbackOnly.allows(address), address)
        }
        for address in ["10.1.2.3", "192.0.2.1", "::2", "::ffff:10.1.2.3", "fe80::1", "-", ""] {
            XCTAssertFalse(AdminAccess.loopbackOnly.allows(address), address)
        }
    }
}
