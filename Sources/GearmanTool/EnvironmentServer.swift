/// GEARMAN_SERVER, read by the tools that take one job server.
package enum EnvironmentServer {
    /// The one job server GEARMAN_SERVER names, for `gearman bench`, which loads one server;
    /// nil when the variable is unset or empty.
    package static func single(_ environment: (String) -> String?) throws(LongOptions.Failure) -> (host: String, port: Int)? {
        guard let list = environment("GEARMAN_SERVER"), !list.isEmpty else { return nil }
        let servers: [ServerAddress]
        do { servers = try ServerList.parse(list) } catch {
            throw LongOptions.Failure(message: "invalid job server \(error) in GEARMAN_SERVER")
        }
        guard servers.count == 1, let server = servers.first else {
            throw LongOptions.Failure(message: "GEARMAN_SERVER names \(servers.count) job servers; give the one to load with -h")
        }
        return (server.host, Int(server.port))
    }
}
