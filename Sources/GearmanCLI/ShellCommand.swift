import Glibc

/// Runs a worker's command once: the workload goes to its stdin while its stdout is read,
/// both at once, so that no size of workload or result can deadlock on the pipes.
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

    let arguments: [String]
    /// `--job-timeout`: after this many seconds the command's process group gets SIGTERM,
    /// and SIGKILL after `killGraceSeconds` more. Only then does the command get a process
    /// group of its own (so that without the option, Ctrl-C still reaches it as before).
    var timeoutSeconds: Double? = nil
    static let killGraceSeconds = 2.0

    /// Runs the command with `input` on its stdin and `environment` added to (or replacing
    /// variables of) this process's environment; `onOutput` gets stdout as it arrives.
    func run(input: UnsafeRawBufferPointer, environment: [(name: String, value: String)] = [],
             onOutput: (UnsafeRawBufferPointer) -> Void) -> Termination {
        var toChild: [Int32] = [-1, -1]
        var fromChild: [Int32] = [-1, -1]
        guard ShellCommand.makePipe(&toChild) else { return .couldNotStart(errno: errno) }
        guard ShellCommand.makePipe(&fromChild) else {
            let code = errno
            close(toChild[0]); close(toChild[1])
            return .couldNotStart(errno: code)
        }
        let spawned = spawn(stdin: toChild[0], stdout: fromChild[1], environment: environment)
        close(toChild[0])
        close(fromChild[1])
        guard case .success(let pid) = spawned else {
            close(toChild[1]); close(fromChild[0])
            if case .failure(let code) = spawned { return .couldNotStart(errno: code.value) }
            return .couldNotStart(errno: EINVAL)
        }
        // One 64 KiB read buffer on the stack per job: no heap allocation, no zero-filling.
        var limit = timeoutSeconds.map { TimeLimit(group: pid, seconds: $0) }
        withUnsafeTemporaryAllocation(byteCount: 1 << 16, alignment: 16) { buffer in
            pump(input: input, to: toChild[1], from: fromChild[0], buffer: buffer, limit: &limit, onOutput: onOutput)
        }
        let termination = wait(for: pid)
        if let limit, limit.expired {
            limit.killGroup()  // whatever of the group is still alive
            return .timedOut
        }
        return termination
    }

    /// A pipe whose ends close on exec (the child gets only the ends dup2'd to 0 and 1).
    private static func makePipe(_ fds: inout [Int32]) -> Bool {
        guard pipe(&fds) == 0 else { return false }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return true
    }

    struct SpawnError: Error { let value: Int32 }

    private func spawn(stdin: Int32, stdout: Int32, environment: [(name: String, value: String)]) -> Result<pid_t, SpawnError> {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)

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
        var flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK
        if timeoutSeconds != nil {
            posix_spawnattr_setpgroup(&attributes, 0)
            flags |= POSIX_SPAWN_SETPGROUP
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

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
    /// command stopped reading) and the command closed its stdout.
    private func pump(input: UnsafeRawBufferPointer, to writeEnd: Int32, from readEnd: Int32,
                      buffer: UnsafeMutableRawBufferPointer, limit: inout TimeLimit?,
                      onOutput: (UnsafeRawBufferPointer) -> Void) {
        var writing = true
        var offset = 0
        if input.isEmpty {
            close(writeEnd)
            writing = false
        } else {
            _ = fcntl(writeEnd, F_SETFL, fcntl(writeEnd, F_GETFL) | O_NONBLOCK)
        }
        var reading = true
        while writing || reading {
            var fds: [pollfd] = []
            if reading { fds.append(pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)) }
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
                if entry.fd == readEnd {
                    let count = read(readEnd, buffer.baseAddress, buffer.count)
                    if count > 0 {
                        onOutput(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                    } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                        reading = false
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
        close(readEnd)
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
