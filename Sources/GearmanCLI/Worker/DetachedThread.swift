import Glibc

/// Starts `body` on a POSIX thread of its own that nobody joins; the error number if it cannot.
func startDetachedThread(_ body: @escaping @Sendable () -> Void) -> Int32 {
    final class Start {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let start = Unmanaged.passRetained(Start(body)).toOpaque()
    var thread = pthread_t()
    let result = pthread_create(&thread, nil, { context in
        Unmanaged<Start>.fromOpaque(context!).takeRetainedValue().body()
        return nil
    }, start)
    if result != 0 {
        Unmanaged<Start>.fromOpaque(start).release()
        return result
    }
    pthread_detach(thread)
    return 0
}
