import GearmanServer

/// A libpq connection string, as gearmand's `--libpq-conninfo` takes it: `key=value` pairs
/// (`host=db1 port=5432 dbname=gearman user=gearman password='a b'`) or a URI
/// (`postgresql://gearman:secret@db1:5432/gearman?sslmode=disable`). What is not given comes
/// from libpq's environment variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE,
/// PGSSLMODE), then libpq's defaults.
struct ConnectionInfo: Equatable {
    /// A host name or address, or a directory holding the server's Unix socket.
    var host = "/var/run/postgresql"
    var port = 5432
    var user: String
    var password: String?
    var database: String
    var sslMode = "prefer"
    var connectTimeout: Int?

    /// The keys understood; others are refused, as libpq does.
    static let keys = ["host", "hostaddr", "port", "user", "password", "dbname", "sslmode", "connect_timeout", "application_name"]
    static let sslModes = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]

    /// The socket path when `host` is a directory.
    var unixSocketPath: String? { host.hasPrefix("/") ? "\(host)/.s.PGSQL.\(port)" : nil }

    /// Where the server is, for messages (no password).
    var summary: String { "\(unixSocketPath ?? "\(host):\(port)") database \(database) user \(user)" }

    init(parsing text: String, environment: (String) -> String? = { _ in nil }, osUser: String = "root") throws(QueueStoreError) {
        var values: [String: String] = [:]
        let trimmed = text.drop { $0 == " " }
        if trimmed.hasPrefix("postgresql://") || trimmed.hasPrefix("postgres://") {
            values = try Self.uriValues(String(trimmed))
        } else {
            values = try Self.keywordValues(text)
        }
        if let unknown = values.keys.sorted().first(where: { !Self.keys.contains($0) }) {
            throw QueueStoreError(message: "--libpq-conninfo: unknown key '\(unknown)' (use \(Self.keys.joined(separator: ", ")))")
        }
        func value(_ key: String, _ variable: String) -> String? {
            if let given = values[key], !given.isEmpty { return given }
            if let set = environment(variable), !set.isEmpty { return set }
            return nil
        }
        host = value("hostaddr", "PGHOSTADDR") ?? value("host", "PGHOST") ?? host
        if let text = value("port", "PGPORT") {
            guard let number = Int(text), (1...65535).contains(number) else {
                throw QueueStoreError(message: "--libpq-conninfo: invalid port '\(text)'")
            }
            port = number
        }
        user = value("user", "PGUSER") ?? osUser
        password = value("password", "PGPASSWORD")
        database = value("dbname", "PGDATABASE") ?? user
        sslMode = value("sslmode", "PGSSLMODE") ?? (host.hasPrefix("/") ? "disable" : sslMode)
        guard Self.sslModes.contains(sslMode) else {
            throw QueueStoreError(message: "--libpq-conninfo: invalid sslmode '\(sslMode)' (use \(Self.sslModes.joined(separator: ", ")))")
        }
        if let text = value("connect_timeout", "PGCONNECT_TIMEOUT") {
            guard let seconds = Int(text), seconds >= 0 else {
                throw QueueStoreError(message: "--libpq-conninfo: invalid connect_timeout '\(text)'")
            }
            connectTimeout = seconds
        }
    }

    /// `key=value` pairs separated by blanks; a value may be single-quoted, with `\'` and `\\`.
    private static func keywordValues(_ text: String) throws(QueueStoreError) -> [String: String] {
        var values: [String: String] = [:]
        var characters = Substring(text)
        func skipBlanks() { characters = characters.drop { $0 == " " || $0 == "\t" || $0 == "\n" } }
        skipBlanks()
        while !characters.isEmpty {
            let key = String(characters.prefix { $0 != "=" && $0 != " " })
            characters = characters.dropFirst(key.count)
            skipBlanks()
            guard characters.first == "=", !key.isEmpty else {
                throw QueueStoreError(message: "--libpq-conninfo: missing '=' after '\(key)'")
            }
            characters = characters.dropFirst()
            skipBlanks()
            var value = ""
            if characters.first == "'" {
                characters = characters.dropFirst()
                var closed = false
                while let next = characters.first {
                    characters = characters.dropFirst()
                    if next == "\\", let escaped = characters.first {
                        value.append(escaped)
                        characters = characters.dropFirst()
                    } else if next == "'" {
                        closed = true
                        break
                    } else {
                        value.append(next)
                    }
                }
                guard closed else { throw QueueStoreError(message: "--libpq-conninfo: unterminated quoted value of '\(key)'") }
            } else {
                while let next = characters.first, next != " " && next != "\t" && next != "\n" {
                    characters = characters.dropFirst()
                    if next == "\\", let escaped = characters.first {
                        value.append(escaped)
                        characters = characters.dropFirst()
                    } else {
                        value.append(next)
                    }
                }
            }
            values[key] = value
            skipBlanks()
        }
        return values
    }

    /// `postgresql://[user[:password]@][host][:port][/dbname][?key=value&...]`, percent-encoded.
    private static func uriValues(_ text: String) throws(QueueStoreError) -> [String: String] {
        var rest = Substring(text[text.range(of: "://")!.upperBound...])
        var values: [String: String] = [:]
        if let question = rest.firstIndex(of: "?") {
            for pair in rest[rest.index(after: question)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                values[try decoded(parts[0])] = parts.count > 1 ? try decoded(parts[1]) : ""
            }
            rest = rest[..<question]
        }
        if let slash = rest.firstIndex(of: "/") {
            values["dbname"] = try decoded(rest[rest.index(after: slash)...])
            rest = rest[..<slash]
        }
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            if let colon = credentials.firstIndex(of: ":") {
                values["user"] = try decoded(credentials[..<colon])
                values["password"] = try decoded(credentials[credentials.index(after: colon)...])
            } else {
                values["user"] = try decoded(credentials)
            }
            rest = rest[rest.index(after: at)...]
        }
        if rest.hasPrefix("[") , let close = rest.firstIndex(of: "]") {  // [IPv6]:port
            values["host"] = String(rest[rest.index(after: rest.startIndex)..<close])
            rest = rest[rest.index(after: close)...]
            if rest.hasPrefix(":") { values["port"] = String(rest.dropFirst()) }
        } else if let colon = rest.lastIndex(of: ":") {
            values["host"] = try decoded(rest[..<colon])
            values["port"] = String(rest[rest.index(after: colon)...])
        } else if !rest.isEmpty {
            values["host"] = try decoded(rest)
        }
        return values.filter { !$0.value.isEmpty || $0.key == "password" }
    }

    private static func decoded(_ text: Substring) throws(QueueStoreError) -> String {
        var bytes: [UInt8] = []
        var index = text.utf8.startIndex
        while index < text.utf8.endIndex {
            let byte = text.utf8[index]
            if byte == UInt8(ascii: "%") {
                let digits = text.utf8[text.utf8.index(after: index)...].prefix(2)
                guard digits.count == 2, let value = UInt8(String(decoding: digits, as: UTF8.self), radix: 16) else {
                    throw QueueStoreError(message: "--libpq-conninfo: invalid percent-encoding in '\(text)'")
                }
                bytes.append(value)
                index = text.utf8.index(index, offsetBy: 3)
            } else {
                bytes.append(byte)
                index = text.utf8.index(after: index)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
