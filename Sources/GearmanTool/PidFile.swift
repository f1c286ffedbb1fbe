import Glibc

/// The `-i` pid file: written at start, removed at exit and on SIGTERM, SIGINT or SIGHUP.
package enum PidFile {
    /// The path as a C string, for the signal handler (which may not allocate).
    nonisolated(unsafe) private static var path: UnsafeMutablePointer<CChar>?

    /// Writes this process's pid to `file`; returns the error text if it could not. With
    /// `removeOnSignal`, a terminating signal removes the file and ends the process. With
    /// `removeOnCrash`, a crash (SIGSEGV, SIGILL, SIGABRT, ...) removes it, then goes on as it
    /// would have (the Swift runtime's backtrace, a core dump).
    package static func create(_ file: String, removeOnSignal: Bool = true, removeOnCrash: Bool = false) -> String? {
        // Written beside the file and renamed over it, so that a reader never finds it empty;
        // in place where the directory does not let us (a pid file made ahead for us).
        let beside = "\(file).\(getpid()).tmp"
        let renamed = write(to: beside, flags: O_EXCL) == nil && rename(beside, file) == 0
        if !renamed {
            unlink(beside)
            if let error = write(to: file, flags: O_TRUNC) { return error }
        }
        path = strdup(file)
        for signal in [SIGTERM, SIGINT, SIGHUP] where removeOnSignal {
            Glibc.signal(signal, removeAndReraise)
        }
        for signal in crashSignals where removeOnCrash {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = removeAndResume
            action.sa_flags = Int32(bitPattern: UInt32(SA_RESETHAND))
            sigaction(signal, &action, &previousActions[Int(signal)])
        }
        return nil
    }

    /// Writes this process's pid into a new file (`O_EXCL`) or over one (`O_TRUNC`); the error text if it could not.
    private static func write(to file: String, flags: Int32) -> String? {
        let fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0o644)
        if fd < 0 { return StandardStreams.describe(errno: errno) }
        let written = StandardStreams.write("\(getpid())\n", to: fd)
        let code = errno
        close(fd)
        return written ? nil : StandardStreams.describe(errno: code)
    }

    static let crashSignals = [SIGSEGV, SIGILL, SIGABRT, SIGBUS, SIGFPE, SIGTRAP]

    /// What each crash signal did before, put back once the file is gone.
    nonisolated(unsafe) static var previousActions: [sigaction] = Array(repeating: sigaction(), count: 65)

    /// Removes the pid file, if one was written.
    package static func remove() {
        if let path { unlink(path) }
    }
}

private func removeAndResume(_ signal: Int32) {
    PidFile.remove()
    sigaction(signal, &PidFile.previousActions[Int(signal)], nil)
    raise(signal)
}

private func removeAndReraise(_ signal: Int32) {
    PidFile.remove()
    Glibc.signal(signal, SIG_DFL)
    raise(signal)
}
