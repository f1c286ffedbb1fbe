import Glibc

/// The `-i` pid file: written at start, removed at exit and on SIGTERM, SIGINT or SIGHUP.
package enum PidFile {
    /// The path as a C string, for the signal handler (which may not allocate).
    nonisolated(unsafe) private static var path: UnsafeMutablePointer<CChar>?

    /// Writes this process's pid to `file`; returns the error text if it could not. With
    /// `removeOnSignal`, a terminating signal removes the file and ends the process.
    package static func create(_ file: String, removeOnSignal: Bool = true) -> String? {
        let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if fd < 0 { return StandardStreams.describe(errno: errno) }
        let written = StandardStreams.write("\(getpid())\n", to: fd)
        let code = errno
        close(fd)
        if !written { return StandardStreams.describe(errno: code) }
        path = strdup(file)
        for signal in [SIGTERM, SIGINT, SIGHUP] where removeOnSignal {
            Glibc.signal(signal, removeAndReraise)
        }
        return nil
    }

    /// Removes the pid file, if one was written.
    package static func remove() {
        if let path { unlink(path) }
    }
}

private func removeAndReraise(_ signal: Int32) {
    PidFile.remove()
    Glibc.signal(signal, SIG_DFL)
    raise(signal)
}
