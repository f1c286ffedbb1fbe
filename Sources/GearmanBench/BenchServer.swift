import GearmanTool
import NIOCore
import NIOSSL

/// The job server under load: its address, resolved once, so that the address checked is the
/// one connected to.
struct BenchServer: Sendable {
    let address: SocketAddress
    /// `host:port` as given (`[::1]:4730` for an IPv6 address), for the report and messages.
    let name: String
    /// With `--ssl`: the context each connection's TLS starts from, and the name to check.
    var tls: (context: NIOSSLContext, serverName: String?)?

    /// A handler for a new connection's pipeline, first: TLS, if asked for.
    func tlsHandler() throws -> NIOSSLClientHandler? {
        guard let tls else { return nil }
        return try NIOSSLClientHandler(context: tls.context, serverHostname: tls.serverName)
    }

    /// Resolves `host`; unless `allowRemote`, refuses an address outside 127.0.0.0/8 and ::1,
    /// so that a load test never reaches another machine by mistake.
    static func resolve(host: String, port: Int, allowRemote: Bool) throws(BenchFailure) -> BenchServer {
        let address: SocketAddress
        do {
            address = try SocketAddress.makeAddressResolvingHost(host, port: port)
        } catch {
            throw .unreachable("cannot resolve \(host)")
        }
        guard allowRemote || isLoopback(address) else {
            let resolved = address.ipAddress.map { $0 == host ? "" : " (\($0))" } ?? ""
            throw BenchFailure(message: "\(host)\(resolved) is not a loopback address;"
                               + " load another machine only with --allow-remote", exitCode: .usage)
        }
        return BenchServer(address: address, name: host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)")
    }

    /// Whether `address` is in 127.0.0.0/8, is ::1, or is an IPv4-mapped 127.x address.
    static func isLoopback(_ address: SocketAddress) -> Bool {
        switch address {
        case .v4(let v4):
            return UInt32(bigEndian: v4.address.sin_addr.s_addr) >> 24 == 127
        case .v6(let v6):
            let bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
            let mappedPrefix = [UInt8](repeating: 0, count: 10) + [0xff, 0xff]
            return bytes == [UInt8](repeating: 0, count: 15) + [1] || (Array(bytes[0..<12]) == mappedPrefix && bytes[12] == 127)
        case .unixDomainSocket:
            return false
        }
    }
}
