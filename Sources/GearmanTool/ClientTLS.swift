import Glibc
import NIOSSL

/// `--ssl` and its files for the tools that speak the protocol themselves (`gearman admin`,
/// `status`, `top`, `bench`): the server is checked against `caFile` (else the system's
/// authorities) and the host name given; a certificate and key are shown for mutual TLS.
public struct ClientTLS: Equatable, Sendable {
    public var caFile: String?
    public var certificateFile: String?
    public var keyFile: String?

    public init(caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }

    /// The TLS context connections start from (hostname checks are on, against the name given).
    public func makeContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caFile { configuration.trustRoots = .file(caFile) }
        if let certificateFile, let keyFile {
            configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { .certificate($0) }
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
        }
        return try NIOSSLContext(configuration: configuration)
    }

    /// The name to send for SNI and check the certificate against; nil for an IP address,
    /// which the certificate check then matches instead.
    public static func serverName(_ host: String) -> String? {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1 ? nil : host
    }

    /// The options, shared by every tool that takes `-h`/`-p`.
    package static let specs: [LongOptions.Spec] = [
        .init("ssl", short: "S", help: "Connect with TLS (to `gearman server --ssl`)."),
        .init("ssl-ca-file", value: "FILE", help: "With --ssl: trust servers signed by this CA (PEM; default: the system's)."),
        .init("ssl-certificate", value: "FILE", help: "With --ssl: the client certificate for mutual TLS (PEM)."),
        .init("ssl-key", value: "FILE", help: "With --ssl: the client certificate's key (PEM)."),
    ]

    /// The TLS settings `parsed` asks for; nil without `--ssl`.
    package static func parse(_ parsed: LongOptions) throws(LongOptions.Failure) -> ClientTLS? {
        let tls = ClientTLS(caFile: parsed.last("ssl-ca-file"), certificateFile: parsed.last("ssl-certificate"),
                            keyFile: parsed.last("ssl-key"))
        guard parsed.has("ssl") else {
            if tls != ClientTLS() { throw LongOptions.Failure(message: "--ssl-ca-file, --ssl-certificate and --ssl-key go with --ssl") }
            return nil
        }
        if (tls.certificateFile == nil) != (tls.keyFile == nil) {
            throw LongOptions.Failure(message: "--ssl-certificate and --ssl-key go together")
        }
        return tls
    }
}
