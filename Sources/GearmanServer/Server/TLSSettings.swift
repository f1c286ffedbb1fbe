import NIOSSL

/// `--ssl`: TLS on the Gearman port and the HTTP listener, with gearmand's option names for
/// the files. With `verifyClients` (mutual TLS), a client must show a certificate signed by
/// the CA file's authority; gearmand loads that file but never checks clients.
public struct TLSSettings: Sendable, Equatable {
    /// The server's certificate chain, PEM (`--ssl-certificate`).
    public var certificateFile: String
    /// Its private key, PEM (`--ssl-key`).
    public var keyFile: String
    /// The authority client certificates must be signed by, PEM (`--ssl-ca-file`).
    public var caFile: String?
    /// Refuse clients without a valid certificate (`--ssl-verify-client`).
    public var verifyClients: Bool

    public init(certificateFile: String, keyFile: String, caFile: String? = nil, verifyClients: Bool = false) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.caFile = caFile
        self.verifyClients = verifyClients
    }

    /// The context every TLS connection starts from; the error names the file that failed.
    func makeContext() throws(TLSSettingsError) -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do { chain = try NIOSSLCertificate.fromPEMFile(certificateFile) } catch {
            throw TLSSettingsError(message: "cannot load the TLS certificate \(certificateFile): \(error)")
        }
        do { key = try NIOSSLPrivateKey(file: keyFile, format: .pem) } catch {
            throw TLSSettingsError(message: "cannot load the TLS key \(keyFile): \(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) },
                                                                     privateKey: .privateKey(key))
        if verifyClients {
            guard let caFile else { throw TLSSettingsError(message: "--ssl-verify-client needs --ssl-ca-file") }
            do { _ = try NIOSSLCertificate.fromPEMFile(caFile) } catch {
                throw TLSSettingsError(message: "cannot load the TLS CA file \(caFile): \(error)")
            }
            configuration.trustRoots = .file(caFile)
            configuration.certificateVerification = .noHostnameVerification
        }
        do { return try NIOSSLContext(configuration: configuration) } catch {
            throw TLSSettingsError(message: "cannot set up TLS with \(certificateFile) and \(keyFile): \(error)")
        }
    }
}

/// A TLS file that could not be used; the message names it.
public struct TLSSettingsError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
