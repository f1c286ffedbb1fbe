/// Why a queue store cannot be used, or could not keep a change; the message names the
/// store (file or database) and the problem.
public struct QueueStoreError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }

    public init(message: String) {
        self.message = message
    }
}
