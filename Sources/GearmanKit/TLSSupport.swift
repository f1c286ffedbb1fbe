import Glibc

/// Whether the linked libgearman can open TLS connections.
public enum TLSSupport {
    /// libgearman links OpenSSL or wolfSSL only when it was built with TLS, so a loaded
    /// TLS library in this process tells us it was.
    public static var isAvailable: Bool {
        guard let process = dlopen(nil, RTLD_NOW) else { return false }
        defer { dlclose(process) }
        return dlsym(process, "SSL_CTX_new") != nil || dlsym(process, "wolfSSL_CTX_new") != nil
    }
}
