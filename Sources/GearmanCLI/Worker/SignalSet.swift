import Glibc

/// A set of signals the process takes synchronously: blocked everywhere, waited for by one thread.
struct SignalSet {
    private var set = sigset_t()

    init(_ signals: [Int32]) {
        sigemptyset(&set)
        for signal in signals { sigaddset(&set, signal) }
    }

    /// Blocks the signals in this thread and in every thread it starts afterwards.
    func block() {
        var set = set
        pthread_sigmask(SIG_BLOCK, &set, nil)
    }

    /// The next of the signals, or nil when `deadline` (monotonic seconds) passed first.
    func wait(until deadline: Double?) -> Int32? {
        var set = set
        while true {
            let signal: Int32
            if let deadline {
                let remaining = max(0, deadline - MonotonicClock.now())
                var timeout = timespec(tv_sec: Int(remaining), tv_nsec: Int((remaining - remaining.rounded(.down)) * 1e9))
                signal = sigtimedwait(&set, nil, &timeout)
            } else {
                signal = sigwaitinfo(&set, nil)
            }
            if signal > 0 { return signal }
            if errno == EAGAIN { return nil }
            // EINTR: wait again.
        }
    }
}
