import Glibc

/// Runs a worker's command once: the workload goes to its stdin while its stdout, stderr
/// and progress descriptor are read, all at once, so that no size of workload or result
/// can deadlock on the pipes. The command runs in a process group of its own, so that a
/// time limit or a shutdown can stop it with every child it forked.
struct ShellCommand {
    /// How the command ended.
    enum Termination: Equatable {
        case exited(Int32)
        case signaled(Int32)
        /// posix_spawn could not start it (no such file, not executable, ...).
        case couldNotStart(errno: Int32)
        /// Still running after the time limit: its process group was stopped.
        case timedOut

        var succeeded: Bool { self == .exited(0) }
    }

    /// What the command writes, by the descriptor it writes to.
    enum Stream: Int, CaseIterable {
        case output = 1
        case error = 2
        /// `NUMERATOR/DENOMINATOR` lines, which become WORK_STATUS.
        case progress = 3
    }

    let arguments: [String]
    /// `--job-timeout`: after this many seconds the command's process group gets SIGTERM,
    /// and SIGKILL after `killGraceSeconds` more.
    var timeoutSeconds: Double? = nil
    static let killGraceSeconds = 2.0

    /// Runs the command with `input` on its stdin and `environment` added to (or replacing
    /// variables of) this process's environment. `onStart` gets the process group as soon
    /// as it exists; `onOutput` gets what the command writes, as it arrives.
    func run(input: UnsafeRawBufferPointer, environment: [(name: String, value: String)] = [],
             onStart: (pid_t) -> Void = { _ in },
             onOutput: (Stream, UnsafeRawBufferPointer) -> Void) -> Termination {
        // pipes[0] feeds stdin; the others are read: stdout, stderr, progress.
        var pipes: [[Int32]] = []
        for _ in 0..<4 {
            var fds: [Int32] = [-1, -1]
            guard ShellCommand.makePipe(&fds) else {
                let code = errno
                pipes.joined().forEach { _ = close($0) }
                return .couldNotStart(errno: code)
            }
            pipes.append(fds)
        }
        let childEnds = [pipes[0][0], pipes[1][1], pipes[2][1], pipes[3][1]]
        let spawned = spawn(descriptors: childEnds, environment: environment)
        childEnds.forEach { _ = close($0) }
        let readEnds = Stream.allCases.map { (stream: $0, fd: pipes[$0.rawValue][0]) }
        guard case .success(let pid) = spawned else {
            close(pipes[0][1])
            readEnds.forEach { _ = close($0.fd) }
            if case .failure(let code) = spawned { return .couldNotStart(errno: code.value) }
            return .couldNotStart(errno: EINVAL)
        }
        onStart(pid)
        // One 64 KiB read buffer on the stack per job: no heap allocation, no zero-filling.
        var limit = timeoutSeconds.map { TimeLimit(group: pid, seconds: $0) }
        withUnsafeTemporaryAllocation(byteCount: 1 << 16, alignment: 16) { buffer in
            pump(input: input, to: pipes[0][1], from: readEnds, buffer: buffer, limit: &limit, onOutput: onOutput)
        }
        let termination = wait(for: pid)
        if let limit, limit.expired {
            limit.killGroup()  // whatever of the group is still alive
            return .timedOut
        }
        return termination
    }

    /// A pipe whose ends close on exec (the child gets only the ends dup2'd to 0 to 3).
    private static func makePipe(_ fds: inout [Int32]) -> Bool {
        guard pipe(&fds) == 0 else { return false }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return true
    }

    struct SpawnError: Error { let value: Int32 }

    /// Starts the command with `descriptors` as its fds 0, 1, 2 and 3.
    private func spawn(descriptors: [Int32], environment: [(name: String, value: String)]) -> Result<pid_t, SpawnError> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (target, fd) in descriptors.enumerated() {
            posix_spawn_file_actions_adddup2(&actions, fd, Int32(target))
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // We ignore SIGPIPE; the command should not inherit that.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        // A group of its own: a terminal's Ctrl-C goes to the worker, which stops gracefully.
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))

        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let added: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.name)=\($0.value)") }
        defer { added.forEach { free($0) } }
        // This process's variables, but for those `environment` sets.
        let replaced = environment.map { "\($0.name)=" }
        var envp: [UnsafeMutablePointer<CChar>?] = []
        var entry = environ
        while let variable = entry.pointee {
            if !replaced.contains(where: { strncmp(variable, $0, $0.utf8.count) == 0 }) { envp.append(variable) }
            entry += 1
        }
        envp += added + [nil]
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, argv[0]!, &actions, &attributes, argv, envp)
        return result == 0 ? .success(pid) : .failure(SpawnError(value: result))
    }

    /// Writes `input` and reads output with poll(2) until the input is written (or the
    /// command stopped reading) and the command closed every descriptor it writes to.
    private func pump(input: UnsafeRawBufferPointer, to writeEnd: Int32, from readEnds: [(stream: Stream, fd: Int32)],
                      buffer: UnsafeMutableRawBufferPointer, limit: inout TimeLimit?,
                      onOutput: (Stream, UnsafeRawBufferPointer) -> Void) {
        var writing = true
        var offset = 0
        if input.isEmpty {
            close(writeEnd)
            writing = false
        } else {
            _ = fcntl(writeEnd, F_SETFL, fcntl(writeEnd, F_GETFL) | O_NONBLOCK)
        }
        var open = readEnds
        while writing || !open.isEmpty {
            var fds = open.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            if writing { fds.append(pollfd(fd: writeEnd, events: Int16(POLLOUT), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), limit?.millisecondsToNextStep() ?? -1)
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            if ready == 0, limit != nil {
                limit!.step()
                if writing {
                    close(writeEnd)
                    writing = false
                }
                continue
            }
            for entry in fds where entry.revents != 0 {
                if let index = open.firstIndex(where: { $0.fd == entry.fd }) {
                    let count = read(entry.fd, buffer.baseAddress, buffer.count)
                    if count > 0 {
                        onOutput(open[index].stream, UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                    } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                        close(entry.fd)
                        open.remove(at: index)
                    }
                } else {
                    let count = write(writeEnd, input.baseAddress! + offset, min(input.count - offset, 1 << 16))
                    if count > 0 {
                        offset += count
                    } else if count < 0 && errno != EINTR && errno != EAGAIN {
                        offset = input.count  // EPIPE: the command does not want the rest
                    }
                    if offset == input.count {
                        close(writeEnd)
                        writing = false
                    }
                }
            }
        }
        open.forEach { _ = close($0.fd) }
    }

    private func wait(for pid: pid_t) -> Termination {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return .exited(127) }
        }
        let signal = status & 0x7f
        return signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
    }
}
