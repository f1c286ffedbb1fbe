import Glibc

/// The time limit of one command run: SIGTERM to its process group at the deadline, then
/// SIGKILL after the grace period. The process group outlives its leader, so children the
/// command forked are stopped too.
struct TimeLimit {
    let group: pid_t
    private var deadline: Double
    private(set) var expired = false
    private var killed = false

    init(group: pid_t, seconds: Double) {
        self.group = group
        deadline = Self.now() + seconds
    }

    /// How long poll(2) may wait before the next step is due (-1: no step left).
    func millisecondsToNextStep() -> Int32 {
        if killed { return -1 }
        return Int32(clamping: Int(max(0, (deadline - Self.now()) * 1000).rounded(.up)))
    }

    /// The deadline passed: SIGTERM first, SIGKILL when the grace period passed too.
    mutating func step() {
        guard Self.now() >= deadline else { return }
        if !expired {
            expired = true
            kill(-group, SIGTERM)
            deadline = Self.now() + ShellCommand.killGraceSeconds
        } else {
            killGroup()
            killed = true
        }
    }

    func killGroup() {
        kill(-group, SIGKILL)
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
