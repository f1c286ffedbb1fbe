/// Who may send the admin commands that change the server's state (`shutdown`, `cancel job`,
/// `drop function`, `create function`, `maxqueue`, `verbose` with a level): `--admin-allow`.
/// Read-only commands stay open to every connection, as in gearmand.
public enum AdminAccess: Equatable, Sendable {
    /// Every address may (`--admin-allow any`).
    case anyone
    /// Only these networks may; the default is loopback.
    case networks([AddressRange])

    public static let loopbackOnly = AdminAccess.networks(AddressRange.loopback)

    /// Parses `any` or a comma-separated list of CIDR networks; the error names the bad entry.
    public init(parsing text: String) throws(AdminAccessError) {
        if text.lowercased() == "any" {
            self = .anyone
            return
        }
        var ranges: [AddressRange] = []
        for entry in text.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = entry.trimmingCharacters(in: " ")
            guard let range = AddressRange(trimmed) else { throw AdminAccessError(entry: trimmed) }
            ranges.append(range)
        }
        self = .networks(ranges)
    }

    /// Whether a connection from `address` may change the server's state.
    public func allows(_ address: String) -> Bool {
        switch self {
        case .anyone: true
        case .networks(let ranges): ranges.contains { $0.contains(address) }
        }
    }
}

/// An `--admin-allow` entry that is no network.
public struct AdminAccessError: Error, Equatable {
    public let entry: String
}

private extension Substring {
    func trimmingCharacters(in characters: String) -> String {
        String(drop { characters.contains($0) }.reversed().drop { characters.contains($0) }.reversed())
    }
}
