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
        deadline = MonotonicClock.now() + seconds
    }

    /// How long poll(2) may wait before the next step is due (-1: no step left).
    func millisecondsToNextStep() -> Int32 {
        if killed { return -1 }
        return Int32(clamping: Int(max(0, (deadline - MonotonicClock.now()) * 1000).rounded(.up)))
    }

    /// The deadline passed: SIGTERM first, SIGKILL when the grace period passed too.
    mutating func step() {
        guard MonotonicClock.now() >= deadline else { return }
        if !expired {
            expired = true
            kill(-group, SIGTERM)
            deadline = MonotonicClock.now() + ShellCommand.killGraceSeconds
        } else {
            killGroup()
            killed = true
        }
    }

    func killGroup() {
        kill(-group, SIGKILL)
    }
}
