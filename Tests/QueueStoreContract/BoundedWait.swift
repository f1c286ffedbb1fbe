import Foundation
import NIOCore

extension EventLoopFuture where Value: Sendable {
    /// `wait()` with a deadline: a store that never answers fails the test instead of hanging
    /// the whole run.
    public func bounded(_ seconds: Double = 60) throws -> Value {
        let outcome = Outcome<Value>()
        whenComplete { outcome.set($0) }
        guard outcome.done.wait(timeout: .now() + seconds) == .success, let result = outcome.result else {
            throw NoAnswer(seconds: seconds)
        }
        return try result.get()
    }
}

/// A future's result, handed from the thread that completes it to the one waiting.
private final class Outcome<Value: Sendable>: @unchecked Sendable {
    let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var stored: Result<Value, any Error>?

    var result: Result<Value, any Error>? { lock.withLock { stored } }

    func set(_ result: Result<Value, any Error>) {
        lock.withLock { stored = result }
        done.signal()
    }
}

/// What `bounded` throws when its future is still open after the deadline.
public struct NoAnswer: Error, CustomStringConvertible {
    public let seconds: Double
    public var description: String { "no answer within \(seconds) s" }
}
