/// One job server, as `host` and TCP `port` (gearmand's default port is 4730).
public struct ServerAddress: Equatable, Sendable, CustomStringConvertible {
    /// The default Gearman port.
    public static let defaultPort: UInt16 = 4730
    /// The default job server, `localhost:4730`.
    public static let localhost = ServerAddress(host: "localhost", port: defaultPort)

    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16 = ServerAddress.defaultPort) {
        self.host = host
        self.port = port
    }

    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// Parses the comma-separated server lists of `GEARMAN_SERVER`, `GEARMAN_SERVERS` and `-h`.
public enum ServerList {
    /// Why a server list could not be read.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let entry: String
        public let reason: String
        public init(entry: String, reason: String) {
            self.entry = entry
            self.reason = reason
        }
        public var description: String { "'\(entry)': \(reason)" }
    }

    /// Parses `host[:port],host[:port],...`; IPv6 hosts go in brackets (`[::1]:4730`).
    /// Entries without a port get `defaultPort`; empty entries are skipped.
    public static func parse(_ text: String, defaultPort: UInt16 = ServerAddress.defaultPort) throws(ParseError) -> [ServerAddress] {
        var servers: [ServerAddress] = []
        for rawEntry in text.split(separator: ",", omittingEmptySubsequences: true) {
            let entry = rawEntry.trimmingSpaces()
            if entry.isEmpty { continue }
            servers.append(try parseEntry(entry, defaultPort: defaultPort))
        }
        if servers.isEmpty {
            throw ParseError(entry: text, reason: "no server named")
        }
        return servers
    }

    private static func parseEntry(_ entry: Substring, defaultPort: UInt16) throws(ParseError) -> ServerAddress {
        var host: Substring
        var portText: Substring?
        if entry.hasPrefix("[") {
            guard let close = entry.firstIndex(of: "]") else {
                throw ParseError(entry: String(entry), reason: "missing ']' after IPv6 address")
            }
            host = entry[entry.index(after: entry.startIndex)..<close]
            let rest = entry[entry.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else {
                    throw ParseError(entry: String(entry), reason: "expected ':port' after ']'")
                }
                portText = rest.dropFirst()
            }
        } else if entry.filter({ $0 == ":" }).count > 1 {
            host = entry  // a bare IPv6 address without a port
        } else if let colon = entry.firstIndex(of: ":") {
            host = entry[..<colon]
            portText = entry[entry.index(after: colon)...]
        } else {
            host = entry
        }
        if host.isEmpty {
            throw ParseError(entry: String(entry), reason: "empty host name")
        }
        var port = defaultPort
        if let portText {
            guard let parsed = PortNumber.parse(portText) else {
                throw ParseError(entry: String(entry), reason: "invalid port '\(portText)'")
            }
            port = parsed
        }
        return ServerAddress(host: String(host), port: port)
    }
}

/// TCP port numbers as the CLI accepts them: decimal, 1 to 65535.
public enum PortNumber {
    public static func parse<S: StringProtocol>(_ text: S) -> UInt16? {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }),
              let value = UInt32(text), value >= 1, value <= 65535 else { return nil }
        return UInt16(value)
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var result = self
        while let first = result.first, first == " " || first == "\t" { result = result.dropFirst() }
        while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
        return result
    }
}
