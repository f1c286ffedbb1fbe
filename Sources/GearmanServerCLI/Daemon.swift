import GearmanTool
import Glibc

/// gearmand's `-d`: the command returns once the server in the background listens (exit 0),
/// or fails to start (exit 1), so that scripts can use the server right after it.
struct Daemon {
    /// The write end of the pipe the parent waits on.
    private let readiness: Int32

    /// Forks; the parent waits for the child's word and exits. Returns in the child only,
    /// which keeps no inherited descriptor but `keeping` (a parent waiting on a pipe or
    /// socket the daemon held would wait forever).
    static func detach(keeping kept: Set<Int32>) -> Daemon? {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return nil }
        let pid = fork()
        if pid < 0 { return nil }
        if pid > 0 {
            close(fds[1])
            var byte: UInt8 = 0
            let count = read(fds[0], &byte, 1)
            exit(count == 1 && byte == UInt8(ascii: "1") ? 0 : 1)
        }
        close(fds[0])
        closeInheritedDescriptors(except: kept.union([fds[1]]))
        setsid()
        chdir("/")
        let null = open("/dev/null", O_RDWR)
        if null >= 0 {
            dup2(null, 0)
            dup2(null, 1)
            if null > 1 { close(null) }
        }
        return Daemon(readiness: fds[1])
    }

    /// Tells the waiting parent how the start went; stderr goes to /dev/null after success.
    func report(started: Bool) {
        var byte = UInt8(ascii: started ? "1" : "0")
        _ = write(readiness, &byte, 1)
        close(readiness)
        if started {
            let null = open("/dev/null", O_RDWR)
            if null >= 0 { dup2(null, 2); close(null) }
        }
    }
}
